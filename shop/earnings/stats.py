"""The numbers behind sharing: funnels per link and channel, days, top products, invitees and overrides."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import DateTime, and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from shop.accounts.models import User
from shop.extensions import db
from shop.orders.models import Cart, LineStatus, Order, OrderLine
from shop.stores.models import Click, ShareLink, Store

from .models import Account, LedgerEntry
from .services import SOLD, _commission, _live

PERIOD_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30


def period_days(value) -> int:
    """The period asked for (?days=), when it is one of those offered."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in PERIOD_DAYS else DEFAULT_DAYS


def period_start(now: datetime, days: int) -> datetime:
    """Midnight (UTC) of the first of the `days` calendar days that end today."""
    return datetime.combine(now.date() - timedelta(days=days - 1), time())


def _retail():
    return OrderLine.unit_price_minor * OrderLine.quantity


def _sum(value):
    return func.coalesce(func.sum(value), 0)


@dataclass
class Funnel:
    """One row of the funnel: clicks → visitors → carts → orders → sales → earnings."""

    clicks: int = 0
    visitors: int = 0
    carts: int = 0
    orders: int = 0
    sales: int = 0
    earnings: int = 0

    def add(self, **counts) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + int(value or 0))


@dataclass
class FunnelReport:
    by_link: list[tuple[ShareLink | None, Funnel]] = field(default_factory=list)
    by_channel: list[tuple[str, Funnel]] = field(default_factory=list)
    total: Funnel = field(default_factory=Funnel)


def _click_counts(since: datetime, store_id: int | None, *group):
    """Clicks and distinct visitors since `since`, grouped by `group` (nothing: one total row)."""
    scope = [Click.store_id == store_id] if store_id is not None else []
    return db.session.execute(
        select(*group, func.count(Click.id), func.count(distinct(Click.visitor)))
        .where(Click.created_at >= since, *scope)
        .group_by(*group)
    ).all()


def funnel(since: datetime, store_id: int | None = None, with_links: bool = True) -> FunnelReport:
    """The funnel of one store (or of every store), per link, per channel and in total; six queries at most.

    Visitors are counted distinct per row, so each grouping has its own click query rather than a sum.
    A cart that became a paid order is deleted, so such carts are counted through their orders.
    """
    scope = [Order.store_id == store_id] if store_id is not None else []
    cart_scope = [Cart.store_id == store_id] if store_id is not None else []
    by_link: dict[int | None, Funnel] = {}
    by_channel: dict[str, Funnel] = {}
    report = FunnelReport()

    groups = [(Click.channel, by_channel)] + ([(Click.link_id, by_link)] if with_links else [])
    for group, target in groups:
        for key, clicks, visitors in _click_counts(since, store_id, group):
            target.setdefault(key, Funnel()).add(clicks=clicks, visitors=visitors)
    for clicks, visitors in _click_counts(since, store_id):
        report.total.add(clicks=clicks, visitors=visitors)

    live_carts = db.session.execute(
        select(Cart.link_id, Cart.channel, func.count(Cart.id))
        .where(Cart.created_at >= since, *cart_scope)
        .group_by(Cart.link_id, Cart.channel)
    ).all()
    sold = db.session.execute(
        select(
            Order.link_id,
            Order.channel,
            func.count(distinct(Order.id)),
            func.count(distinct(case((Order.cart_id.is_(None), Order.id)))),
            _sum(_live(_retail())),
            _sum(_live(_commission())),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.in_(SOLD), Order.paid_at >= since, *scope)
        .group_by(Order.link_id, Order.channel)
    ).all()
    rows = [(link_id, channel, {"carts": carts}) for link_id, channel, carts in live_carts]
    rows += [
        (link_id, channel, {"carts": emptied, "orders": orders, "sales": sales, "earnings": earnings})
        for link_id, channel, orders, emptied, sales, earnings in sold
    ]
    for link_id, channel, counts in rows:
        by_channel.setdefault(channel, Funnel()).add(**counts)
        report.total.add(**counts)
        if with_links:
            by_link.setdefault(link_id, Funnel()).add(**counts)

    report.by_channel = sorted(by_channel.items(), key=_busiest)
    if with_links:
        links = _links([k for k in by_link if k is not None])
        report.by_link = [(links.get(k), f) for k, f in sorted(by_link.items(), key=_busiest)]
    return report


def _busiest(item: tuple) -> tuple:
    key, row = item
    return (-row.clicks, -row.orders, -row.sales, key is None, str(key))


def _links(ids: list[int]) -> dict[int, ShareLink]:
    if not ids:
        return {}
    rows = db.session.scalars(select(ShareLink).where(ShareLink.id.in_(ids)).options(joinedload(ShareLink.product)))
    return {link.id: link for link in rows}


@dataclass
class Day:
    day: date
    clicks: int = 0
    orders: int = 0
    earnings: int = 0


def _as_date(value) -> date:
    # SQLite's date() returns text, PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def daily(store_id: int, since: datetime, now: datetime) -> list[Day]:
    """Clicks, orders and earnings for every day from `since` to today, days without any as zero."""
    days = {}
    first = since.date()
    for n in range((now.date() - first).days + 1):
        days[first + timedelta(days=n)] = Day(first + timedelta(days=n))
    click_day = func.date(Click.created_at)
    for day, clicks in db.session.execute(
        select(click_day, func.count(Click.id))
        .where(Click.store_id == store_id, Click.created_at >= since)
        .group_by(click_day)
    ):
        if _as_date(day) in days:
            days[_as_date(day)].clicks = int(clicks)
    paid_day = func.date(Order.paid_at)
    for day, orders, earnings in db.session.execute(
        select(paid_day, func.count(distinct(Order.id)), _sum(_live(_commission())))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.store_id == store_id, Order.status.in_(SOLD), Order.paid_at >= since)
        .group_by(paid_day)
    ):
        if _as_date(day) in days:
            days[_as_date(day)].orders, days[_as_date(day)].earnings = int(orders), int(earnings)
    return list(days.values())


def top_products(store_id: int, since: datetime, limit: int = 5) -> dict[str, list]:
    """The store's best products in the period, by sales and by orders, from one query."""
    standing = OrderLine.status != LineStatus.cancelled
    rows = db.session.execute(
        select(
            OrderLine.product_id.label("product_id"),
            func.max(OrderLine.title).label("title"),
            _sum(_live(_retail())).label("sales"),
            func.count(distinct(case((standing, Order.id)))).label("orders"),
            _sum(_live(OrderLine.quantity)).label("units"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.store_id == store_id, Order.status.in_(SOLD), Order.paid_at >= since)
        .group_by(OrderLine.product_id)
    ).all()
    rows = [r for r in rows if r.orders]
    return {
        "by_sales": sorted(rows, key=lambda r: (-r.sales, -r.orders, r.title))[:limit],
        "by_orders": sorted(rows, key=lambda r: (-r.orders, -r.sales, r.title))[:limit],
    }


def invitees(store_id: int, since: datetime) -> list:
    """The stores this one invited, with their own orders and sales in the period (no customer data)."""
    mine = select(Store.id).where(Store.invited_by_id == store_id)
    sales = (
        select(
            Order.store_id.label("store_id"),
            func.count(distinct(Order.id)).label("orders"),
            _sum(_live(_retail())).label("sales"),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.store_id.in_(mine), Order.status.in_(SOLD), Order.paid_at >= since)
        .group_by(Order.store_id)
        .subquery()
    )
    return db.session.execute(
        select(
            Store.id,
            Store.name,
            Store.created_at,
            func.coalesce(sales.c.orders, 0).label("orders"),
            func.coalesce(sales.c.sales, 0).label("sales"),
        )
        .outerjoin(sales, sales.c.store_id == Store.id)
        .where(Store.invited_by_id == store_id)
        .order_by(Store.created_at.desc(), Store.id.desc())
    ).all()


def overrides(store_id: int, now: datetime, hold_days: int) -> dict[int, dict[str, int]]:
    """Override earnings by level (1: an invitee's sale, 2: an invitee's invitee's), pending and available.

    Like commission, an override becomes available once its line has shipped and the hold has passed.
    """
    from shop.fulfillment.models import PurchaseOrder

    seller = aliased(Store)
    release = now - timedelta(days=hold_days)
    available = and_(OrderLine.status == LineStatus.shipped, PurchaseOrder.shipped_at <= release)
    entries = (
        select(
            case((seller.invited_by_id == store_id, 1), else_=2).label("level"),
            case((available, 1), else_=0).label("available"),
            (-LedgerEntry.amount_minor).label("amount"),
        )
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(seller, seller.id == Order.store_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == OrderLine.purchase_order_id)
        .where(LedgerEntry.store_id == store_id, LedgerEntry.account == Account.referral_overrides)
        .subquery()
    )
    result = {level: {"pending": 0, "available": 0} for level in (1, 2)}
    for level, is_available, amount in db.session.execute(
        select(entries.c.level, entries.c.available, func.sum(entries.c.amount)).group_by(
            entries.c.level, entries.c.available
        )
    ):
        result[int(level)]["available" if is_available else "pending"] += int(amount or 0)
    return result


def store_numbers(store_id: int, now: datetime, days: int, hold_days: int) -> dict:
    """Everything on a reseller's numbers page, in a fixed number of queries."""
    since = period_start(now, days)
    return {
        "days": days,
        "since": since,
        "funnel": funnel(since, store_id),
        "daily": daily(store_id, since, now),
        "top": top_products(store_id, since),
        "invitees": invitees(store_id, since),
        "overrides": overrides(store_id, now, hold_days),
    }


SELF_LOOP_ORDERS = 3  # paid orders to one address from the reseller's own email
BURST_CLICKS, BURST_MINUTES = 30, 10  # clicks from one visitor on one store within a short window
MOSTLY_SELF_MIN_ORDERS = 3  # a store needs this many orders before "mostly self-purchases" means anything


def _self_purchase():
    """The store's own reseller bought: flagged at checkout, or paid with the reseller's own email."""
    return or_(Order.self_purchase.is_(True), func.lower(Order.email) == func.lower(User.email))


def top_stores(since: datetime, limit: int = 10) -> list:
    return db.session.execute(
        select(
            Store.id,
            Store.name,
            Store.slug,
            func.count(distinct(Order.id)).label("orders"),
            _sum(_live(_retail())).label("sales"),
            _sum(_live(_commission())).label("earnings"),
        )
        .join(Order, Order.store_id == Store.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.in_(SOLD), Order.paid_at >= since)
        .group_by(Store.id, Store.name, Store.slug)
        .order_by(_sum(_live(_retail())).desc(), Store.id)
        .limit(limit)
    ).all()


def self_purchase_loops(since: datetime, at_least: int = SELF_LOOP_ORDERS) -> list:
    """Addresses that received several paid orders from the store owner's own email."""
    address = (func.lower(func.trim(Order.address1)), func.lower(func.trim(Order.city)), Order.country)
    return db.session.execute(
        select(
            Store.id,
            Store.name,
            func.min(Order.address1).label("address1"),
            func.min(Order.city).label("city"),
            func.min(Order.country).label("country"),
            func.count(Order.id).label("orders"),
            func.sum(Order.total_minor).label("total"),
        )
        .join(Store, Store.id == Order.store_id)
        .join(User, User.id == Store.user_id)
        .where(Order.status.in_(SOLD), Order.paid_at >= since, _self_purchase())
        .group_by(Store.id, Store.name, *address)
        .having(func.count(Order.id) >= at_least)
        .order_by(func.count(Order.id).desc(), Store.id)
    ).all()


def _seconds(column):
    """A timestamp as seconds, for differences on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", column)
    return func.julianday(column) * 86400


def click_bursts(since: datetime, clicks: int = BURST_CLICKS, minutes: int = BURST_MINUTES) -> list:
    """Visitors who clicked one store `clicks` times within `minutes`, found with a window over their clicks."""
    heavy = (
        select(Click.store_id, Click.visitor, func.count(Click.id).label("clicks"))
        .where(Click.created_at >= since)
        .group_by(Click.store_id, Click.visitor)
        .having(func.count(Click.id) >= clicks)
        .subquery()
    )
    earlier = func.lag(Click.created_at, clicks - 1, type_=DateTime).over(
        partition_by=(Click.store_id, Click.visitor), order_by=(Click.created_at, Click.id)
    )
    windows = (
        select(Click.store_id, Click.visitor, Click.created_at, earlier.label("earlier"))
        .join(heavy, and_(heavy.c.store_id == Click.store_id, heavy.c.visitor == Click.visitor))
        .where(Click.created_at >= since)
        .subquery()
    )
    bursts = (
        select(windows.c.store_id, windows.c.visitor, func.min(windows.c.earlier).label("started"))
        .where(
            windows.c.earlier.is_not(None),
            _seconds(windows.c.created_at) - _seconds(windows.c.earlier) <= minutes * 60,
        )
        .group_by(windows.c.store_id, windows.c.visitor)
        .subquery()
    )
    return db.session.execute(
        select(Store.id, Store.name, bursts.c.visitor, bursts.c.started, heavy.c.clicks)
        .join(bursts, bursts.c.store_id == Store.id)
        .join(heavy, and_(heavy.c.store_id == bursts.c.store_id, heavy.c.visitor == bursts.c.visitor))
        .order_by(heavy.c.clicks.desc(), Store.id)
    ).all()


def mostly_self_purchases(since: datetime, at_least: int = MOSTLY_SELF_MIN_ORDERS) -> list:
    """Stores where more than half of the paid orders in the period were bought by the reseller."""
    own = func.sum(case((_self_purchase(), 1), else_=0))
    return db.session.execute(
        select(Store.id, Store.name, func.count(Order.id).label("orders"), own.label("own"))
        .join(Store, Store.id == Order.store_id)
        .join(User, User.id == Store.user_id)
        .where(Order.status.in_(SOLD), Order.paid_at >= since)
        .group_by(Store.id, Store.name)
        .having(func.count(Order.id) >= at_least, own * 2 > func.count(Order.id))
        .order_by((own * 1.0 / func.count(Order.id)).desc(), Store.id)
    ).all()


def operator_numbers(now: datetime, days: int) -> dict:
    """The funnel across every store per channel, the top stores, and the patterns worth a look."""
    since = period_start(now, days)
    return {
        "days": days,
        "since": since,
        "funnel": funnel(since, with_links=False),
        "top_stores": top_stores(since),
        "loops": self_purchase_loops(since),
        "bursts": click_bursts(since),
        "self_heavy": mostly_self_purchases(since),
    }

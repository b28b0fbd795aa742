"""Share to earn: short links, binding a visitor to the link that brought them, invites, the override chain."""
import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.http import dump_cookie
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from shop import money
from shop.extensions import db
from shop.settings import REFERRAL_DEFAULTS, get_int
from shop.stores.models import Channel, Pick, ShareLink, Store
from shop.util import insert_once, new_token, now_utc

COOKIE = "via"
SHORT_PATH = "/r/"  # the short link's route; written out so a job can build links outside a request
CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
EPOCH = datetime(1970, 1, 1)
# Chinese law calls a scheme with three or more levels a pyramid; we stop at two whatever the settings say.
MAX_LEVELS = 2
LEVEL_KEYS = ("override_level1_bp", "override_level2_bp")


@dataclass(frozen=True)
class Attribution:
    """The share link a visitor came through, as a cart and an order record it."""

    link_id: int
    store_id: int
    channel: str
    bound_at: datetime


def share_link(store: Store, product=None, channel: Channel | str = Channel.copy) -> ShareLink:
    """The store's link for a product (None: the store itself) on a channel, created on first use."""
    channel = Channel(channel).value
    product_id = product.id if product is not None else None
    stmt = (
        select(ShareLink)
        .where(
            ShareLink.store_id == store.id,
            ShareLink.channel == channel,
            ShareLink.product_id.is_(None) if product_id is None else ShareLink.product_id == product_id,
        )
        .order_by(ShareLink.id)
        .limit(1)
    )
    link = db.session.scalar(stmt)
    if link is None:
        # Two first shares racing: the unique key keeps one row per product link; either store link will do.
        insert_once(
            ShareLink, ["store_id", "product_id", "channel"],
            code=_free_code(), store_id=store.id, product_id=product_id, channel=channel, created_at=now_utc(),
        )
        link = db.session.scalar(stmt)
    return link


def _free_code() -> str:
    while True:
        code = new_token()[:8]
        if not db.session.scalar(select(ShareLink.id).where(ShareLink.code == code)):
            return code


def short_url(link: ShareLink) -> str:
    """The link to post in a chat: BASE_URL/r/<code>, also outside a request (for posters drawn by a job)."""
    return current_app.config["BASE_URL"] + SHORT_PATH + link.code


def landing_path(link: ShareLink) -> str:
    """The page a short link opens, carrying its code so attribution survives without cookies."""
    store = link.store
    if link.product is not None:
        sold = db.session.scalar(
            select(Pick.id).where(Pick.store_id == store.id, Pick.product_id == link.product_id).limit(1)
        )
        if sold:
            return url_for("stores.product", slug=store.slug, product_slug=link.product.slug, via=link.code)
    return url_for("stores.storefront", slug=store.slug, via=link.code)


def resolve(code: str) -> ShareLink | None:
    if not CODE_RE.fullmatch(code or ""):
        return None
    return db.session.scalar(select(ShareLink).where(ShareLink.code == code))


def link_in_url(store: Store, via: str | None) -> ShareLink | None:
    """The store's share link named by a ?via= code; links of other stores are ignored."""
    if not via or not CODE_RE.fullmatch(via):
        return None
    return db.session.scalar(select(ShareLink).where(ShareLink.code == via, ShareLink.store_id == store.id))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sharestall.attribution")


def _seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def binding_value(link: ShareLink, now: datetime) -> str:
    """The signed cookie value that binds a visitor to a link from `now`."""
    return _serializer().dumps([link.id, link.store_id, link.channel, _seconds(now)])


def read_binding(value: str | None, now: datetime | None = None, days: int | None = None) -> Attribution | None:
    """The link a signed cookie binds the visitor to, or None when it is missing, forged or past the window
    (`days`, else the operator's setting)."""
    if not value:
        return None
    try:
        link_id, store_id, channel, bound = _serializer().loads(value)
        bound_at = EPOCH + timedelta(seconds=int(bound))
    except (BadSignature, TypeError, ValueError):
        return None
    now = now or now_utc()
    if now - bound_at > timedelta(days=attribution_days() if days is None else days):
        return None
    return Attribution(int(link_id), int(store_id), str(channel), bound_at)


def rebind(link: ShareLink, current: str | None, now: datetime | None = None, days: int | None = None) -> str | None:
    """A new cookie value when this click changes the binding (none yet, expired, or another link): last click wins.

    `link` needs only id, store_id and channel (shop.edge passes those of a page's copy, with `days`)."""
    now = now or now_utc()
    bound = read_binding(current, now, days)
    if bound is not None and bound.link_id == link.id:
        return None  # the same link again keeps its first visit, so reloads never stretch the window
    return binding_value(link, now)


def binding_cookie(value: str, days: int) -> str:
    """The Set-Cookie header value that binds a visitor to the share link they came through, for `days`."""
    return dump_cookie(COOKIE, value, max_age=days * 86400, httponly=True, samesite="Lax")


def attribution_days() -> int:
    return get_int("attribution_days")


def attribution(store: Store, via: str | None, cookie: str | None, now: datetime | None = None) -> Attribution | None:
    """What brought a visitor to this store: the code in the page or form first, else the cookie's binding."""
    link = link_in_url(store, via)
    if link is not None:
        return Attribution(link.id, link.store_id, link.channel, now or now_utc())
    bound = read_binding(cookie, now)
    return bound if bound is not None and bound.store_id == store.id else None


def attribute_cart(cart, found: Attribution | None) -> None:
    """Record on the cart the link that last brought its customer; without one the cart keeps what it had."""
    if found is not None and found.store_id == cart.store_id:
        cart.link_id, cart.channel = found.link_id, found.channel


def is_self_purchase(store: Store, buyer_id: int | None, email: str) -> bool:
    """The store's own reseller is buying: signed in, or with the reseller's email."""
    if buyer_id is not None and buyer_id == store.user_id:
        return True
    return bool(email) and email.strip().lower() == (store.user.email or "").lower()


def inviter_for(code: str | None) -> Store | None:
    if not code or not CODE_RE.fullmatch(code):
        return None
    return db.session.scalar(select(Store).where(Store.invite_code == code))


def invite_url(store: Store) -> str:
    return current_app.config["BASE_URL"] + url_for("referrals.join", code=store.invite_code)


def invitees(store: Store) -> list[tuple[Store, int]]:
    """The stores this one invited, newest first, each with how many stores they invited in turn."""
    Invited = aliased(Store)
    rows = db.session.execute(
        select(Store, func.count(Invited.id))
        .outerjoin(Invited, Invited.invited_by_id == Store.id)
        .where(Store.invited_by_id == store.id)
        .group_by(Store.id)
        .order_by(Store.created_at.desc(), Store.id.desc())
    )
    return [(invitee, int(n)) for invitee, n in rows]


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def override_chain(store: Store, at: datetime, self_purchase: bool) -> list[tuple[int, int]]:
    """(inviter store id, basis points) for a sale in `store` at `at`: at most two levels, never a third.

    Nothing for the reseller's own purchases or after the invitee's override period.
    """
    if self_purchase or store.invited_by_id is None:
        return []
    if at >= add_months(store.created_at, get_int("override_months")):
        return []
    chain, seen, current = [], {store.id}, store
    for key in LEVEL_KEYS[:MAX_LEVELS]:
        inviter = current.invited_by
        if inviter is None or inviter.id in seen:
            break
        bp = min(max(get_int(key), 0), 10000)
        if bp:
            chain.append((inviter.id, bp))
        seen.add(inviter.id)
        current = inviter
    return chain


def line_overrides(fee: int, chain: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(store id, amount) of each level's share of one line's fee; together never more than the fee."""
    left, shares = fee, []
    for store_id, bp in chain[:MAX_LEVELS]:
        amount = min(money.fee_for(fee, bp), left)
        if amount > 0:
            shares.append((store_id, amount))
            left -= amount
    return shares


def rules() -> dict[str, int]:
    """The operator's current referral settings."""
    return {key: get_int(key) for key in REFERRAL_DEFAULTS}


def percent(bp: int) -> str:
    """Basis points as a short percentage for reading, e.g. 1000 -> "10%", 1250 -> "12.5%"."""
    return f"{bp / 100:g}%"

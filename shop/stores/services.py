"""Use cases of resellers and their stores: open a store, browse the catalog, pick and price, count visits."""
import functools
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple
from urllib.parse import quote

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, exists, func, insert, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.sql import Select

from shop import money
from shop.accounts.models import Role
from shop.accounts.services import create_user
from shop.catalog import search
from shop.catalog.models import Product, ProductImage, Supplier, SupplierStatus, Variant
from shop.extensions import db

from .models import Click, Pick, Store

SLUG_MAX = 60
CLICK_WINDOW = timedelta(minutes=30)
BOT_RE = re.compile(r"bot|crawl|spider|slurp|preview|facebookexternalhit|curl|wget|python-|headless", re.I)


class PriceError(ValueError):
    """A price the reseller may not set; the message says why, in their language."""


def slugify(name: str) -> str:
    """The name folded to lower-case ASCII words joined by hyphens ("" when nothing Latin is left)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:SLUG_MAX].strip("-")


def random_slug() -> str:
    return "s-" + "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6))


def unique_slug(name: str) -> str:
    """A free slug for a store name: the folded name, with -2, -3… on collision, or a random one."""
    base = slugify(name)
    if not base:
        return random_slug()
    taken = set(db.session.scalars(select(Store.slug).where(or_(Store.slug == base, Store.slug.like(f"{base}-%")))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def open_store(name: str, email: str, password: str, invited_by: Store | None = None) -> Store:
    """A new reseller with a store that is live at once; SignupError when the email is taken."""
    user = create_user(email, password, Role.reseller, name=name)
    inviter_id = invited_by.id if invited_by is not None else None  # set once, here, and never changed
    slug = unique_slug(name)
    for _attempt in range(3):
        # Two sign-ups racing for one slug: the unique constraint decides, the loser takes a random one.
        savepoint = db.session.begin_nested()
        store = Store(user_id=user.id, name=name, slug=slug, invited_by_id=inviter_id)
        db.session.add(store)
        try:
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            slug = random_slug()
            continue
        savepoint.commit()
        return store
    raise RuntimeError("no free slug")


def visible_products() -> Select:
    """Published products of approved suppliers, with their supplier joined."""
    return (
        select(Product)
        .join(Product.supplier)
        .where(Product.published.is_(True), Supplier.status == SupplierStatus.approved)
        .options(contains_eager(Product.supplier))
    )


@dataclass
class CatalogFilter:
    q: str = ""
    category: str = ""
    supplier_id: int | None = None
    basis: str = "wholesale"
    low: int | None = None
    high: int | None = None


def _shape_and_params(f: CatalogFilter) -> tuple[tuple, dict]:
    """Which conditions the filter needs (the statement's cache key) and the values they take."""
    how = search.kind(f.q) if f.q else None
    shape = (how, bool(f.category), bool(f.supplier_id), f.basis == "suggested", f.low is not None,
             f.high is not None)
    params = {"category": f.category, "supplier_id": f.supplier_id, "low": f.low, "high": f.high}
    if how:
        params["search_term"] = search.term(how, f.q)
    return shape, params


@functools.cache
def _catalog_query(shape: tuple) -> Select:
    """The ids of the products on sale that a filter of this shape finds, newest first; built once per shape."""
    how, category, supplier, suggested, low, high = shape
    stmt = select(Product.id).join(Product.supplier).where(
        Product.published.is_(True), Supplier.status == SupplierStatus.approved,
        exists().where(Variant.product_id == Product.id),
    )
    if how:
        stmt = stmt.where(search.condition(how))
    if category:
        stmt = stmt.where(Product.category == bindparam("category"))
    if supplier:
        stmt = stmt.where(Product.supplier_id == bindparam("supplier_id"))
    column = Variant.retail_minor if suggested else Variant.wholesale_minor
    cheapest = select(func.min(column)).where(Variant.product_id == Product.id).scalar_subquery()
    if low:
        stmt = stmt.where(cheapest >= bindparam("low"))
    if high:
        stmt = stmt.where(cheapest <= bindparam("high"))
    # Newest first by id, which grows with time: the primary key gives the order, so a common word
    # reads 24 rows off the index instead of sorting every match (PostgreSQL: 90 ms to 0.3 ms).
    return stmt.order_by(Product.id.desc())


def count_up_to(f: CatalogFilter, cap: int) -> int:
    """How many products the filter finds, counting no further than cap + 1 (a common word matches thousands)."""
    shape, params = _shape_and_params(f)
    found = _catalog_query(shape).order_by(None).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(found), params)


@dataclass(frozen=True)
class CatalogPage:
    """One page of catalog tiles, and the pager's figures (matches counted up to the cap)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


class CatalogTile(NamedTuple):
    """What a catalog tile shows; also the key of its rendered copy (shop.stores.fragments)."""

    id: int
    title: str
    supplier_name: str
    min_wholesale: int
    suggested_retail: int | None
    stock: int
    image_src: str | None
    picked: bool


@functools.cache
def _tile_columns() -> tuple:
    """CatalogTile's columns, one correlated lookup each; built once, as every search runs them."""
    of_product = Variant.product_id == Product.id
    # The suggested retail price of the cheapest variant (the first of them in the supplier's order).
    suggested = (
        select(Variant.retail_minor).where(of_product)
        .order_by(Variant.wholesale_minor, Variant.position, Variant.id).limit(1).scalar_subquery()
    )
    photo = (
        select(ProductImage.src).where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id).limit(1).scalar_subquery()
    )
    return (
        Product.id, Product.title, Supplier.name,
        select(func.min(Variant.wholesale_minor)).where(of_product).scalar_subquery(),
        suggested,
        select(func.coalesce(func.sum(Variant.stock), 0)).where(of_product).scalar_subquery(),
        photo,
        exists().where(Pick.store_id == bindparam("store_id"), Pick.product_id == Product.id),
    )


@functools.cache
def _page_query(shape: tuple, dialect: str) -> Select:
    """A page of tiles and the matches counted up to `found_limit`, in one statement; built once per shape.

    The count comes as a last column on every row. On SQLite the trigram search is most of the cost, so the
    matches are found once, newest first, and both the count and the page read them. PostgreSQL reads a
    page off the primary key backwards, stopping at 24 matches, but finding 1,001 matches in that order would
    read ~20 times as many rows for a common word: it counts them apart, in no order, off the trigram index.
    """
    matching = _catalog_query(shape)
    found_limit = bindparam("found_limit", type_=Integer)
    window = lambda ids: ids.limit(bindparam("per_page", type_=Integer)).offset(bindparam("skip", type_=Integer))  # noqa: E731
    if dialect == "sqlite":
        found = matching.limit(found_limit).cte("found")
        on_page = window(select(found.c.id).order_by(found.c.id.desc()))
        total = select(func.count()).select_from(found).scalar_subquery()
    else:
        # Found in no order off the trigram index, up to found_limit. When that is all of them (a rarer word:
        # 134 matches), the page is sorted from those; reading the primary key backwards instead would pass
        # ~17,000 products to collect 24 of 134 (13-16 ms). When there are more, the primary key finds a
        # page of a common word at once. Only one branch runs: the count is an InitPlan, each branch's
        # condition on it a one-time filter.
        found = matching.order_by(None).limit(found_limit).cte("found").prefix_with("MATERIALIZED")
        total = select(func.count()).select_from(found).scalar_subquery()
        few = window(select(found.c.id).order_by(found.c.id.desc())).subquery()
        many = window(matching).subquery()
        on_page = union_all(
            select(few.c.id).where(total < found_limit), select(many.c.id).where(total >= found_limit)
        )
    return (
        select(*_tile_columns(), total).join(Product.supplier).where(Product.id.in_(on_page))
        .order_by(Product.id.desc())
    )


def catalog_page(f: CatalogFilter, store: Store, page: int, per_page: int, cap: int) -> CatalogPage:
    """A page of what the filter finds, as CatalogTiles (no ORM objects), with the matches counted up to cap + 1."""
    page = max(page, 1)
    skip = (page - 1) * per_page
    shape, params = _shape_and_params(f)
    # Found up to the end of this page at least, so a page past the cap (reached by "Next page") is full.
    params.update(store_id=store.id, found_limit=max(cap + 1, skip + per_page), per_page=per_page, skip=skip)
    rows = db.session.execute(_page_query(shape, db.session.get_bind().dialect.name), params).all()
    if not rows:  # no page this far (a stale link): the count comes on its own
        return CatalogPage([], page, per_page, count_up_to(f, cap) if page > 1 else 0)
    return CatalogPage([CatalogTile(*row[:-1]) for row in rows], page, per_page, min(rows[0][-1], cap + 1))


def catalog_choices() -> tuple[list[str], list[tuple[int, str]]]:
    """The categories and suppliers that have something in the catalog, for the filter menus."""
    # One index probe per category and per supplier, never a pass over every product.
    on_sale = (Product.published.is_(True), Supplier.status == SupplierStatus.approved)
    step = select(func.min(Product.category).label("category")).cte("step", recursive=True)
    following = select(func.min(Product.category)).where(Product.category > step.c.category).scalar_subquery()
    step = step.union_all(select(following).where(step.c.category.is_not(None)))
    # A scalar subquery with LIMIT, not EXISTS: PostgreSQL would turn EXISTS into a join over all products.
    sold = (
        select(Product.id).join(Product.supplier).where(Product.category == step.c.category, *on_sale).limit(1)
    ).scalar_subquery().is_not(None)
    categories = db.session.scalars(select(step.c.category).where(step.c.category != "", sold))
    suppliers = db.session.execute(
        select(Supplier.id, Supplier.name).where(
            Supplier.status == SupplierStatus.approved,
            exists().where(Product.supplier_id == Supplier.id, Product.published.is_(True)),
        )
    ).all()
    return sorted(set(categories)), sorted(((i, n) for i, n in suppliers), key=lambda s: s[1].lower())


def catalog_menus() -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]]:
    """catalog_choices, read at most once per CATALOG_MENU_SECONDS in each process (0: on every request)."""
    # The menus only offer filters: a category or supplier new to the catalog shows in them up to that
    # many seconds late, and one gone from it still filters correctly (to nothing). The products listed,
    # their prices and stock are read on every request.
    seconds = current_app.config["CATALOG_MENU_SECONDS"]
    read_at, menus = current_app.extensions.get("sharestall_catalog_menus", (None, None))
    now = time.monotonic()
    if menus is None or now - read_at >= seconds:
        categories, suppliers = catalog_choices()
        menus = tuple(categories), tuple(suppliers)  # tuples: part of the rendered filters' key
        current_app.extensions["sharestall_catalog_menus"] = (now, menus)
    return menus


def visible_product(product_id: int) -> Product | None:
    return db.session.scalar(
        visible_products().where(Product.id == product_id).options(selectinload(Product.variants))
    )


def starting_price(product: Product, fee_bp: int) -> int:
    """The supplier's suggested retail, else wholesale plus the default markup; never below the floor."""
    wholesale = product.min_wholesale
    markup = current_app.config["DEFAULT_MARKUP_PERCENT"]
    price = product.suggested_retail or (wholesale * (100 + markup) + 50) // 100
    return max(price, money.price_floor(wholesale, fee_bp))


def add_pick(store: Store, product: Product, fee_bp: int) -> Pick:
    """Put a catalog product in the store, last in line; adding it twice keeps the first."""
    existing = db.session.scalar(select(Pick).where(Pick.store_id == store.id, Pick.product_id == product.id))
    if existing:
        return existing
    last = db.session.scalar(select(func.max(Pick.position)).where(Pick.store_id == store.id))
    pick = Pick(
        store_id=store.id, product_id=product.id, product=product,
        price_minor=starting_price(product, fee_bp), position=(last if last is not None else -1) + 1,
    )
    db.session.add(pick)
    db.session.flush()
    return pick


def set_price(pick: Pick, price: int | None, fee_bp: int, currency: str) -> None:
    """Change a pick's price; PriceError when it is not an amount or below the floor."""
    if price is None or price <= 0:
        raise PriceError(_("Enter a price, like 12.50."))
    floor = pick.floor(fee_bp)
    if price < floor:
        lowest = money.display(floor, currency)
        raise PriceError(
            _("The lowest price you can set is %(price)s: it covers the wholesale price and the platform fee.",
              price=lowest)
        )
    pick.price_minor = price


def own_picks(store: Store) -> list[Pick]:
    """The reseller's picks in order, with what the admin page shows loaded."""
    return list(
        db.session.scalars(
            select(Pick)
            .where(Pick.store_id == store.id)
            .order_by(Pick.position, Pick.id)
            .options(
                selectinload(Pick.product).selectinload(Product.variants),
                selectinload(Pick.product).selectinload(Product.images),
                selectinload(Pick.product).selectinload(Product.supplier),
            )
        )
    )


def own_pick(store: Store, pick_id: int) -> Pick | None:
    return db.session.scalar(
        select(Pick)
        .where(Pick.id == pick_id, Pick.store_id == store.id)
        .options(selectinload(Pick.product).selectinload(Product.variants))
    )


def move_pick(store: Store, pick_id: int, step: int) -> None:
    """Swap a pick with its neighbour (step -1: up, +1: down), renumbering positions 0..n-1."""
    picks = list(db.session.scalars(select(Pick).where(Pick.store_id == store.id).order_by(Pick.position, Pick.id)))
    index = next((i for i, p in enumerate(picks) if p.id == pick_id), None)
    if index is None:
        return
    other = index + step
    if 0 <= other < len(picks):
        picks[index], picks[other] = picks[other], picks[index]
    for position, pick in enumerate(picks):
        pick.position = position
    db.session.flush()


def remove_pick(pick: Pick) -> None:
    db.session.delete(pick)
    db.session.flush()


@functools.cache
def _shelf_query() -> Select:
    # Built once: constructing a statement costs more than running this one.
    photo = (
        select(ProductImage.src).where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id).limit(1).scalar_subquery()
    )
    in_stock = exists().where(Variant.product_id == Product.id, Variant.stock > 0)
    return (
        select(Product.slug, Product.title, photo.label("image_src"), Pick.price_minor, in_stock.label("in_stock"))
        .join(Pick.product)
        .join(Product.supplier)
        .where(Pick.store_id == bindparam("store_id"), Product.published.is_(True),
               Supplier.status == SupplierStatus.approved)
        .order_by(Pick.position, Pick.id)
    )


def shelf(store: Store) -> tuple:
    """What the storefront's tiles show, in the reseller's order: one narrow query, no ORM objects.

    The rows are also the key of the rendered page, so any change to them (a pick, a price, a title,
    a photo, a product selling out or coming off sale) shows at once, with nothing to invalidate.
    """
    return tuple(db.session.execute(_shelf_query(), {"store_id": store.id}))


@functools.cache
def _public_pick_query() -> Select:
    return (
        select(Pick)
        .join(Pick.product)
        .join(Product.supplier)
        .where(
            Pick.store_id == bindparam("store_id"), Product.slug == bindparam("product_slug"),
            Product.published.is_(True), Supplier.status == SupplierStatus.approved,
        )
        .options(
            contains_eager(Pick.product).selectinload(Product.variants),
            contains_eager(Pick.product).selectinload(Product.images),
        )
    )


def public_pick(store: Store, product_slug: str) -> Pick | None:
    return db.session.scalar(_public_pick_query(), {"store_id": store.id, "product_slug": product_slug})


@functools.cache
def _store_by_slug() -> Select:
    return select(Store).where(Store.slug == bindparam("slug"))


def public_store(slug: str) -> Store | None:
    """The store at /s/<slug>; its statement is built once, as every storefront request runs it."""
    return db.session.scalar(_store_by_slug(), {"slug": slug})


def featured_stores(limit: int = 8) -> list[Store]:
    """Featured stores first, then the newest, among stores that sell something."""
    has_picks = exists().where(Pick.store_id == Store.id)
    return list(
        db.session.scalars(
            select(Store).where(has_picks).order_by(Store.featured.desc(), Store.created_at.desc()).limit(limit)
        )
    )


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or bool(BOT_RE.search(user_agent))


@functools.cache
def click_insert(on_product: bool):
    """INSERT … SELECT that adds nothing when the visitor was counted on this page within the window."""
    seen = exists().where(
        Click.visitor == bindparam("visitor"),
        Click.store_id == bindparam("store_id"),
        Click.product_id == bindparam("product_id") if on_product else Click.product_id.is_(None),
        Click.created_at > bindparam("since", type_=Click.created_at.type),
    )
    row = select(
        bindparam("store_id", type_=Click.store_id.type),
        bindparam("product_id", type_=Click.product_id.type),
        bindparam("visitor", type_=Click.visitor.type),
        bindparam("now", type_=Click.created_at.type),
        bindparam("link_id", type_=Click.link_id.type),
        bindparam("channel", type_=Click.channel.type),
    ).where(~seen)
    columns = ["store_id", "product_id", "visitor", "created_at", "link_id", "channel"]
    # The table, not the mapped class: parameters with an ORM insert would mean a bulk insert of rows.
    return insert(Click.__table__).from_select(columns, row)


def public_url(endpoint: str, **values) -> str:
    """A link to share: BASE_URL plus the path, so it is right behind any proxy."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def store_link(store: Store) -> str:
    return public_url("stores.storefront", slug=store.slug)


def pick_link(pick: Pick) -> str:
    return public_url("stores.product", slug=pick.store.slug, product_slug=pick.product.slug)


def share_links(url: str, text: str) -> dict[str, str]:
    """Deep links that open a chat app with the message ready to send."""
    message = f"{text} {url}"
    return {
        "whatsapp": "https://wa.me/?text=" + quote(message, safe=""),
        "telegram": "https://t.me/share/url?url=" + quote(url, safe="") + "&text=" + quote(text, safe=""),
        "sms": "sms:?&body=" + quote(message, safe=""),
    }

"""Use cases on carts and orders: fill a cart, place an order, take stock."""
import functools
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, Update, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from shop import money
from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.referrals.services import Attribution, is_self_purchase
from shop.settings import get_int, platform_fee_bp
from shop.stores.models import Pick, Store

from .models import Cart, CartLine, Order, OrderLine

MAX_QUANTITY = 99


class CheckoutError(Exception):
    """A problem the customer must see, in their language."""


def load_cart(token: str | None, store: Store, photos: bool = True) -> Cart | None:
    """The store's cart with this token, with what pricing needs (each line's variant, product and the
    product's variants, for the cheapest wholesale price) and, with photos, the photos the cart page shows."""
    if not token:
        return None
    # Each line's variant and product come with the lines (one JOIN), the products' variants after.
    product = selectinload(Cart.lines).joinedload(CartLine.variant).joinedload(Variant.product)
    options = [product.selectinload(Product.variants)]
    if photos:
        options.append(product.selectinload(Product.images))
    return db.session.scalar(select(Cart).where(Cart.token == token, Cart.store_id == store.id).options(*options))


def cart_count(token: str | None, store: Store) -> int:
    """Units in the cart, for the badge."""
    if not token:
        return 0
    return db.session.scalar(
        select(func.coalesce(func.sum(CartLine.quantity), 0))
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.token == token, Cart.store_id == store.id)
    )


def picks_by_product(store: Store, product_ids) -> dict[int, Pick]:
    """The store's picks of these products; each pick's product comes from the session (load_cart loaded it)."""
    rows = db.session.scalars(
        select(Pick).where(Pick.store_id == store.id, Pick.product_id.in_(set(product_ids)))
    )
    return {p.product_id: p for p in rows}


@dataclass(frozen=True)
class Added:
    """What an add to cart tells the customer: their cart (maybe new) and the units now in it."""

    token: str
    count: int


@functools.cache
def _tap_query() -> Select:
    """One read for a tap on "Add to cart": a row only when the store sells the variant (a published product it
    picked), with the customer's cart, that cart's first line of the variant and the units in the whole cart."""
    held = aliased(CartLine)
    units = (
        select(func.coalesce(func.sum(CartLine.quantity), 0))
        .where(CartLine.cart_id == Cart.id)
        .correlate(Cart)
        .scalar_subquery()
    )
    store_id = bindparam("store_id")
    return (
        select(Cart.id, Cart.link_id, Cart.channel, held.id, held.quantity, units)
        .select_from(Variant)
        .join(Product, Product.id == Variant.product_id)
        .join(Pick, (Pick.product_id == Product.id) & (Pick.store_id == store_id))
        .outerjoin(Cart, (Cart.token == bindparam("token")) & (Cart.store_id == store_id))
        .outerjoin(held, (held.cart_id == Cart.id) & (held.variant_id == Variant.id))
        .where(Variant.id == bindparam("variant_id"), Product.published.is_(True))
        .order_by(held.id)
        .limit(1)
    )


@functools.cache
def _more_of_line() -> Update:
    # The sum is taken in the database, so two taps racing on one line both count: PostgreSQL runs the second
    # UPDATE on the row the first committed, where a read in Python then a write would lose one.
    more = CartLine.quantity + bindparam("more")
    return (
        update(CartLine)
        .where(CartLine.id == bindparam("line_id"))
        .values(quantity=case((more > MAX_QUANTITY, MAX_QUANTITY), else_=more))
        .returning(CartLine.quantity)
        .execution_options(synchronize_session=False)
    )


def add_to_cart(
    store: Store, token: str | None, variant_id: int, quantity: int, found: Attribution | None = None
) -> Added | None:
    """Add a variant the store sells to the customer's cart (made on the first add); None when it sells no such
    variant. Quantities add up, capped at MAX_QUANTITY; `found`, the share link that brought the customer, is
    recorded on the cart.

    One read comes before any write, and only what changes is written: on SQLite the one writer's lock is held
    for a statement or two, and not at all when the line is already full.
    """
    row = db.session.execute(_tap_query(), {"store_id": store.id, "token": token, "variant_id": variant_id}).first()
    if row is None:
        return None
    if quantity < 1:
        raise CheckoutError(_("Choose at least one."))
    quantity = min(quantity, MAX_QUANTITY)  # and so within the database's integer, whatever the form said
    cart_id, link_id, channel, line_id, held, units = row
    link = {"link_id": found.link_id, "channel": found.channel} if found and found.store_id == store.id else {}
    if cart_id is None:
        cart_id, token = db.session.execute(
            insert(Cart).values(store_id=store.id, **link).returning(Cart.id, Cart.token)
        ).one()
    elif link and (link["link_id"], link["channel"]) != (link_id, channel):
        db.session.execute(
            update(Cart).where(Cart.id == cart_id).values(**link).execution_options(synchronize_session=False)
        )
    if line_id is not None and held >= MAX_QUANTITY:
        return Added(token, units)
    now = line_id and db.session.scalar(_more_of_line(), {"line_id": line_id, "more": quantity})
    if not now:  # no line of the variant yet, or its line was removed (in another tab) since the read
        db.session.execute(insert(CartLine).values(cart_id=cart_id, variant_id=variant_id, quantity=quantity))
        return Added(token, units - (held or 0) + quantity)
    return Added(token, units - held + now)


def set_quantity(cart: Cart, line_id: int, quantity: int) -> None:
    for line in list(cart.lines):
        if line.id == line_id:
            if quantity <= 0:
                cart.lines.remove(line)
            else:
                line.quantity = min(quantity, MAX_QUANTITY)


def drop_unsold_lines(cart: Cart, priced: list[tuple[CartLine, Pick, int]]) -> list[str]:
    """Remove the lines the store no longer sells; their titles, for a note to the customer."""
    kept = {line.id for line, _pick, _price in priced}
    dropped = [line for line in cart.lines if line.id not in kept]
    for line in dropped:
        cart.lines.remove(line)
    return [line.variant.product.title for line in dropped]


def priced_lines(store: Store, cart: Cart) -> list[tuple[CartLine, Pick, int]]:
    """Each cart line with the store's current price for it; lines no longer sold are left out."""
    picks = picks_by_product(store, [line.variant.product_id for line in cart.lines])
    result = []
    for line in cart.lines:
        pick = picks.get(line.variant.product_id)
        if pick and line.variant.product.published:
            result.append((line, pick, pick.price_for(line.variant)))
    return result


def place_order(
    store: Store, cart: Cart, customer: dict, locale: str, currency: str, buyer_id: int | None = None,
    lines: list[tuple[CartLine, Pick, int]] | None = None,
) -> Order:
    """Create an order awaiting payment, priced from the database, never from the form.

    It keeps the share link and channel that brought the cart; `buyer_id` is the signed-in user, if any.
    `lines` are the cart's priced lines when the caller priced them in this transaction already.
    """
    if lines is None:
        lines = priced_lines(store, cart)
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    fee_bp = platform_fee_bp()
    own = is_self_purchase(store, buyer_id, customer.get("email", ""))
    # When the operator says a reseller's own purchases earn no margin, the margin goes to the fee.
    keep_margin = not own or bool(get_int("self_purchase_margin"))
    order = Order(
        store_id=store.id, cart_id=cart.id, locale=locale, currency=currency, total_minor=0,
        link_id=cart.link_id, channel=cart.channel or "direct", self_purchase=own, **customer,
    )
    for line, _pick, price in lines:
        variant = line.variant
        if variant.stock < line.quantity:
            raise CheckoutError(
                _("Only %(n)d left of %(title)s.", n=variant.stock, title=variant.product.title)
            )
        if price < money.price_floor(variant.wholesale_minor, fee_bp):
            raise CheckoutError(_("%(title)s is not available right now.", title=variant.product.title))
        order.lines.append(
            OrderLine(
                variant_id=variant.id,
                product_id=variant.product_id,
                supplier_id=variant.supplier_id,
                sku=variant.sku,
                title=variant.product.title,
                variant_title=variant.title,
                quantity=line.quantity,
                unit_price_minor=price,
                unit_wholesale_minor=variant.wholesale_minor,
                unit_fee_minor=money.fee_for(price, fee_bp) if keep_margin else price - variant.wholesale_minor,
            )
        )
    order.total_minor = sum(line.total for line in order.lines)
    db.session.add(order)
    db.session.flush()
    return order


def take_stock(order: Order) -> bool:
    """Take every line's units, all or none; False when one ran out.

    Each decrement is one conditional UPDATE, so two payments racing for the last unit
    cannot both succeed, on SQLite or PostgreSQL. Rows are locked in variant order so two
    orders holding the same variants cannot deadlock.
    """
    lines = sorted(order.lines, key=lambda x: x.variant_id)
    # One line is one statement, all or none by itself; more need a savepoint to undo the first ones.
    savepoint = db.session.begin_nested() if len(lines) > 1 else None
    for line in lines:
        result = db.session.execute(
            update(Variant)
            .where(Variant.id == line.variant_id, Variant.stock >= line.quantity)
            .values(stock=Variant.stock - line.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            if savepoint is not None:
                savepoint.rollback()
            return False
    if savepoint is not None:
        savepoint.commit()
    return True


def empty_cart(cart_id: int | None) -> None:
    """Delete a cart and its lines (an order placed from it was paid)."""
    if cart_id is None:
        return
    db.session.execute(delete(CartLine).where(CartLine.cart_id == cart_id))
    db.session.execute(delete(Cart).where(Cart.id == cart_id))


def load_order_to_pay(token: str) -> Order | None:
    """The order with what paying it reads (its lines and store), and nothing its page shows besides."""
    return db.session.scalar(
        select(Order).where(Order.token == token).options(selectinload(Order.lines), joinedload(Order.store))
    )


def load_order(token: str) -> Order | None:
    return db.session.scalar(
        select(Order)
        .where(Order.token == token)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.purchase_order),
            selectinload(Order.lines).selectinload(OrderLine.shipment),
            selectinload(Order.refunds),
            selectinload(Order.store),
        )
    )

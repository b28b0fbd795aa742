"""Use cases on carts and orders: fill a cart, place an order, take stock."""
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from shop import money
from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.referrals.services import is_self_purchase
from shop.settings import get_int, platform_fee_bp
from shop.stores.models import Pick, Store

from .models import Cart, CartLine, Order, OrderLine

MAX_QUANTITY = 99


class CheckoutError(Exception):
    """A problem the customer must see, in their language."""


def load_cart(token: str | None, store: Store, to_show: bool = True, photos: bool = True) -> Cart | None:
    """The store's cart with this token.

    to_show loads what pricing needs (each line's variant, product and the product's variants, for the
    cheapest wholesale price) and, with photos, the photos the cart page shows; otherwise only its lines
    (adding to it needs no more: three queries fewer per tap).
    """
    if not token:
        return None
    options = [selectinload(Cart.lines)]
    if to_show:
        # Each line's variant and product come with the lines (one JOIN), the products' variants after.
        product = lambda: selectinload(Cart.lines).joinedload(CartLine.variant).joinedload(Variant.product)  # noqa: E731
        options = [product().selectinload(Product.variants)]
        if photos:
            options.append(product().selectinload(Product.images))
    return db.session.scalar(select(Cart).where(Cart.token == token, Cart.store_id == store.id).options(*options))


def new_cart(store: Store) -> Cart:
    cart = Cart(store_id=store.id)
    db.session.add(cart)
    db.session.flush()
    return cart


def store_variant(store: Store, variant_id: int) -> Variant | None:
    """A variant of a published product the store picked, or None."""
    return db.session.scalar(
        select(Variant)
        .join(Product, Product.id == Variant.product_id)
        .join(Pick, Pick.product_id == Product.id)
        .where(Variant.id == variant_id, Pick.store_id == store.id, Product.published.is_(True))
    )


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


def add_to_cart(cart: Cart, variant: Variant, quantity: int) -> None:
    """Add a variant the store sells; quantities add up, capped at MAX_QUANTITY."""
    if quantity < 1:
        raise CheckoutError(_("Choose at least one."))
    for line in cart.lines:
        if line.variant_id == variant.id:
            line.quantity = min(line.quantity + quantity, MAX_QUANTITY)
            return
    cart.lines.append(CartLine(variant_id=variant.id, variant=variant, quantity=min(quantity, MAX_QUANTITY)))


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

"""Cart, guest checkout and the customer's private order page."""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import limits
from shop.extensions import db, limiter
from shop.htmx import is_fragment_request, render, render_fragment_once
from shop.i18n import locale_code
from shop.referrals import services as referrals
from shop.stores.models import Store
from shop.stores.services import public_store

from . import services
from .forms import CheckoutForm, country_choices, default_country

bp = Blueprint("orders", __name__)


def _store(slug: str) -> Store:
    return public_store(slug) or abort(404)


def _cart_token(store: Store) -> str | None:
    return session.get("carts", {}).get(str(store.id))


def _found(store: Store) -> referrals.Attribution | None:
    """The share link in the form (a hidden field) or the visitor's signed binding."""
    return referrals.attribution(store, request.values.get("via"), request.cookies.get(referrals.COOKIE))


def _attribute(cart, store: Store) -> None:
    """The share link that brought the customer, recorded on the cart."""
    referrals.attribute_cart(cart, _found(store))


def _remember_cart(store: Store, token: str) -> None:
    # One cart per store, so a customer can shop two stores side by side.
    carts = session.get("carts", {})
    if carts.get(str(store.id)) != token:  # unchanged, the session cookie is not signed and sent again
        session["carts"] = {**carts, str(store.id): token}


def _cart_page(store: Store, status: int = 200, **headers):
    cart = services.load_cart(_cart_token(store), store)
    lines, dropped = [], []
    if cart:
        lines = services.priced_lines(store, cart)
        dropped = services.drop_unsold_lines(cart, lines)
        if dropped:
            db.session.commit()
    total = sum(price * line.quantity for line, _pick, price in lines)
    body, _status, base_headers = render(
        "orders/cart.html", "cart", store=store, lines=lines, dropped=dropped, total=total,
        currency=current_app.config["CURRENCY"],
    )
    return body, status, {**base_headers, **headers}


@bp.get("/s/<slug>/cart")
def cart(slug):
    return _cart_page(_store(slug))


@bp.post("/s/<slug>/cart/add")
def add_to_cart(slug):
    """Form fields: variant_id, quantity."""
    store = _store(slug)
    try:
        added = services.add_to_cart(
            store, _cart_token(store), request.form.get("variant_id", type=int) or 0,
            request.form.get("quantity", 1, type=int), _found(store),
        )
    except services.CheckoutError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orders.cart", slug=slug))
    if added is None:
        abort(404)
    # The store is only read: left out of the commit, it is not expired, and the session key and the fragment's
    # link do not load it again.
    db.session.expunge(store)
    db.session.commit()
    db.session.add(store)
    _remember_cart(store, added.token)
    if is_fragment_request():
        # It shows the store's cart link and the count, nothing of the customer's besides.
        body, status, headers = render_fragment_once((store.slug, added.count), "orders/added.html", "added",
                                                     store=store, count=added.count)
        return body, status, {**headers, "HX-Trigger": "cart-updated"}
    return redirect(url_for("orders.cart", slug=slug))


@bp.post("/s/<slug>/cart/lines/<int:line_id>")
def update_line(slug, line_id):
    """Form field: quantity (0 removes the line)."""
    store = _store(slug)
    cart = services.load_cart(_cart_token(store), store)
    if cart is None or all(line.id != line_id for line in cart.lines):
        abort(404)  # another cart's line is not this customer's to change, nor to know of
    services.set_quantity(cart, line_id, request.form.get("quantity", 0, type=int))
    db.session.commit()
    if is_fragment_request():
        return _cart_page(store, **{"HX-Trigger": "cart-updated"})
    return redirect(url_for("orders.cart", slug=slug))


@bp.get("/s/<slug>/cart/badge")
def cart_badge(slug):
    store = _store(slug)
    count = services.cart_count(_cart_token(store), store)
    return render("orders/added.html", "badge", store=store, count=count)


@bp.route("/s/<slug>/checkout", methods=["GET", "POST"])
@limiter.limit(limits.CHECKOUT, key_func=limits.by_address, methods=["POST"])
def checkout(slug):
    # payments sits above orders (it imports this package), so its provider is imported here.
    from shop.payments.providers import PaymentError, cod_offered, get_provider

    store = _store(slug)
    cart = services.load_cart(_cart_token(store), store, photos=False)  # the checkout page shows none
    lines = services.priced_lines(store, cart) if cart else []
    if not lines:
        flash(_("Your cart is empty."), "warning")
        return redirect(url_for("orders.cart", slug=slug))
    locale = locale_code()
    form = CheckoutForm(country=default_country(locale))
    form.country.choices = country_choices(locale)
    if form.validate_on_submit():
        try:
            _attribute(cart, store)
            buyer = current_user.id if current_user.is_authenticated else None
            order = services.place_order(
                store, cart, form.customer(), locale, current_app.config["CURRENCY"], buyer_id=buyer, lines=lines
            )
            cod = form.payment_method.data == "cod" and cod_offered()
            url = get_provider("cod" if cod else None).start_checkout(order)
        except services.CheckoutError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        except PaymentError:
            db.session.rollback()
            current_app.logger.exception("starting a checkout failed")
            form.form_errors.append(_("The payment service did not answer. Please try again."))
        else:
            db.session.commit()
            return redirect(url)
        lines = services.priced_lines(store, services.load_cart(cart.token, store, photos=False))
    total = sum(price * line.quantity for line, _pick, price in lines)
    return render(
        "orders/checkout.html", store=store, form=form, lines=lines, total=total,
        currency=current_app.config["CURRENCY"], cod=cod_offered(),
    )


@bp.get("/o/<token>")
def show(token):
    order = services.load_order(token)
    if order is None:
        abort(404)
    body, status, headers = render("orders/show.html", "status", order=order)
    # The token is the only key to this page: keep it out of shared caches.
    return body, status, {**headers, "Cache-Control": "private, no-store"}

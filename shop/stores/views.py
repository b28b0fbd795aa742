"""Home, opening a store, the shared catalog, picks, sharing, and the storefront."""
import functools

from flask import (
    Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from shop import money
from shop.accounts import limits
from shop.accounts.access import own, role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.accounts.services import SignupError
from shop.accounts.sessions import start_session
from shop import edge
from shop.extensions import db, limiter
from shop.htmx import fragment, is_fragment_request, render
from shop.i18n import locale_code
from shop.images import ImageError, ImageTooLarge, save_upload
from shop.pagecache import pages
from shop.referrals import services as referrals
from shop.settings import platform_fee_bp

from . import clicks, fragments, posters, services
from .forms import CatalogFilterForm, MoveForm, OpenStoreForm, PriceForm, SettingsForm
from .models import Channel, Pick, Store
from .qr import qr_png, qr_svg

bp = Blueprint("stores", __name__)

COUNT_CAP = 1000  # the catalog counts its matches up to here; past it the reseller is told "more than 1,000"


def _safe_next(target: str | None) -> str | None:
    return target if target and target.startswith("/") and not target.startswith("//") else None


def _currency() -> str:
    return current_app.config["CURRENCY"]


@bp.context_processor
def price_helpers():
    return {"plain_price": lambda amount: money.plain(amount, _currency())}


@bp.get("/")
def home():
    return render_template("stores/home.html", form=OpenStoreForm(), stores=services.featured_stores())


@bp.route("/open", methods=["GET", "POST"])
@limiter.limit(limits.SIGNUP, key_func=limits.by_address, methods=["POST"])
def open_store():
    if current_user.is_authenticated and current_user.role is Role.reseller:
        return redirect(url_for("stores.catalog"))
    form = OpenStoreForm()
    taken = False
    if form.validate_on_submit():
        try:
            store = services.open_store(
                form.name.data.strip(), form.email.data, form.password.data,
                invited_by=referrals.inviter_for(form.invite.data),
            )
        except SignupError as exc:
            form.email.errors.append(str(exc))
            taken = True
        else:
            start_session(store.user)
            db.session.commit()
            flash(_("Welcome! Your store is live. Tap “Add to my store” on the products you want to sell."))
            return redirect(url_for("stores.catalog"))
    return render_template("stores/open.html", form=form, taken=taken)


def _catalog_filter(form: CatalogFilterForm) -> services.CatalogFilter:
    supplier = form.supplier.data or ""
    return services.CatalogFilter(
        q=(form.q.data or "").strip() if not form.q.errors else "",
        category=form.category.data or "",
        supplier_id=int(supplier) if supplier.isdigit() else None,
        basis=form.basis.data,
        low=money.to_minor(form.low.data, _currency()) if form.low.data and not form.low.errors else None,
        high=money.to_minor(form.high.data, _currency()) if form.high.data and not form.high.errors else None,
    )


def _filter_form(menus) -> CatalogFilterForm:
    form = CatalogFilterForm(request.args)
    form.category.choices = [("", _("All categories"))] + [(c, c) for c in menus[0]]
    form.supplier.choices = [("", _("All suppliers"))] + [(str(i), n) for i, n in menus[1]]
    form.validate()
    return form


@bp.get("/catalog")
@role_required(Role.reseller)
def catalog():
    store = own(Store)
    menus = services.catalog_menus()
    form = _filter_form(menus)
    page = services.catalog_page(_catalog_filter(form), store, request.args.get("page", 1, type=int),
                                 current_app.config["PER_PAGE"], COUNT_CAP)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("stores/catalog.html", "results", page=page, args=args, capped=page.total > COUNT_CAP,
                  cap=COUNT_CAP, tiles=fragments.tiles(page.items),
                  filters=functools.partial(fragments.filter_form, form, menus))


@bp.post("/catalog/<int:product_id>/add")
@role_required(Role.reseller)
def add_pick(product_id: int):
    store = own(Store)
    product = services.visible_product(product_id)
    if product is None or not product.variants:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.add_pick(store, product, platform_fee_bp())
    db.session.commit()
    if is_fragment_request():
        return fragment(fragments.pick_button(product.id))
    flash(_("%(title)s is in your store.", title=product.title))
    return redirect(_safe_next(request.form.get("next")) or url_for("stores.catalog"))


def _my_store_page(store: Store, block: str | None = None, errors=None, typed=None):
    return render(
        "stores/my_store.html", block, store=store, picks=services.own_picks(store), fee_bp=platform_fee_bp(),
        errors=errors or {}, typed=typed or {}, saved=False,
    )


@bp.get("/my/store")
@role_required(Role.reseller)
def my_store():
    return _my_store_page(own(Store), "picks")


def _own_pick_or_404(store: Store, pick_id: int) -> Pick:
    pick = services.own_pick(store, pick_id)
    if pick is None:
        abort(404)
    return pick


@bp.post("/my/store/<int:pick_id>/price")
@role_required(Role.reseller)
def set_price(pick_id: int):
    store = own(Store)
    pick = _own_pick_or_404(store, pick_id)
    form = PriceForm()
    fee_bp = platform_fee_bp()
    error = None
    try:
        if not form.validate_on_submit():
            raise services.PriceError(_("Enter a price, like 12.50."))
        services.set_price(pick, money.to_minor(form.price.data, _currency()), fee_bp, _currency())
    except services.PriceError as exc:
        error = str(exc)
    else:
        db.session.commit()
    errors, typed = ({pick.id: error}, {pick.id: form.price.data or ""}) if error else ({}, {})
    if is_fragment_request():
        return render("stores/my_store.html", "pick_row", pick=pick, fee_bp=fee_bp, errors=errors, typed=typed,
                      saved=not error)
    if error:
        return _my_store_page(store, errors=errors, typed=typed)
    flash(_("Price saved."))
    return redirect(url_for("stores.my_store", _anchor=f"pick-{pick.id}"))


@bp.post("/my/store/<int:pick_id>/remove")
@role_required(Role.reseller)
def remove_pick(pick_id: int):
    store = own(Store)
    pick = _own_pick_or_404(store, pick_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_pick(pick)
    db.session.commit()
    if is_fragment_request():
        return _my_store_page(store, "picks")
    flash(_("Removed from your store."))
    return redirect(url_for("stores.my_store"))


@bp.post("/my/store/<int:pick_id>/move")
@role_required(Role.reseller)
def move_pick(pick_id: int):
    store = own(Store)
    _own_pick_or_404(store, pick_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_pick(store, pick_id, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    if is_fragment_request():
        return _my_store_page(store, "picks")
    return redirect(url_for("stores.my_store", _anchor=f"pick-{pick_id}"))


@bp.route("/my/settings", methods=["GET", "POST"])
@role_required(Role.reseller)
def settings():
    store = own(Store)
    form = SettingsForm(obj=store)
    if form.validate_on_submit():
        try:
            if form.logo.data:
                store.logo_src = save_upload(form.logo.data)
        except ImageTooLarge as exc:
            form.logo.errors.append(str(exc))
        except ImageError:
            form.logo.errors.append(_("That file is not a picture we can use. Upload a JPEG, PNG, WebP or GIF."))
        else:
            store.name = form.name.data.strip()
            store.tagline = (form.tagline.data or "").strip()
            store.colour = form.colour.data.lower()
            db.session.commit()
            flash(_("Store settings saved."))
            return redirect(url_for("stores.settings"))
    return render_template("stores/settings.html", form=form, store=store)


PANEL_CHANNELS = (
    Channel.copy, Channel.share, Channel.whatsapp, Channel.telegram, Channel.line, Channel.sms, Channel.wechat,
    Channel.qr,
)


@bp.context_processor
def share_card_helpers():
    return {"og_image": posters.og_image}


def _share_page(store: Store, pick: Pick | None):
    title = pick.product.title if pick else store.name
    text = _("Have a look: %(title)s", title=title)
    urls = {channel: posters.share_url(store, pick, channel) for channel in PANEL_CHANNELS}
    poster = posters.poster_for(store, pick)
    db.session.commit()  # the first visit creates the share links
    return render_template(
        "stores/share.html", store=store, pick=pick, title=title, text=text, poster=poster,
        url=urls[Channel.copy], urls={c.value: u for c, u in urls.items()}, links=posters.deep_links(urls, text),
        svg=qr_svg(urls[Channel.qr]),
    )


@bp.get("/my/share")
@limiter.limit(limits.SHARE_LINKS, key_func=limits.by_user)
@role_required(Role.reseller)
def share():
    return _share_page(own(Store), None)


@bp.get("/my/share/<int:pick_id>")
@limiter.limit(limits.SHARE_LINKS, key_func=limits.by_user)
@role_required(Role.reseller)
def share_pick(pick_id: int):
    store = own(Store)
    return _share_page(store, _own_pick_or_404(store, pick_id))


@bp.get("/my/share/qr.png")
@role_required(Role.reseller)
def share_qr():
    """Only the reseller's own links are drawn, never a URL taken from the request."""
    store = own(Store)
    pick = _pick_in_args(store)
    url = posters.share_url(store, pick, Channel.qr)
    db.session.commit()
    response = make_response(qr_png(url))
    response.headers["Content-Type"] = "image/png"
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_stem(store, pick)}-qr.png"'
    return response


def _pick_in_args(store: Store) -> Pick | None:
    """The reseller's pick named by ?pick=, None for the store itself; 404 for anyone else's."""
    return _own_pick_or_404(store, request.args.get("pick", 0, type=int)) if "pick" in request.args else None


def _file_stem(store: Store, pick: Pick | None) -> str:
    return f"{store.slug}-{pick.product.slug}" if pick else store.slug


@bp.get("/my/share/qr")
@role_required(Role.reseller)
def share_qr_full():
    """The QR code alone and big, to show the phone to a friend; ?channel=wechat for a scan in WeChat."""
    store = own(Store)
    pick = _pick_in_args(store)
    channel = Channel.wechat if request.args.get("channel") == Channel.wechat.value else Channel.qr
    url = posters.share_url(store, pick, channel)
    db.session.commit()
    title = pick.product.title if pick else store.name
    return render_template("stores/share_qr.html", store=store, pick=pick, title=title, url=url, svg=qr_svg(url))


@bp.get("/my/share/poster.png", defaults={"pick_id": None})
@bp.get("/my/share/<int:pick_id>/poster.png")
@role_required(Role.reseller)
def share_poster(pick_id: int | None):
    """The reseller's poster: ?download=1 as a file to save, else under its hash (?v=) and cached for long."""
    store = own(Store)
    pick = _own_pick_or_404(store, pick_id) if pick_id is not None else None
    poster = posters.poster_for(store, pick)
    db.session.commit()
    if request.args.get("download"):
        return posters.send(poster, download_name=f"{_file_stem(store, pick)}-poster.png")
    if request.args.get("v") != poster.digest:
        return redirect(url_for("stores.share_poster", pick_id=pick_id, v=poster.digest))
    return posters.send(poster)


@bp.get("/posters/<locale>/<slug>/<digest>.png", defaults={"product_slug": None})
@bp.get("/posters/<locale>/<slug>/p/<product_slug>/<digest>.png")
def public_poster(locale: str, slug: str, product_slug: str | None, digest: str):
    """A poster anyone may fetch (chat apps' link previews); an outdated hash is sent on to the current one."""
    if locale not in current_app.config["LANGUAGES"]:
        abort(404)
    store = _public_store(slug)
    pick = services.public_pick(store, product_slug) if product_slug else None
    if product_slug and pick is None:
        abort(404)
    with force_locale(locale):
        poster = posters.poster_for(store, pick)
    db.session.commit()
    if poster.digest != digest:
        return redirect(posters.public_url(store, pick, poster))
    return posters.send(poster, public=True)


def _count_visit(response, store: Store, product_id: int | None, link) -> None:
    """One click per visitor and page every 30 minutes; bots, the store's owner and shop.edge's rebuilding
    of a copy are not counted. `link`: the share link named by ?via=, if any."""
    if services.is_bot(request.headers.get("User-Agent")) or request.environ.get(edge.REFRESH):
        return
    if current_user.is_authenticated and current_user.id == store.user_id:
        return
    visitor, new = clicks.visitor_in(request.cookies), False
    if visitor is None:
        (visitor, cookie), new = clicks.new_visitor(), True
        response.headers.add("Set-Cookie", cookie)
    if link is not None:
        _bind_visitor(response, link)
    channel = link.channel if link is not None else Channel.direct.value
    if clicks.record(clicks.visit_row(store.id, product_id, visitor, link.id if link else None, channel, new)):
        db.session.commit()


def _bind_visitor(response, link) -> None:
    """Bind the visitor to the link they came through, server-signed, for the operator's window."""
    value = referrals.rebind(link, request.cookies.get(referrals.COOKIE))
    if value:
        response.headers.add("Set-Cookie", referrals.binding_cookie(value, _attribution_days()))


def _attribution_days() -> int:
    """The operator's attribution window, read once per request (the page's copy and the cookie both need it)."""
    if "attribution_days" not in g:
        g.attribution_days = referrals.attribution_days()
    return g.attribution_days


def _shareable(endpoint: str, store: Store, product_id: int | None, link, template: str | None = None) -> None:
    """Tell shop.edge this first visit's page is everyone's: later first visits may get it from a copy."""
    via = None if link is None else edge.Via(link.id, link.store_id, link.channel, _attribution_days())
    edge.shareable(request.environ, endpoint, store.id, product_id, template, via)


def _public_store(slug: str) -> Store:
    store = services.public_store(slug)
    if store is None:
        abort(404)
    return store


def _first_visit() -> bool:
    """No session yet: the page carries nothing of the visitor's own (no form token, flash or account)."""
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies and not current_user.is_authenticated


@bp.get("/s/<slug>")
def storefront(slug: str):
    store = _public_store(slug)
    link = referrals.link_in_url(store, request.args.get("via"))
    tiles = services.shelf(store)
    page = functools.partial(render_template, "stores/storefront.html", store=store, tiles=tiles)
    if _first_visit():
        # A link posted in a busy group: many first visits to the same page, rendered once per change.
        key = (store.id, store.slug, store.name, store.tagline, store.logo_src, store.colour, tiles,
               locale_code(), request.args.get("via"), request.script_root)
        body = pages().get_or_render(key, functools.partial(page, public=True))
        _shareable("stores.storefront", store, None, link)
    else:
        body = page(public=False)
    response = make_response(body)
    _count_visit(response, store, None, link)
    return response


@bp.get("/s/<slug>/p/<product_slug>")
def product(slug: str, product_slug: str):
    store = _public_store(slug)
    pick = services.public_pick(store, product_slug)
    if pick is None:
        abort(404)
    link = referrals.link_in_url(store, request.args.get("via"))
    page = functools.partial(render_template, "stores/product.html", store=store, pick=pick, product=pick.product)
    if _first_visit() and not session:
        # The same page for every first visit but for the form token: shop.edge may serve the next ones
        # from this copy, each with a session and token of its own.
        shared = page(csrf_value=lambda: edge.TOKEN)
        body = shared.replace(edge.TOKEN, generate_csrf())
        _shareable("stores.product", store, pick.product_id, link, template=shared)
    else:
        body = page()
    response = make_response(body)
    _count_visit(response, store, pick.product_id, link)
    return response

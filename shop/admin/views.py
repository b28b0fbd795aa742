"""Operator pages: suppliers, stores, orders, the platform fee."""
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from shop.accounts.access import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Supplier
from shop.extensions import db
from shop.earnings import stats
from shop.earnings.charts import daily_charts
from shop.htmx import render
from shop.orders.models import OrderStatus
from shop.settings import REFERRAL_DEFAULTS, get_int, platform_fee_bp, set_int, set_platform_fee_bp
from shop.stores.models import Store
from shop.util import now_utc

from . import services
from .forms import FeeForm, ReferralRulesForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required(Role.admin)
def only_the_operator():
    """Every admin URL: operators only; anyone else gets 404."""


@bp.get("/")
def index():
    return render_template("admin/index.html", counts=services.overview(), fee_percent=_fee_percent())


@bp.get("/suppliers")
def suppliers():
    page = _paginate(services.suppliers_query())
    counts = services.product_counts([s.id for s in page.items])
    return render_template("admin/suppliers.html", page=page, product_counts=counts)


@bp.post("/suppliers/<int:supplier_id>/<any(approve, suspend):action>")
def supplier_status(supplier_id, action):
    supplier = db.get_or_404(Supplier, supplier_id)
    if EmptyForm().validate_on_submit():
        try:
            (services.approve_supplier if action == "approve" else services.suspend_supplier)(supplier)
        except services.NotAllowed:
            flash(_("%(name)s is already %(status)s.", name=supplier.name, status=_status(supplier)), "warning")
        else:
            db.session.commit()
            flash(_("%(name)s is now %(status)s.", name=supplier.name, status=_status(supplier)))
    return redirect(request.referrer if _same_site(request.referrer) else url_for(".suppliers"))


@bp.get("/stores")
def stores():
    page = _paginate(services.stores_query())
    return render_template("admin/stores.html", page=page, counts=services.store_counts([s.id for s in page.items]))


@bp.post("/stores/<int:store_id>/featured")
def toggle_featured(store_id):
    store = db.get_or_404(Store, store_id)
    if EmptyForm().validate_on_submit():
        services.toggle_featured(store)
        db.session.commit()
        if store.featured:
            flash(_("%(name)s is featured.", name=store.name))
        else:
            flash(_("%(name)s is no longer featured.", name=store.name))
    return redirect(request.referrer if _same_site(request.referrer) else url_for(".stores"))


@bp.get("/orders")
def orders():
    status = request.args.get("status", "")
    chosen = OrderStatus(status) if status in OrderStatus._value2member_map_ else None
    page = _paginate(services.orders_query(chosen))
    return render("admin/orders.html", "orders", page=page, status=chosen, statuses=list(OrderStatus))


@bp.get("/orders/<int:order_id>")
def order(order_id):
    from .money import refund_form  # that module adds its routes to this blueprint

    detail = services.order_detail(order_id)
    if detail is None:
        abort(404)
    return render_template("admin/order.html", refund_form=refund_form(detail["order"]), **detail)


@bp.route("/fee", methods=["GET", "POST"])
def fee():
    form = FeeForm(data={"percent": _fee_percent()})
    if form.validate_on_submit():
        set_platform_fee_bp(form.basis_points)
        db.session.commit()
        flash(_("The platform fee is now %(percent)s%%. It applies to new orders only.", percent=form.percent.data))
        return redirect(url_for(".fee"))
    return render_template("admin/fee.html", form=form, fee_percent=_fee_percent())


@bp.route("/referrals", methods=["GET", "POST"])
def referrals():
    form = ReferralRulesForm(data={key: get_int(key) for key in REFERRAL_DEFAULTS})
    if form.validate_on_submit():
        for key, value in form.rules().items():
            set_int(key, value)
        db.session.commit()
        flash(_("Referral rules saved. They apply to new visits and new orders."))
        return redirect(url_for(".referrals"))
    return render_template("admin/referrals.html", form=form)


@bp.get("/numbers")
def numbers():
    days = stats.period_days(request.args.get("days"))
    return render("admin/numbers.html", "numbers", **stats.operator_numbers(now_utc(), days))


@bp.get("/numbers/stores/<int:store_id>")
def store_numbers(store_id):
    store = db.get_or_404(Store, store_id)
    days = stats.period_days(request.args.get("days"))
    figures = stats.store_numbers(store.id, now_utc(), days, current_app.config["EARNINGS_HOLD_DAYS"])
    return render("admin/store_numbers.html", "numbers", store=store, charts=daily_charts(figures["daily"]), **figures)


def _paginate(query):
    return db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)


def _fee_percent() -> Decimal:
    return Decimal(platform_fee_bp()) / 100


def _status(supplier: Supplier) -> str:
    return {"pending": _("pending"), "approved": _("approved"), "suspended": _("suspended")}[supplier.status.value]


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)

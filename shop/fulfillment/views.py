"""The supplier's purchase orders: to ship, ship, cancel lines."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from shop.accounts.access import own, role_required
from shop.accounts.models import Role
from shop.catalog.models import Supplier
from shop.extensions import db
from shop.htmx import is_fragment_request, render
from shop.payments.providers import PaymentError

from .forms import CancelLinesForm, ShipLinesForm
from .models import PurchaseOrder
from .services import (
    TABS, LinesNotOpen, cancel_supplier_lines, load_purchase_order, open_lines, ship_purchase_order,
    supplier_purchase_orders, tab_counts,
)
from .tasks import send_lines_cancelled_email, send_po_deliveries, send_shipped_email

bp = Blueprint("fulfillment", __name__, url_prefix="/supplier")
PO_PAGE = "fulfillment/purchase_order.html"


@bp.get("/orders")
@role_required(Role.supplier)
def to_ship():
    supplier = own(Supplier)
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "open"
    page = db.paginate(
        supplier_purchase_orders(supplier.id, tab), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render("fulfillment/to_ship.html", "po_list", page=page, tab=tab, counts=tab_counts(supplier.id))


@bp.get("/orders/<token>")
@role_required(Role.supplier)
def purchase_order(token):
    po = _own_po(token)
    return render(PO_PAGE, po=po, ship_form=_ship_form(po, formdata=None), cancel_form=_cancel_form(po, formdata=None))


@bp.post("/orders/<token>/ship")
@role_required(Role.supplier)
def ship(token):
    po = _own_po(token)
    form = _ship_form(po)
    if not open_lines(po):
        flash(_("Nothing is left to ship on this order."), "error")
        return _done(url_for(".purchase_order", token=token))
    if _gone_ids(po, form):
        return _already_shipped(po, form)
    if not form.validate_on_submit():
        return render(PO_PAGE, "ship_form", po=po, ship_form=form, cancel_form=_cancel_form(po, formdata=None))
    try:
        shipment = ship_purchase_order(po, form.carrier.data, form.tracking_number.data,
                                       open_lines(po, form.chosen_ids()))
    except LinesNotOpen:  # a twin submit got there first
        db.session.rollback()
        return _already_shipped(po, form)
    db.session.commit()
    send_shipped_email(shipment.id)
    send_po_deliveries(po.id)
    flash(_("Marked as shipped. The customer has been emailed the tracking number."))
    return _done(url_for(".purchase_order", token=token))


@bp.post("/orders/<token>/cancel")
@role_required(Role.supplier)
def cancel_lines(token):
    po = _own_po(token)
    form = _cancel_form(po)
    if not form.validate_on_submit():
        return render(PO_PAGE, "cancel_form", po=po, ship_form=_ship_form(po, formdata=None), cancel_form=form)
    lines = open_lines(po, form.line_ids.data)
    try:
        refund = cancel_supplier_lines(po, lines, form.reason.data)
    except LinesNotOpen:
        db.session.rollback()
        flash(_("Nothing was cancelled: some of these items were shipped or cancelled meanwhile, perhaps from "
                "another tab."), "error")
        return _done(url_for(".purchase_order", token=token))
    except PaymentError:
        db.session.rollback()
        flash(_("The refund did not go through, so nothing was cancelled. Please try again."), "error")
        return _done(url_for(".purchase_order", token=token))
    db.session.commit()
    if refund is not None:
        send_lines_cancelled_email(refund.id, [line.id for line in lines])
    send_po_deliveries(po.id)
    flash(_("Cancelled. The customer has been refunded and told why."))
    return _done(url_for(".purchase_order", token=token))


def _gone_ids(po: PurchaseOrder, form: ShipLinesForm) -> set[int]:
    """Ticked lines of this order that shipped or were cancelled since the page was loaded (another tab)."""
    open_ids = {line.id for line in open_lines(po)}
    return {line.id for line in po.lines if line.id not in open_ids} & set(form.line_ids.data or [])


def _already_shipped(po: PurchaseOrder, form: ShipLinesForm):
    """Say the parcel was not recorded; keep what was typed when something is still open to ship."""
    message = _("This parcel was not recorded: some of its items were already shipped or cancelled, "
                "perhaps from another tab.")
    if not open_lines(po):
        flash(message, "error")
        return _done(url_for(".purchase_order", token=po.token))
    still_open = {line.id for line in open_lines(po)}
    kept = _ship_form(po, formdata=None, carrier=form.carrier.data, tracking_number=form.tracking_number.data)
    kept.line_ids.data = [i for i in form.line_ids.data or [] if i in still_open]
    kept.line_ids.errors = [message]
    return render(PO_PAGE, "ship_form", po=po, ship_form=kept, cancel_form=_cancel_form(po, formdata=None))


def _own_po(token: str) -> PurchaseOrder:
    po = load_purchase_order(own(Supplier).id, token)
    if po is None:
        abort(404)
    return po


def _line_choices(po: PurchaseOrder) -> list[tuple[int, str]]:
    return [
        (line.id, " · ".join(p for p in (line.sku, line.title, line.variant_title) if p) + f" × {line.quantity}")
        for line in open_lines(po)
    ]


def _ship_form(po: PurchaseOrder, **kwargs) -> ShipLinesForm:
    # A fresh form ticks every open line: shipping everything at once stays one click.
    form = ShipLinesForm(**kwargs, line_ids=[line.id for line in open_lines(po)])
    form.line_ids.choices = _line_choices(po)
    return form


def _cancel_form(po: PurchaseOrder, **kwargs) -> CancelLinesForm:
    form = CancelLinesForm(**kwargs)
    form.line_ids.choices = _line_choices(po)
    return form


def _done(url: str):
    """Post/Redirect/Get; htmx is told to navigate instead of swapping a redirect into the form."""
    if is_fragment_request():
        return "", 204, {"HX-Redirect": url}
    return redirect(url)

"""The page a supplier reaches from the signed link in a purchase order mail: type the tracking number."""
from flask import Blueprint, abort, render_template

from shop.extensions import db

from .forms import ShipForm
from .links import po_for_link
from .models import POStatus
from .services import LinesNotOpen, ship_purchase_order
from .tasks import send_po_deliveries, send_shipped_email

links_bp = Blueprint("po_links", __name__)
PAGE = "fulfillment/tracking_link.html"


@links_bp.route("/po/<token>", methods=["GET", "POST"])
def tracking_link(token):
    po = po_for_link(token)
    if po is None:
        abort(404)  # expired, tampered with, or already shipped or cancelled: the link is dead
    form = ShipForm()
    if not form.validate_on_submit():
        return render_template(PAGE, po=po, form=form, link=token)
    # The mailed link ships whatever is still open as one parcel; splitting is the portal's and the API's job.
    try:
        shipment = ship_purchase_order(po, form.carrier.data, form.tracking_number.data)
    except LinesNotOpen:  # a double submit: the first one shipped it, so show its outcome
        db.session.rollback()
        if po.status is not POStatus.shipped:
            abort(404)  # cancelled meanwhile: the link is dead
        return render_template(PAGE, po=po, form=None, link=token)
    db.session.commit()
    send_shipped_email(shipment.id)
    send_po_deliveries(po.id)
    return render_template(PAGE, po=po, form=None, link=token)

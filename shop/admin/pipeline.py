"""Operator pages: the order pipeline to suppliers, and each supplier's shipping health."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from shop.accounts.forms import EmptyForm
from shop.extensions import db
from shop.fulfillment.health import supplier_health
from shop.fulfillment.pipeline import pipeline_stages, purchase_order_by_token, suppliers_by_id
from shop.fulfillment.tasks import forward_order, send_po_deliveries
from shop.fulfillment.webhooks import send_again

from .views import bp


@bp.get("/pipeline")
def pipeline():
    health = supplier_health()
    return render_template(
        "admin/pipeline.html", stages=pipeline_stages(), health=health, suppliers=suppliers_by_id(health),
        button=EmptyForm(formdata=None),
    )


@bp.post("/pipeline/<token>/retry")
def retry(token):
    po = purchase_order_by_token(token)
    if po is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        send_again(po.id, waiting_too=True)
        db.session.commit()
        send_po_deliveries(po.id)
        forward_order(po.order_id)
        flash(_("Order #%(number)s is being sent again.", number=po.order_id))
    return redirect(url_for(".pipeline"))

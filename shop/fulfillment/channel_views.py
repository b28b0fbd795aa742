"""The supplier's order channel page: channel, webhook and secret, feed, failed deliveries, health."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from shop.accounts.access import own, role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Supplier
from shop.extensions import db
from shop.htmx import render

from .channels import load_channel, rotate_secret, save_channel
from .forms import ChannelForm
from .health import Health, supplier_health
from .models import DeliveryStatus
from .services import load_purchase_order
from .tasks import poll_feed, send_po_deliveries
from .views import bp
from .webhooks import send_again, supplier_deliveries

PAGE = "fulfillment/channel.html"


@bp.get("/channel")
@role_required(Role.supplier)
def channel():
    supplier = own(Supplier)
    saved = load_channel(supplier.id)
    form = ChannelForm(formdata=None, obj=saved, channel=saved.channel.value if saved else "email")
    return _page(supplier, saved, form)


@bp.post("/channel")
@role_required(Role.supplier)
def save():
    supplier = own(Supplier)
    form = ChannelForm()
    if not form.validate_on_submit():
        return _page(supplier, load_channel(supplier.id), form)
    save_channel(supplier.id, form.channel.data, form.webhook_url.data, form.feed_url.data)
    db.session.commit()
    flash(_("Saved. New orders reach you the way you chose."))
    return redirect(url_for(".channel"))


@bp.post("/channel/secret")
@role_required(Role.supplier)
def rotate():
    supplier = own(Supplier)
    if EmptyForm().validate_on_submit():
        rotate_secret(supplier.id)
        db.session.commit()
        flash(_("A new webhook secret is in use. Update your server with it."))
    return redirect(url_for(".channel"))


@bp.post("/channel/feed")
@role_required(Role.supplier)
def check_feed():
    supplier = own(Supplier)
    saved = load_channel(supplier.id)
    if EmptyForm().validate_on_submit() and saved and saved.feed_url:
        poll_feed(supplier.id)
        flash(_("Your feed is being checked; reload this page in a minute."))
    return redirect(url_for(".channel"))


@bp.post("/orders/<token>/send-again")
@role_required(Role.supplier)
def resend(token):
    po = load_purchase_order(own(Supplier).id, token)
    if po is None:
        abort(404)
    if EmptyForm().validate_on_submit() and send_again(po.id):
        db.session.commit()
        send_po_deliveries(po.id)
        flash(_("Sent again."))
    return redirect(url_for(".channel"))


def _page(supplier: Supplier, saved, form: ChannelForm):
    return render(
        PAGE, form=form, saved=saved, button=EmptyForm(formdata=None),
        health=supplier_health([supplier.id]).get(supplier.id, Health()),
        dead=supplier_deliveries(supplier.id, DeliveryStatus.dead),
        retrying=supplier_deliveries(supplier.id, DeliveryStatus.pending, limit=20),
    )

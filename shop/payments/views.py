"""Demo payment page and the Stripe webhook."""
import json

import stripe
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from shop.accounts import limits
from shop.accounts.forms import EmptyForm
from shop.extensions import csrf, db, limiter
from shop.orders.services import load_order, load_order_to_pay

from . import services

bp = Blueprint("payments", __name__)


@bp.route("/pay/demo/<token>", methods=["GET", "POST"])
def demo_pay(token):
    if current_app.config["STRIPE_SECRET_KEY"]:
        abort(404)
    order = (load_order_to_pay if request.method == "POST" else load_order)(token)
    if order is None or order.payment_provider != "demo":
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        status = services.confirm_payment("demo", f"pay-{order.token}", "demo.pay", order)
        order_id, paid_status = order.id, order.status
        db.session.commit()
        if status:
            services.after_payment_of(order_id, paid_status)
        return redirect(url_for("orders.show", token=token))
    return render_template("payments/demo_pay.html", order=order, form=form)


@bp.post("/payments/stripe/webhook")
@limiter.limit(limits.STRIPE_WEBHOOK, key_func=limits.by_address)
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events; the signature is the only thing that makes one trusted."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret:
        abort(404)
    payload = request.get_data(as_text=True)
    try:
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature", ""), secret, stripe.Webhook.DEFAULT_TOLERANCE
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError):
        abort(400)
    order = services.handle_stripe_event(event)
    paid = (order.id, order.status) if order is not None else None
    db.session.commit()
    if paid is not None:
        services.after_payment_of(*paid)
    return {"received": True}

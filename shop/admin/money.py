"""Operator money pages: payouts to approve, negative balances, disputes, the ledger check, the money rules."""
from decimal import Decimal

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shop import money
from shop.accounts.forms import EmptyForm
from shop.earnings import payouts
from shop.earnings.forms import MoneyRulesForm, PayoutDecisionForm, RefundLinesForm
from shop.earnings.ledger import check_ledger
from shop.earnings.lifecycle import Payee, rule, set_rule
from shop.earnings.models import Dispute, DisputeStatus, Payout
from shop.earnings.views import csv_download
from shop.extensions import db
from shop.orders.models import LineStatus, Order
from shop.payments.providers import PaymentError
from shop.payments.services import refund_lines
from shop.util import now_utc

from .views import bp

DECISIONS = {"approve": "approve", "reject": "reject", "mark_paid": "mark_paid"}


@bp.get("/money")
def money_overview():
    waiting = payouts.payouts_waiting()
    disputes = db.session.scalars(
        select(Dispute).where(Dispute.status == DisputeStatus.open).options(joinedload(Dispute.order))
        .order_by(Dispute.created_at)
    ).all()
    return render_template(
        "admin/money.html", waiting=waiting, names=payouts.payee_names(waiting), Payee=Payee,
        negative=payouts.negative_balances(), disputes=disputes, findings=check_ledger(), form=EmptyForm(),
        rules=_rules_form(), currency=current_app.config["CURRENCY"],
    )


@bp.post("/money/payouts")
def decide_payout():
    form = PayoutDecisionForm()
    action = DECISIONS.get(request.form.get("action", ""))
    payout = db.session.get(Payout, int(form.payout_id.data)) if form.validate_on_submit() and \
        str(form.payout_id.data).isdigit() else None
    if payout is None or action is None:
        flash(_("That payout is not there."), "error")
        return redirect(url_for(".money_overview"))
    try:
        payouts.decide_payout(payout, action, now_utc())
    except payouts.PayoutError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Payout %(id)s: %(status)s.", id=payout.id, status=payout.status.value))
    return redirect(url_for(".money_overview"))


@bp.get("/money/payouts.csv")
def export_payouts():
    return csv_download(payouts.bank_export_rows(), "payouts.csv")


@bp.post("/money/rules")
def money_rules():
    form = _rules_form()
    if form.validate_on_submit():
        set_rule("hold_after_shipping_days", form.hold_after_shipping_days.data)
        set_rule("return_window_days", form.return_window_days.data)
        set_rule("payout_minimum_minor", money.to_minor(form.payout_minimum.data, current_app.config["CURRENCY"]))
        set_rule("cod_enabled", int(form.cod_enabled.data))
        db.session.commit()
        flash(_("Money rules saved. They apply from the next release run."))
    else:
        flash(_("Check the money rules: whole days from 0 to 365, and an amount."), "error")
    return redirect(url_for(".money_overview"))


def _rules_form() -> MoneyRulesForm:
    currency = current_app.config["CURRENCY"]
    return MoneyRulesForm(data={
        "hold_after_shipping_days": rule("hold_after_shipping_days"),
        "return_window_days": rule("return_window_days"),
        "payout_minimum": Decimal(money.from_minor(rule("payout_minimum_minor"), currency)),
        "cod_enabled": bool(rule("cod_enabled")),
    })


def refund_form(order: Order, **kwargs) -> RefundLinesForm:
    """The refund form of an order's admin page: every line not yet cancelled may be refunded."""
    form = RefundLinesForm(order_id=order.id, **kwargs)
    form.line_ids.choices = [(line.id, f"{line.quantity} × {line.title} {line.variant_title}".strip())
                             for line in order.lines if line.status is not LineStatus.cancelled]
    return form


@bp.post("/money/refund")
def refund_order_lines():
    order_id = request.form.get("order_id", "")
    order = db.session.get(Order, int(order_id)) if order_id.isdigit() else None
    if order is None:
        flash(_("That order is not there."), "error")
        return redirect(url_for(".orders"))
    form = refund_form(order)
    if not form.validate_on_submit():
        flash(_("Choose the lines to refund and say why."), "error")
    else:
        lines = [line for line in order.lines if line.id in set(form.line_ids.data)]
        try:
            refund = refund_lines(order, lines, form.reason.data, returned=True)
        except PaymentError:
            db.session.rollback()
            flash(_("The refund did not go through. Please try again."), "error")
        else:
            db.session.commit()
            if refund is not None:
                flash(_("Refunded %(amount)s.", amount=money.display(refund.amount_minor, refund.currency)))
    return redirect(url_for(".order", order_id=order.id))

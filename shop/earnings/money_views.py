"""The "Money" page of resellers and suppliers: balances, a chart, the statement, payouts and Stripe Connect."""
from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shop.accounts.access import own, recent_login_required, role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Supplier
from shop import money
from shop.extensions import db
from shop.i18n import money_filter
from shop.stores.models import Store
from shop.util import now_utc

from . import cod, payouts, statements
from .charts import bar_chart
from .forms import BankAccountForm
from .lifecycle import Payee, rule
from .models import ConnectAccount
from .lifecycle import balances as payee_balances
from .pdf import statement_pdf
from .views import bp, csv_download

SIDES = {"my": (Role.reseller, Store, "store"), "supplier": (Role.supplier, Supplier, "supplier")}


def _payee(side: str) -> tuple[Payee, object]:
    role, model, kind = SIDES[side]
    if current_user.role is not role:
        abort(404)
    owner = own(model)
    return Payee(kind, owner.id), owner


def money_page(side: str):
    payee, owner = _payee(side)
    start, end, month = statements.month_bounds(request.args.get("month"), now_utc().date())
    rows = statements.statement(payee, start, end)
    currency = current_app.config["CURRENCY"]
    return render_template(
        "earnings/money.html", side=side, owner=owner, payee=payee, month=month, rows=rows, currency=currency,
        totals=statements.totals(rows), balance=payee_balances(payee), connect=_connect_account(payee),
        bank=payouts.bank_account(payee), history=payouts.payouts_of(payee), form=EmptyForm(),
        minimum=rule("payout_minimum_minor"), state_label=statements.state_label,
        chart=bar_chart("chart-money", _("Earned per day"), statements.daily_earned(payee, now_utc().date(), 30),
                        lambda value: money_filter(value, currency)),
        year=statements.yearly_summary(payee, start.year), stripe_on=bool(current_app.config["STRIPE_SECRET_KEY"]),
        previous=f"{(start - timedelta(days=1)):%Y-%m}", following=f"{end:%Y-%m}",
        parcels=cod.parcels_to_settle(payee.id) if payee.kind == "supplier" else [],
    )


def _connect_account(payee: Payee) -> ConnectAccount | None:
    # Connect lives in payments, which builds on earnings; the page only reads the row.
    return db.session.scalar(select(ConnectAccount).filter_by(**payee.fields()))


def statement_csv(side: str):
    payee, _owner = _payee(side)
    start, end, month = statements.month_bounds(request.args.get("month"), now_utc().date())
    rows = statements.statement(payee, start, end)
    return csv_download(statements.csv_rows(rows, current_app.config["CURRENCY"]), f"statement-{month}.csv")


def statement_pdf_view(side: str):
    payee, owner = _payee(side)
    start, end, month = statements.month_bounds(request.args.get("month"), now_utc().date())
    rows = statements.statement(payee, start, end)
    title = _("Statement %(month)s · %(name)s", month=month, name=owner.name)
    body = statement_pdf(title, rows, current_app.config["CURRENCY"])
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="statement-{month}.pdf"', "Cache-Control": "no-store"})


def year_csv(side: str):
    payee, _owner = _payee(side)
    year = request.args.get("year", type=int) or now_utc().year
    summary = statements.yearly_summary(payee, year)
    currency = current_app.config["CURRENCY"]
    rows = [[_("Month"), _("Earned"), _("Paid out"), _("Currency")]]
    rows += [[m["month"], money.from_minor(m["earned"], currency), money.from_minor(m["paid"], currency), currency]
             for m in summary["months"]]
    rows.append([str(year), money.from_minor(summary["earned"], currency), money.from_minor(summary["paid"], currency),
                 currency])
    return csv_download(rows, f"summary-{year}.csv")


def request_payout(side: str):
    payee, _owner = _payee(side)
    if EmptyForm().validate_on_submit():
        try:
            payouts.request_payout(payee, current_app.config["CURRENCY"], now_utc())
        except payouts.PayoutError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Payout requested. The operator pays approved payouts by bank transfer."))
    return redirect(url_for(f"earnings.{side}_money"))


def bank_details(side: str):
    payee, _owner = _payee(side)
    current = payouts.bank_account(payee)
    form = BankAccountForm(obj=current)
    if form.validate_on_submit():
        payouts.save_bank_account(payee, form.holder.data, form.iban.data, form.bic.data or "", now_utc())
        db.session.commit()
        flash(_("Bank account saved."))
        return redirect(url_for(f"earnings.{side}_money"))
    return render_template("earnings/bank.html", form=form, side=side)


def connect_start(side: str):
    """Send the payee to Stripe's Express onboarding (a fresh account link each time)."""
    from shop.payments.connect import onboarding_link
    from shop.payments.providers import PaymentError

    payee, _owner = _payee(side)
    if not current_app.config["STRIPE_SECRET_KEY"] or not EmptyForm().validate_on_submit():
        abort(404)
    page = url_for(f"earnings.{side}_money", _external=True)
    try:
        url = onboarding_link(payee, current_user.email, page, page)
    except PaymentError:
        db.session.rollback()
        flash(_("Stripe did not answer. Please try again."), "error")
        return redirect(page)
    db.session.commit()
    return redirect(url)


VIEWS = (
    ("/money", "money", money_page, ["GET"], False),
    ("/money/statement.csv", "statement_csv", statement_csv, ["GET"], False),
    ("/money/statement.pdf", "statement_pdf", statement_pdf_view, ["GET"], False),
    ("/money/year.csv", "year_csv", year_csv, ["GET"], False),
    ("/money/payout", "request_payout", request_payout, ["POST"], False),
    ("/money/bank", "bank_details", bank_details, ["GET", "POST"], True),
    ("/money/connect", "connect", connect_start, ["POST"], True),
)


def _register() -> None:
    """The same views for resellers under /my and suppliers under /supplier, each behind its role."""
    for side, (role, _model, _kind) in SIDES.items():
        for path, name, view, methods, reauth in VIEWS:
            def endpoint(view=view, side=side):
                return view(side)

            endpoint.__name__ = f"{side}_{name}"
            wrapped = recent_login_required(endpoint) if reauth else endpoint
            bp.add_url_rule(f"/{side}{path}", f"{side}_{name}", role_required(role)(wrapped), methods=methods)


_register()


@bp.post("/supplier/money/delivered")
@role_required(Role.supplier)
def supplier_delivered():
    """The supplier marks one of its shipped parcels delivered (and, cash on delivery, paid)."""
    from shop.fulfillment.services import load_purchase_order

    supplier = own(Supplier)
    po = load_purchase_order(supplier.id, request.form.get("token", ""))
    if po is None or not EmptyForm().validate_on_submit():
        abort(404)
    if cod.mark_delivered(po, now_utc()):
        db.session.commit()
        flash(_("Marked delivered. The return window has started."))
    return redirect(url_for("earnings.supplier_money"))

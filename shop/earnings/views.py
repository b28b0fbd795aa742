"""The reseller's dashboard and numbers: clicks, orders, sales and earnings, and their CSV exports."""
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from shop.accounts.access import own, role_required
from shop.accounts.models import Role
from shop.csvsafe import write_rows
from shop.extensions import db
from shop.htmx import render
from shop.stores.models import Store
from shop.util import now_utc

from . import exports, stats
from .charts import daily_charts
from .services import has_picks, recent_orders, store_earnings, store_stats

bp = Blueprint("earnings", __name__)


@bp.get("/my/")
@role_required(Role.reseller)
def dashboard():
    store = db.session.scalar(select(Store).where(Store.user_id == current_user.id))
    if store is None:  # signed up but has not opened the store yet
        return redirect(url_for("stores.open_store"))
    now = now_utc()
    return render_template(
        "earnings/dashboard.html",
        store=store,
        stats=store_stats(store.id, now),
        balance=store_earnings(store.id, now, current_app.config["EARNINGS_HOLD_DAYS"]),
        recent=recent_orders(store.id),
        has_products=has_picks(store.id),
    )


@bp.get("/my/numbers")
@role_required(Role.reseller)
def numbers():
    store = own(Store)
    days = stats.period_days(request.args.get("days"))
    figures = stats.store_numbers(store.id, now_utc(), days, current_app.config["EARNINGS_HOLD_DAYS"])
    return render("earnings/numbers.html", "numbers", store=store, charts=daily_charts(figures["daily"]), **figures)


@bp.get("/my/export/orders.csv")
@role_required(Role.reseller)
def export_orders():
    return csv_download(exports.order_rows(own(Store).id), "orders.csv")


@bp.get("/my/export/earnings.csv")
@role_required(Role.reseller)
def export_earnings():
    return csv_download(exports.ledger_rows(own(Store).id), "earnings.csv")


def csv_download(rows: list[list], filename: str) -> Response:
    return Response(
        write_rows(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )

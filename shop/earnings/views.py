"""The reseller's dashboard: clicks, orders, sales and earnings."""
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from shop.accounts.access import role_required
from shop.accounts.models import Role
from shop.extensions import db
from shop.stores.models import Store
from shop.util import now_utc

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


"""The reseller's dashboard: clicks, orders, sales and earnings."""
from flask import Blueprint

bp = Blueprint("earnings", __name__)


@bp.get("/my/")
def dashboard():
    return "TODO"

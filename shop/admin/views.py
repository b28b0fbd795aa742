"""Operator pages: suppliers, stores, orders, the platform fee."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    return "TODO"

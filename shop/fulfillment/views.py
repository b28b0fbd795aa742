"""The supplier's purchase orders: to ship, ship, cancel lines."""
from flask import Blueprint

bp = Blueprint("fulfillment", __name__, url_prefix="/supplier")


@bp.get("/orders")
def to_ship():
    return "TODO"

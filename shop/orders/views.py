"""Cart, guest checkout and the customer's private order page."""
from flask import Blueprint

bp = Blueprint("orders", __name__)


@bp.get("/s/<slug>/cart")
def cart(slug):
    return "TODO"


@bp.get("/o/<token>")
def show(token):
    return "TODO"


@bp.post("/s/<slug>/cart/add")
def add_to_cart(slug):
    """Form fields: variant_id, quantity."""
    return "TODO"

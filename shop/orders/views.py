"""Cart, guest checkout and the customer's private order page."""
from flask import Blueprint

bp = Blueprint("orders", __name__)


@bp.get("/s/<slug>/cart")
def cart(slug):
    return "TODO"


@bp.get("/o/<token>")
def show(token):
    return "TODO"

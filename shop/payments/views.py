"""Demo payment page and the Stripe webhook."""
from flask import Blueprint

bp = Blueprint("payments", __name__)


@bp.get("/pay/demo/<token>")
def demo_pay(token):
    return "TODO"

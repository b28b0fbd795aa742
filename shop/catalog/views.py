"""Supplier catalog pages: products, CSV import, stock and prices."""
from flask import Blueprint

from shop.accounts.access import role_required
from shop.accounts.models import Role

bp = Blueprint("catalog", __name__, url_prefix="/supplier")


@bp.get("/products")
@role_required(Role.supplier)
def products():
    return "TODO"

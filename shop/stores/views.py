"""Home, opening a store, the shared catalog, picks, sharing, and the storefront."""
from flask import Blueprint, render_template

bp = Blueprint("stores", __name__)


@bp.get("/")
def home():
    return render_template("base.html")


@bp.get("/open")
def open_store():
    return "TODO"


@bp.get("/catalog")
def catalog():
    return "TODO"


@bp.get("/my/store")
def my_store():
    return "TODO"

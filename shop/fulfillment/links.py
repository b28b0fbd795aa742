"""Signed one-click links that let a supplier enter tracking for one purchase order without signing in."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from shop.extensions import db

from .models import POStatus, PurchaseOrder

SALT = "purchase-order-tracking"
MAX_AGE = 14 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(po: PurchaseOrder) -> str:
    """The signed part of the link in the purchase order mail: this purchase order only, valid for 14 days."""
    return _serializer().dumps(po.token)


def po_for_link(signed: str) -> PurchaseOrder | None:
    """The open purchase order a link names, or None once it expired, was tampered with or needs no tracking."""
    try:
        token = _serializer().loads(signed, max_age=MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return db.session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.token == token, PurchaseOrder.status == POStatus.open)
        .options(joinedload(PurchaseOrder.order), joinedload(PurchaseOrder.supplier),
                 selectinload(PurchaseOrder.lines))
    )

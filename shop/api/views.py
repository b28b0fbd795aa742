"""The supplier JSON API, version 1: catalog, inventory and purchase orders, for the supplier's own systems."""
from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from shop.catalog.importer import import_items
from shop.catalog.tasks import fetch_photos
from shop.extensions import csrf, limiter
from shop.fulfillment.models import POStatus
from shop.fulfillment.tasks import send_lines_cancelled_email, send_po_deliveries, send_shipped_email
from shop.payments.providers import PaymentError

from . import errors, representations, services
from .auth import authenticate, rate_limit_key
from .errors import ApiError
from .idempotency import after_commit, json_body, write_endpoint
from .openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer keys, never cookies: a forged cross-site request carries no key, so CSRF tokens have nothing to guard.
csrf.exempt(bp)
limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "120 per minute"), key_func=rate_limit_key)(bp)
errors.register(bp)
bp.before_request(authenticate)


MAX_PRODUCTS = 500
MAX_INVENTORY = 1000
PAGE_DEFAULT, PAGE_MAX = 50, 200


@bp.after_request
def private(response):
    # Answers belong to one key's supplier: no shared cache may keep them.
    if request.endpoint != "api.openapi":
        response.headers["Cache-Control"] = "no-store"
    return response


def _items(body: dict, name: str, limit: int) -> list:
    items = body.get(name)
    if not isinstance(items, list) or not items or len(items) > limit:
        raise ApiError(422, "validation_failed", _("%(name)s must be a list of 1 to %(limit)s items.",
                                                   name=name, limit=limit), [{"field": name, "code": "invalid"}])
    return items


def _text(body: dict, name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise ApiError(422, "validation_failed", _("%(name)s must be text of 1 to %(limit)s characters.",
                                                   name=name, limit=limit), [{"field": name, "code": "invalid"}])
    return value.strip()


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/supplier")
def supplier():
    key = g.api_key
    return jsonify({"name": g.supplier.name, "status": g.supplier.status.value,
                    "currency": current_app.config["CURRENCY"],
                    "api_key": {"name": key.name, "prefix": key.prefix}})


@bp.post("/products")
@write_endpoint
def upsert_products():
    items = _items(json_body(), "products", MAX_PRODUCTS)
    report = import_items(g.supplier.id, items)
    report["errors"] = [{**error, "code": "invalid_product"} for error in report["errors"]]
    after_commit(lambda supplier_id=g.supplier.id: fetch_photos(supplier_id))
    if report["variants_updated"]:
        after_commit(lambda supplier_id=g.supplier.id: services.warn_resellers_below_floor(supplier_id))
    return report, 200


@bp.post("/inventory")
@write_endpoint
def set_inventory():
    items = _items(json_body(), "items", MAX_INVENTORY)
    updated, problems = services.set_inventory(g.supplier.id, items, current_app.config["CURRENCY"])
    if any(isinstance(item, dict) and "price" in item for item in items) and updated:
        after_commit(lambda supplier_id=g.supplier.id: services.warn_resellers_below_floor(supplier_id))
    return {"updated": updated, "errors": problems}, 200


@bp.get("/purchase-orders")
def purchase_orders():
    args = request.args
    limit = args.get("limit", str(PAGE_DEFAULT))
    if not (limit.isdecimal() and len(limit) <= 3) or not 1 <= int(limit) <= PAGE_MAX:
        raise ApiError(400, "invalid_parameter", _("limit must be a number from 1 to %(max)s.", max=PAGE_MAX),
                       [{"field": "limit", "code": "invalid"}])
    if args.get("status", "open") not in POStatus.__members__:
        raise ApiError(400, "invalid_parameter", _("status must be open, shipped or cancelled."),
                       [{"field": "status", "code": "invalid"}])
    page, more = services.list_purchase_orders(
        g.supplier.id, int(limit), status=POStatus[args["status"]] if "status" in args else None,
        since=representations.parse_timestamp(args["since"], "since") if "since" in args else None,
        after=representations.decode_cursor(args["cursor"]) if "cursor" in args else None,
    )
    return jsonify({"data": [representations.purchase_order(po) for po in page],
                    "next_cursor": representations.encode_cursor(page[-1]) if more else None})


@bp.get("/purchase-orders/<token>")
def purchase_order(token):
    return jsonify(representations.purchase_order(services.load_supplier_po(g.supplier.id, token)))


@bp.post("/purchase-orders/<token>/acknowledge")
@write_endpoint
def acknowledge(token):
    po = services.load_supplier_po(g.supplier.id, token)
    services.acknowledge_purchase_order(po)
    return representations.purchase_order(po), 200


@bp.post("/purchase-orders/<token>/shipments")
@write_endpoint
def add_shipment(token):
    po = services.load_supplier_po(g.supplier.id, token)
    body = json_body()
    carrier, tracking = _text(body, "carrier", 80), _text(body, "tracking_number", 120)
    shipment = services.ship_by_api(po, carrier, tracking, body.get("line_ids"))
    after_commit(lambda shipment_id=shipment.id: send_shipped_email(shipment_id))
    after_commit(lambda po_id=po.id: send_po_deliveries(po_id))
    return {**representations.purchase_order(po), "shipment": representations.shipment(shipment)}, 201


@bp.post("/purchase-orders/<token>/cancellations")
@write_endpoint
def cancel_lines(token):
    po = services.load_supplier_po(g.supplier.id, token)
    body = json_body()
    reason = _text(body, "reason", 80)
    try:
        refund, lines = services.cancel_by_api(po, body.get("line_ids"), reason)
    except PaymentError:
        raise ApiError(502, "refund_failed", _("The refund did not go through, so nothing was cancelled. "
                                               "Please try again.")) from None
    if refund is not None:
        line_ids = [line.id for line in lines]
        after_commit(lambda refund_id=refund.id: send_lines_cancelled_email(refund_id, line_ids))
    after_commit(lambda po_id=po.id: send_po_deliveries(po_id))
    result = representations.purchase_order(po)
    result["refund"] = {"amount_minor": refund.amount_minor, "currency": refund.currency} if refund else None
    return result, 201

"""The OpenAPI 3.1 description of /api/v1, as Python data; tests/api keeps it true to the routes and responses."""
from copy import deepcopy

from .errors import HTTP_CODES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"$ref": f"#/components/responses/{description}"}


TEXT = {"type": "string"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
ID_LIST = {"type": "array", "items": {"type": "integer"}, "minItems": 1}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable: branch on this.",
                         "examples": sorted({*HTTP_CODES.values(), "invalid_api_key", "api_key_revoked",
                                             "idempotency_key_reused", "validation_failed", "lines_not_open",
                                             "nothing_to_ship"})},
                "message": {"type": "string", "description": "For people; may be translated."},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }},
    },
    "Supplier": {
        "type": "object", "required": ["name", "status", "currency", "api_key"],
        "properties": {
            "name": TEXT, "status": {"enum": ["pending", "approved", "suspended"]}, "currency": TEXT,
            "api_key": {"type": "object", "required": ["name", "prefix"],
                        "properties": {"name": TEXT, "prefix": TEXT}},
        },
    },
    "Product": {
        "type": "object", "required": ["handle", "title", "variants"],
        "description": "Same fields and rules as a Shopify product CSV import; an existing handle is updated.",
        "properties": {
            "handle": TEXT, "title": TEXT, "body_html": TEXT, "vendor": TEXT, "product_type": TEXT,
            "tags": {"oneOf": [TEXT, {"type": "array", "items": TEXT}]},
            "status": {"enum": ["active", "draft", "archived"]},
            "options": {"type": "array", "maxItems": 3, "items": TEXT},
            "variants": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["sku", "price"],
                "properties": {
                    "sku": TEXT, "price": {"type": ["string", "number"], "description": "Wholesale, e.g. \"12.50\"."},
                    "compare_at_price": {"type": ["string", "number"]}, "inventory_quantity": {"type": "integer"},
                    "option1": TEXT, "option2": TEXT, "option3": TEXT, "image": TEXT,
                },
            }},
            "images": {"type": "array", "items": {"type": "object", "required": ["src"], "properties": {
                "src": TEXT, "position": {"type": "integer"}, "alt": TEXT}}},
        },
    },
    "ItemError": {
        "type": "object", "required": ["item", "code", "message"],
        "properties": {"item": {"type": "integer", "description": "Index in the list sent."},
                       "sku": {"type": ["string", "null"]}, "code": TEXT, "message": TEXT},
    },
    "ImportReport": {
        "type": "object",
        "required": ["products_created", "products_updated", "variants_created", "variants_updated", "errors"],
        "properties": {
            **{name: {"type": "integer"} for name in
               ("products_created", "products_updated", "variants_created", "variants_updated")},
            "errors": {"type": "array", "items": _ref("ItemError")},
        },
    },
    "InventoryItem": {
        "type": "object", "required": ["sku"],
        "properties": {"sku": TEXT, "stock": {"type": "integer", "minimum": 0},
                       "price": {"type": ["string", "number"], "description": "New wholesale price, e.g. \"12.50\"."}},
    },
    "InventoryResult": {
        "type": "object", "required": ["updated", "errors"],
        "properties": {"updated": {"type": "integer"}, "errors": {"type": "array", "items": _ref("ItemError")}},
    },
    "Line": {
        "type": "object",
        "required": ["id", "sku", "title", "variant_title", "quantity", "unit_wholesale_minor", "status",
                     "shipment_id"],
        "properties": {"id": {"type": "integer"}, "sku": TEXT, "title": TEXT, "variant_title": TEXT,
                       "quantity": {"type": "integer"}, "unit_wholesale_minor": {"type": "integer"},
                       "status": {"enum": ["open", "shipped", "cancelled"]},
                       "shipment_id": {"type": ["integer", "null"], "description": "The shipment that carried it."}},
    },
    "Shipment": {
        "type": "object", "required": ["id", "carrier", "tracking_number", "created_at", "line_ids"],
        "properties": {"id": {"type": "integer"}, "carrier": TEXT, "tracking_number": TEXT,
                       "created_at": {"type": "string", "format": "date-time"},
                       "line_ids": {"type": "array", "items": {"type": "integer"}}},
    },
    "PurchaseOrder": {
        "type": "object",
        "required": ["id", "order_number", "status", "currency", "wholesale_total_minor", "created_at",
                     "acknowledged_at", "shipped_at", "carrier", "tracking_number", "ship_to", "lines",
                     "shipments"],
        "properties": {
            "id": {"type": "string", "description": "Unguessable; use it in URLs."},
            "order_number": {"type": "integer"}, "status": {"enum": ["open", "shipped", "cancelled"]},
            "currency": TEXT, "wholesale_total_minor": {"type": "integer", "description": "Minor units (cents)."},
            "created_at": {"type": "string", "format": "date-time"}, "acknowledged_at": NULLABLE_TIME,
            "shipped_at": NULLABLE_TIME, "carrier": TEXT, "tracking_number": TEXT,
            "ship_to": {"type": "object", "properties": {
                k: TEXT for k in ("name", "phone", "address1", "address2", "city", "region", "postcode", "country")}},
            "lines": {"type": "array", "items": _ref("Line")},
            "shipments": {"type": "array", "items": _ref("Shipment"), "description": "Parcels sent, oldest first."},
            "shipment": {**_ref("Shipment"), "description": "Only in the answer to a new shipment: that one."},
            "refund": {"type": ["object", "null"], "properties": {"amount_minor": {"type": "integer"},
                                                                  "currency": TEXT}},
        },
    },
    "PurchaseOrderPage": {
        "type": "object", "required": ["data", "next_cursor"],
        "properties": {"data": {"type": "array", "items": _ref("PurchaseOrder")},
                       "next_cursor": {"type": ["string", "null"],
                                       "description": "Pass as cursor for the next page; null on the last."}},
    },
}

RESPONSES = {
    name: _json(_ref("Error"), text) for name, text in {
        "BadRequest": "Malformed request or parameter.", "Unauthorized": "No key, an unknown key or a revoked key.",
        "Forbidden": "The supplier is suspended.", "NotFound": "Not found, or not yours.",
        "Unsupported": "The body is not JSON.", "Unprocessable": "Invalid fields, or an Idempotency-Key reused.",
        "TooMany": "Rate limit for this key reached.", "Conflict": "Not possible in the current state.",
        "TooLarge": "Body too large.", "Unavailable": "The database is briefly unreachable; retry.",
    }.items()
}

IDEMPOTENCY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Any unique string up to 255 characters; a retry with the same key and body returns the "
                   "first response (header Idempotent-Replayed: true) and does nothing again.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The purchase order's id."}


def _reads(extra: dict | None = None) -> dict:
    return {"400": _error("BadRequest"), "401": _error("Unauthorized"), "403": _error("Forbidden"),
            "429": _error("TooMany"), "503": _error("Unavailable"), **(extra or {})}


def _writes(body: dict, ok: str, ok_schema: str, status: str = "200", path_token: bool = False) -> dict:
    operation = {
        "parameters": [IDEMPOTENCY] + ([TOKEN] if path_token else []),
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": _reads({status: _json(_ref(ok_schema), ok), "404": _error("NotFound"),
                             "409": _error("Conflict"), "413": _error("TooLarge"), "415": _error("Unsupported"),
                             "422": _error("Unprocessable")}),
    }
    return operation


PATHS = {
    "/api/v1/openapi.json": {"get": {
        "summary": "This description", "security": [], "operationId": "openapi",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {
            "type": "object"}}}}},
    }},
    "/api/v1/supplier": {"get": {
        "summary": "The supplier this key belongs to", "operationId": "supplier",
        "responses": _reads({"200": _json(_ref("Supplier"), "The key's supplier.")}),
    }},
    "/api/v1/products": {"post": {
        "summary": "Create or update products and variants (the CSV importer's rules, errors per item)",
        "operationId": "upsert_products",
        **_writes({"type": "object", "required": ["products"], "properties": {
            "products": {"type": "array", "minItems": 1, "maxItems": 500, "items": _ref("Product")}}},
            "What was created and updated, and the items refused.", "ImportReport"),
    }},
    "/api/v1/inventory": {"post": {
        "summary": "Set stock and/or wholesale price of many SKUs at once", "operationId": "set_inventory",
        **_writes({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "minItems": 1, "maxItems": 1000, "items": _ref("InventoryItem")}}},
            "How many variants changed, and the items refused.", "InventoryResult"),
    }},
    "/api/v1/purchase-orders": {"get": {
        "summary": "Purchase orders, oldest first, by status and since a time (cursor pagination)",
        "operationId": "purchase_orders",
        "parameters": [
            {"name": "status", "in": "query", "schema": {"enum": ["open", "shipped", "cancelled"]}},
            {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"},
             "description": "Only those created at or after this time."},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
        ],
        "responses": _reads({"200": _json(_ref("PurchaseOrderPage"), "A page of purchase orders.")}),
    }},
    "/api/v1/purchase-orders/{token}": {"get": {
        "summary": "One purchase order", "operationId": "purchase_order", "parameters": [TOKEN],
        "responses": _reads({"200": _json(_ref("PurchaseOrder"), "The purchase order."),
                             "404": _error("NotFound")}),
    }},
    "/api/v1/purchase-orders/{token}/acknowledge": {"post": {
        "summary": "Say your system has the order (repeatable)", "operationId": "acknowledge",
        "parameters": [IDEMPOTENCY, TOKEN],
        "responses": _reads({"200": _json(_ref("PurchaseOrder"), "Acknowledged."), "404": _error("NotFound"),
                             "409": _error("Conflict"), "422": _error("Unprocessable")}),
    }},
    "/api/v1/purchase-orders/{token}/shipments": {"post": {
        "summary": "Ship open lines (all, or those named) as one parcel with a carrier and tracking number; "
                   "the customer is emailed about this parcel",
        "description": "Each call is one shipment; the purchase order is shipped once no line is open. The answer "
                       "is the purchase order with the new `shipment`. Naming a line that is shipped, cancelled "
                       "or not on this purchase order is a 422 `lines_not_open`; a call when no line is left open "
                       "(a repeat, or one that lost a race with another call or the portal) is a 409 "
                       "`nothing_to_ship`. Either way nothing is recorded and no one is told.",
        "operationId": "add_shipment",
        **_writes({"type": "object", "required": ["carrier", "tracking_number"], "properties": {
            "carrier": {"type": "string", "minLength": 1, "maxLength": 80},
            "tracking_number": {"type": "string", "minLength": 1, "maxLength": 120},
            "line_ids": {**ID_LIST, "description": "Optional: the open lines in this parcel; every open line "
                                                   "when left out."}}},
            "Shipped: the purchase order and the new shipment.", "PurchaseOrder", "201", path_token=True),
    }},
    "/api/v1/purchase-orders/{token}/cancellations": {"post": {
        "summary": "Cancel open lines with a reason: refunded, ledger reversed, customer told",
        "operationId": "cancel_lines",
        **_writes({"type": "object", "required": ["line_ids", "reason"], "properties": {
            "line_ids": ID_LIST, "reason": {"type": "string", "minLength": 1, "maxLength": 80}}},
            "Cancelled and refunded.", "PurchaseOrder", "201", path_token=True),
    }},
}


def document() -> dict:
    """The whole description; a fresh copy, so a caller may change it."""
    return deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "Sharestall supplier API", "version": "1.0.0",
                 "description": "For suppliers' own systems: catalog, stock and prices, purchase orders. "
                                "Amounts are integers in minor units. Every POST honours Idempotency-Key."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A key from Supplier → API keys (sk_sup_…)."}},
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    })

"""The OpenAPI description stays true: every route in it and only those, and real answers fit its schemas."""
import re

import jsonschema_rs
import pytest

from shop.api.openapi import document


def _validator(doc, ref):
    return jsonschema_rs.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": ref,
                                        "components": doc["components"]})


def _api_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_api_route_is_described_and_nothing_else(app, client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json == document()
    doc = served.json
    assert doc["openapi"].startswith("3.1")
    described = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert described == _api_routes(app)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], f"{method} {path} has no responses"
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), path


def test_the_document_is_valid_json_schema_with_resolvable_refs(app):
    doc = document()
    for name in doc["components"]["schemas"]:
        _validator(doc, f"#/components/schemas/{name}")


@pytest.fixture
def answers(make_supplier, make_product, make_paid_order, api_for):
    """Real answers of every endpoint, with the schema each must fit."""
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 20), (1100, 20)))
    orders = [make_paid_order(items=[(product.variants[0], 1), (product.variants[1], 1)]) for _ in range(3)]
    api = api_for(supplier)
    tokens = [o.lines[0].purchase_order.token for o in orders]
    lines = [[line.id for line in o.lines] for o in orders]
    pos = "/api/v1/purchase-orders"
    return [
        (api.get("/api/v1/supplier"), "Supplier"),
        (api.post("/api/v1/products", {"products": [{"handle": "h", "title": "T", "variants": [
            {"sku": "S", "price": "2"}]}, {"handle": "bad"}]}), "ImportReport"),
        (api.post("/api/v1/inventory", {"items": [{"sku": product.variants[0].sku, "stock": 3}, {"sku": "?"}]}),
         "InventoryResult"),
        (api.get(f"{pos}?limit=1"), "PurchaseOrderPage"),
        (api.get(f"{pos}/{tokens[0]}"), "PurchaseOrder"),
        (api.post(f"{pos}/{tokens[0]}/acknowledge"), "PurchaseOrder"),
        (api.post(f"{pos}/{tokens[0]}/shipments", {"carrier": "DHL", "tracking_number": "1"}), "PurchaseOrder"),
        (api.post(f"{pos}/{tokens[1]}/cancellations", {"line_ids": lines[1][:1], "reason": "Gone"}),
         "PurchaseOrder"),
        (api.get(f"{pos}/{tokens[0]}x"), "Error"),
        (api.post(f"{pos}/{tokens[2]}/shipments", {"carrier": ""}), "Error"),
        (api.client.get("/api/v1/supplier"), "Error"),
        (api.client.get("/api/v1/nowhere"), "Error"),
        (api.client.delete("/api/v1/supplier"), "Error"),
    ]


def test_real_answers_fit_the_documented_schemas(answers):
    doc = document()
    for response, schema in answers:
        assert response.mimetype == "application/json", (response.status_code, response.data[:200])
        errors = [e.message for e in _validator(doc, f"#/components/schemas/{schema}").iter_errors(response.json)]
        assert not errors, (schema, response.status_code, errors)
        if schema != "Error":
            assert 200 <= response.status_code < 300, response.json

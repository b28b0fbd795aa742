"""schemathesis drives every operation of the OpenAPI description with generated requests: no 5xx, no answer
outside the documented statuses, content types and schemas."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)

# The bulk endpoints answer 200 with per-item errors, so "valid data is accepted / invalid data is rejected"
# checks do not apply to them; these are the promises the description makes.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def api_world(app, make_supplier, make_product, make_paid_order, make_key):
    """A supplier with products, paid orders and a key; schemathesis reads the description from the app."""
    supplier = make_supplier()
    product = make_product(supplier=supplier, variants=((1000, 500), (1200, 500)))
    orders = [make_paid_order(items=[(product.variants[0], 1), (product.variants[1], 2)]) for _ in range(3)]
    # The WSGI transport does not undo gzip/brotli as an HTTP client would: ask for the body as it is.
    return {"headers": {"Authorization": f"Bearer {make_key(supplier)}", "Accept-Encoding": "identity"},
            "tokens": [order.lines[0].purchase_order.token for order in orders],
            "schema": schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)}


@pytest.fixture
def api_schema(api_world):
    return api_world["schema"]


@pytest.fixture
def api_headers(api_world):
    return api_world["headers"]


@pytest.fixture
def po_tokens(api_world):
    return api_world["tokens"]


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_description(case, api_headers, po_tokens):
    if case.path_parameters and "token" in case.path_parameters:
        # Random ids only ever find nothing (tests/api/test_orders.py covers that): aim at real purchase orders.
        generated = str(case.path_parameters["token"])
        case.path_parameters["token"] = po_tokens[len(generated) % len(po_tokens)]
    case.call_and_validate(headers=api_headers, checks=CHECKS)

"""Fixtures for the supplier API: a key per supplier and a client that sends it."""
import pytest

from shop.api.services import create_api_key
from shop.extensions import db
from tests.fulfillment.conftest import make_paid_order, two_suppliers  # noqa: F401


class Api:
    """A test client that sends one supplier's Bearer key and JSON bodies."""

    def __init__(self, client, secret):
        self.client, self.secret = client, secret

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.secret}", **(extra or {})}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, url, body=None, key=None, **kwargs):
        headers = self.headers(kwargs.pop("headers", None))
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(url, json=body if body is not None else {}, headers=headers, **kwargs)


@pytest.fixture
def make_key(app):
    def build(supplier, name="ERP"):
        key, secret = create_api_key(supplier, name)
        db.session.commit()
        return secret

    return build


@pytest.fixture
def api_for(app, make_key):
    """api_for(supplier) → a client calling the API with a fresh key of that supplier."""

    def build(supplier):
        return Api(app.test_client(), make_key(supplier))

    return build

"""API keys: made on the supplier's page or the command line, shown once, stored hashed, revocable."""
import hashlib

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import shop.api.auth
from shop.accounts.models import Role
from shop.api.models import ApiKey
from shop.catalog.models import SupplierStatus
from shop.extensions import db


def _secret_in(text):
    start = text.index(">sk_sup_") + 1
    return text[start:text.index("<", start)]


def test_a_supplier_makes_a_key_sees_it_once_and_only_its_hash_is_kept(make_supplier, login, client):
    supplier = make_supplier()
    browser = login(supplier.user)
    assert browser.get("/supplier/api-keys").status_code == 200
    made = browser.post("/supplier/api-keys", data={"name": "Warehouse ERP"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = _secret_in(made.text)
    key = db.session.scalar(select(ApiKey).where(ApiKey.supplier_id == supplier.id))
    assert key.name == "Warehouse ERP" and key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret[:15] and secret not in repr([key.prefix, key.key_hash, key.token])
    listing = browser.get("/supplier/api-keys").text
    assert secret not in listing and key.prefix in listing and "never used" in listing

    me = client.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["name"] == supplier.name and "Set-Cookie" not in me.headers
    assert me.headers["Cache-Control"] == "no-store"
    assert me.json["api_key"] == {"name": "Warehouse ERP", "prefix": key.prefix}
    db.session.refresh(key)
    assert key.last_used_at is not None
    assert "last used" in browser.get("/supplier/api-keys").text


def test_htmx_make_and_revoke_swap_the_keys_block(make_supplier, login, client, make_key):
    supplier = make_supplier()
    browser = login(supplier.user)
    made = browser.post("/supplier/api-keys", data={"name": "Shop sync"}, headers={"HX-Request": "true"})
    assert made.status_code == 200 and "<html" not in made.text and 'id="api-keys"' in made.text
    secret = _secret_in(made.text)
    key = db.session.scalar(select(ApiKey).where(ApiKey.supplier_id == supplier.id))
    revoked = browser.post(f"/supplier/api-keys/{key.token}/revoke", headers={"HX-Request": "true"})
    assert revoked.status_code == 200 and "Revoked" in revoked.text and "<html" not in revoked.text
    answer = client.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401 and answer.json["error"]["code"] == "api_key_revoked"


def test_plain_form_revoke_redirects_and_a_blank_name_is_refused(make_supplier, login):
    supplier = make_supplier()
    browser = login(supplier.user)
    refused = browser.post("/supplier/api-keys", data={"name": "  "})
    assert refused.status_code == 200 and "This field is required" in refused.text
    assert db.session.scalar(select(ApiKey)) is None
    browser.post("/supplier/api-keys", data={"name": "One"})
    key = db.session.scalar(select(ApiKey))
    done = browser.post(f"/supplier/api-keys/{key.token}/revoke")
    assert done.status_code == 302 and done.headers["Location"].endswith("/supplier/api-keys")
    db.session.refresh(key)
    assert key.revoked_at is not None


def test_another_suppliers_key_cannot_be_revoked_or_seen(make_supplier, login, make_key, make_user):
    mine, theirs = make_supplier(), make_supplier()
    make_key(theirs, name="Their secret system")
    key = db.session.scalar(select(ApiKey).where(ApiKey.supplier_id == theirs.id))
    browser = login(mine.user)
    assert browser.post(f"/supplier/api-keys/{key.token}/revoke").status_code == 404
    assert "Their secret system" not in browser.get("/supplier/api-keys").text
    assert login(make_user(Role.reseller)).get("/supplier/api-keys").status_code == 404
    db.session.refresh(key)
    assert key.revoked_at is None


def test_calls_without_a_good_key_get_401_with_stable_codes(client, make_supplier, make_key, login):
    supplier = make_supplier()
    for headers, code in (({}, "unauthenticated"), ({"Authorization": "Basic abc"}, "unauthenticated"),
                          ({"Authorization": "Bearer sk_sup_nope"}, "invalid_api_key")):
        answer = client.get("/api/v1/purchase-orders", headers=headers)
        assert answer.status_code == 401 and answer.json["error"]["code"] == code
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    # A signed-in browser session is not a key: the cookie alone never reaches the API.
    browser = login(supplier.user)
    assert browser.get("/api/v1/supplier").status_code == 401
    assert browser.post("/api/v1/inventory", json={"items": [{"sku": "A", "stock": 1}]}).status_code == 401


def test_a_suspended_supplier_key_is_refused(client, make_supplier, make_key):
    supplier = make_supplier()
    secret = make_key(supplier)
    supplier.status = SupplierStatus.suspended
    db.session.commit()
    answer = client.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "supplier_suspended"


def test_operator_makes_a_key_on_the_command_line(app, make_supplier, client):
    supplier = make_supplier(email="Harbour@Example.com")
    result = app.test_cli_runner().invoke(args=["api-keys", "create", "harbour@example.com", "--name", "Ops"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("sk_sup_")
    answer = client.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.json["name"] == supplier.name
    missing = app.test_cli_runner().invoke(args=["api-keys", "create", "nobody@example.com"])
    assert missing.exit_code != 0 and "No supplier" in missing.output


def test_a_database_outage_is_a_json_503(app, make_supplier, make_key, client, monkeypatch):
    secret = make_key(make_supplier())

    def unreachable(_secret):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(shop.api.auth, "key_for_secret", unreachable)
    answer = client.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 503 and answer.json["error"]["code"] == "service_unavailable"
    assert answer.headers["Retry-After"] == "30"


def test_the_api_needs_no_csrf_token_but_the_keys_page_does(app, make_supplier, make_product, make_key, login):
    app.config["WTF_CSRF_ENABLED"] = True
    supplier = make_supplier()
    sku = make_product(supplier=supplier).variants[0].sku
    answer = app.test_client().post("/api/v1/inventory", json={"items": [{"sku": sku, "stock": 3}]},
                                    headers={"Authorization": f"Bearer {make_key(supplier)}"})
    assert answer.status_code == 200 and answer.json["updated"] == 1
    refused = login(supplier.user).post("/supplier/api-keys", data={"name": "No token"})
    assert refused.status_code == 400
    assert db.session.scalar(select(ApiKey).where(ApiKey.name == "No token")) is None

"""The supplier's API keys page in a real phone browser: make a key (shown once), use it, revoke it."""
import pytest

from shop.accounts.models import Role

expect = pytest.importorskip("playwright.sync_api").expect


def test_a_supplier_makes_uses_and_revokes_a_key(app, page, make_supplier, sign_in, shot, no_horizontal_scroll):
    supplier = make_supplier(name="Harbour Home", email="harbour@example.com")
    assert supplier.user.role is Role.supplier
    sign_in(page, "harbour@example.com", "correct horse 9")
    page.goto("/supplier/products")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()

    page.get_by_label("Key name").fill("Warehouse ERP")
    page.get_by_role("button", name="Make a key").click()
    secret_box = page.get_by_label("Key", exact=True)
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("sk_sup_")
    no_horizontal_scroll()
    shot("supplier-api-keys")

    api = app.test_client()
    assert api.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page.get_by_role("button", name="Revoke Warehouse ERP").click()
    expect(page.get_by_text("Revoked")).to_be_visible()
    expect(page.get_by_label("Key", exact=True)).to_have_count(0)
    answer = api.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401 and answer.json["error"]["code"] == "api_key_revoked"

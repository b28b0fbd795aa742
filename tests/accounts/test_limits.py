"""Rate limits: failed sign-ins per account and per address, sign-up, checkout, sharing, imports, webhooks."""
import pytest

from shop.accounts.models import Role

from .conftest import PASSWORD


@pytest.fixture
def limited(app, make_app):
    """An app with rate limits on (fresh counters); its test clients come from limited.test_client()."""
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        yield app


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_failed_sign_ins_are_limited_per_account_from_any_address(limited, make_user):
    user = make_user(Role.reseller)
    client = limited.test_client()
    for i in range(5):
        response = client.post("/login", data={"email": user.email, "password": "wrong"}, **_from(f"10.0.0.{i}"))
        assert response.status_code == 200
    blocked = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD}, **_from("10.0.1.1"))
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    assert int(blocked.headers["Retry-After"]) > 0
    other = make_user(Role.reseller)
    assert client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302


def test_failed_sign_ins_are_limited_per_address(limited, make_user):
    client = limited.test_client()
    for i in range(20):
        assert client.post("/login", data={"email": f"guess{i}@example.com", "password": "x"}).status_code == 200
    user = make_user(Role.reseller)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}, **_from("10.9.9.9")).status_code == 302


def test_successful_sign_ins_do_not_count(limited, make_user):
    user = make_user(Role.reseller)
    for _ in range(8):
        client = limited.test_client()
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_second_factor_guesses_are_limited(limited, with_app):
    user, totp = with_app(Role.admin)
    client = limited.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    wrong = "000000" if totp.now() != "000000" else "111111"
    assert [client.post("/login/code", data={"code": wrong}).status_code for _ in range(5)] == [200] * 5
    assert client.post("/login/code", data={"code": totp.now()}).status_code == 429


@pytest.mark.parametrize("url", ["/open", "/suppliers/join"])
def test_sign_ups_are_limited_per_address(limited, url):
    client = limited.test_client()
    codes = [client.post(url, data={"name": "x", "email": "bad"}).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


def test_checkouts_are_limited_per_address(limited, make_store):
    store = make_store()
    client = limited.test_client()
    codes = [client.post(f"/s/{store.slug}/checkout").status_code for _ in range(21)]
    assert 429 not in codes[:20] and codes[20] == 429


def test_share_links_are_limited_per_reseller(limited, make_store, login):
    store = make_store()
    client = limited.test_client(user=store.user)
    limited.config["RATELIMIT_SHARE_LINKS"] = "6 per minute"  # 60 in production, quicker to reach here
    codes = [client.get("/my/share").status_code for _ in range(7)]
    assert codes == [200] * 6 + [429]


def test_catalog_imports_are_limited_per_supplier(limited, make_supplier):
    supplier = make_supplier()
    client = limited.test_client(user=supplier.user)
    codes = [client.post("/supplier/import").status_code for _ in range(21)]
    assert 429 not in codes[:20] and codes[20] == 429


def test_the_stripe_webhook_limit_is_generous(limited):
    from shop.accounts.limits import STRIPE_WEBHOOK

    assert STRIPE_WEBHOOK() == "600 per minute"
    limited.config["RATELIMIT_STRIPE_WEBHOOK"] = "30 per minute"  # the same rule, quicker to reach
    client = limited.test_client()
    codes = [client.post("/payments/stripe/webhook").status_code for _ in range(31)]
    assert set(codes[:30]) == {404} and codes[30] == 429  # no webhook secret configured: 404 until the flood

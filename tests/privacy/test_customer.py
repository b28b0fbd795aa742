"""A guest customer gets their data through a signed, expiring link mailed to the order's address."""
import json

import pytest

from shop.privacy import links

from .conftest import make_paid_order  # noqa: F401


def test_order_page_offers_the_data_link_to_the_orders_email(client, make_paid_order):  # noqa: F811
    order = make_paid_order(email="ada@example.com")
    page = client.get(f"/o/{order.token}").text
    assert 'action="/privacy"' in page and 'name="email" value="ada@example.com"' in page


def test_the_link_is_mailed_and_opens_the_export(client, make_paid_order, outbox, link_from):  # noqa: F811
    first = make_paid_order(email="Ada@Example.com", customer_name="Ada Lovelace", phone="+44 1")
    second = make_paid_order(email="ada@example.com", address1="1 Other Street")
    make_paid_order(email="someone-else@example.com", customer_name="Other Person")
    response = client.post("/privacy", data={"email": "ada@example.com"})
    assert response.status_code == 302
    [mail] = outbox()
    assert mail["To"] == "ada@example.com"
    url = link_from(mail)

    page = client.get(url)
    assert page.status_code == 200 and "ada@example.com" in page.text
    assert "no-store" in page.headers["Cache-Control"] and page.headers["Referrer-Policy"] == "no-referrer"
    key = url.split("key=")[1]
    data = json.loads(client.get(f"/privacy/data.json?key={key}").data)
    assert [o["order"] for o in data["orders"]] == [first.id, second.id]
    assert {a["address1"] for a in data["addresses"]} == {"12 Analytical Row", "1 Other Street"}
    assert data["items"] and data["orders"][0]["phone"] == "+44 1"
    assert "Other Person" not in json.dumps(data)
    csv = client.get(f"/privacy/data.csv?key={key}")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    text = csv.data.decode("utf-8-sig")
    assert "Ada Lovelace" in text and "1 Other Street" in text and "Other Person" not in text


def test_same_answer_whether_or_not_the_email_has_orders(client, make_paid_order, outbox):  # noqa: F811
    make_paid_order(email="known@example.com")
    known = client.post("/privacy", data={"email": "known@example.com"}, follow_redirects=True)
    unknown = client.post("/privacy", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("known@", "X@") == unknown.text.replace("nobody@", "X@")
    assert [m["To"] for m in outbox()] == ["known@example.com"]  # no mail to an address without orders


@pytest.mark.parametrize("key", ["", "not-a-key", "eyJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSJ9.forged.sig"])
def test_a_bad_key_opens_nothing(client, make_paid_order, key):  # noqa: F811
    make_paid_order(email="ada@example.com")
    for path in ("/privacy/data", "/privacy/data.json", "/privacy/data.csv"):
        response = client.get(f"{path}?key={key}")
        assert response.status_code == 302 and response.headers["Location"].endswith("/privacy")
    assert client.post("/privacy/erase", data={"key": key, "confirm": "y"}).status_code == 404


def test_the_link_expires(app, client, make_paid_order, monkeypatch):  # noqa: F811
    make_paid_order(email="ada@example.com")
    now = 1_800_000_000
    monkeypatch.setattr(links, "clock", lambda: now)
    key = links.make_key("ada@example.com")
    monkeypatch.setattr(links, "clock", lambda: now + 23 * 3600)
    assert client.get(f"/privacy/data.json?key={key}").status_code == 200
    monkeypatch.setattr(links, "clock", lambda: now + 25 * 3600)
    assert client.get(f"/privacy/data.json?key={key}").status_code == 302


def test_a_key_from_another_secret_is_refused(app, make_app, client, make_paid_order):  # noqa: F811
    make_paid_order(email="ada@example.com")
    other = make_app(SECRET_KEY="another secret")
    with other.test_request_context():
        key = links.make_key("ada@example.com")
    assert client.get(f"/privacy/data.json?key={key}").status_code == 302


def test_link_requests_are_rate_limited(make_app, make_paid_order):  # noqa: F811
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.post("/privacy", data={"email": "ada@example.com"}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]  # three per address and hour
    codes = [client.post("/privacy", data={"email": f"p{i}@example.com"}).status_code for i in range(8)]
    assert codes[:6] == [302] * 6 and codes[-1] == 429  # ten per visitor and hour in all

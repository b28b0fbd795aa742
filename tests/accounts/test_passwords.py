"""New passwords: 8 to 128 characters, and none of the 10,000 most common."""
import gzip

import pytest

from shop.accounts.common_passwords import LIST, is_common


def test_the_shipped_list_has_ten_thousand_passwords_and_its_licence():
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        words = [line.strip() for line in lines]
    assert len(words) == len(set(words)) == 10_000
    assert (LIST.parent / "LICENSE").exists() and "Django" in (LIST.parent / "README.md").read_text()


@pytest.mark.parametrize("password, common", [
    ("password", True), ("PASSWORD1", True), (" 12345678 ", True), ("iloveyou", True),
    ("correct horse 9", False), ("demo-pass-123", False),
])
def test_common_passwords_are_recognised_whatever_the_case(password, common):
    assert is_common(password) is common


@pytest.mark.parametrize("url, extra", [
    ("/suppliers/join", {"name": "Harbour Goods"}),
    ("/open", {"name": "Mei's Picks"}),
])
def test_sign_up_refuses_a_common_password_and_keeps_what_was_typed(client, url, extra):
    response = client.post(url, data={**extra, "email": "mei@example.com", "password": "qwertyuiop"})
    assert response.status_code == 200
    assert "one of the most common ones" in response.text
    assert 'value="mei@example.com"' in response.text and extra["name"].replace("'", "&#39;") in response.text


@pytest.mark.parametrize("password, ok", [("x" * 7, False), ("seven8!x", True), ("y" * 128, True), ("z" * 129, False)])
def test_supplier_passwords_are_between_8_and_128_characters(client, password, ok):
    response = client.post("/suppliers/join", data={"name": "Co", "email": "co@example.com", "password": password})
    assert (response.status_code == 302) is ok

"""Two-factor sign-in in Chromium at 360 px: a new supplier sets up the app, keeps the codes, signs in again."""
import re

import pyotp
import pytest

from shop.accounts.models import Role

expect = pytest.importorskip("playwright.sync_api").expect
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1}
PASSWORD = "correct horse 9"  # the builders' default
SMALL_TARGETS_JS = """() => [...document.querySelectorAll('.button, button, input')]
  .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 44; })
  .map(el => (el.textContent || el.name).trim().slice(0, 40))"""


def _fits(tab, shot, name):
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360, f"{tab.url} scrolls sideways"
    assert tab.evaluate(SMALL_TARGETS_JS) == [], f"{tab.url} has small tap targets"
    shot(f"360/two-factor-{name}", tab)


def test_a_supplier_sets_up_the_app_then_signs_in_with_a_code(new_tab, shot, sign_in, make_supplier, make_user):
    supplier = make_supplier()
    tab = new_tab(**SMALL_PHONE)
    tab.goto("/login")
    tab.get_by_label("Email").fill(supplier.user.email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(tab.locator(".totp-qr svg")).to_be_visible()
    _fits(tab, shot, "set-up")
    secret = tab.locator("#totp-secret").inner_text()
    tab.get_by_label("Code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    tab.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(tab.get_by_text("That code is wrong.")).to_be_visible()
    tab.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    tab.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = tab.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    _fits(tab, shot, "recovery-codes")
    first_code = codes.first.inner_text()
    tab.get_by_role("link", name="I have saved my codes, continue").click()
    expect(tab.get_by_role("navigation", name="Main").get_by_role("link", name="Products")).to_be_visible()

    tab.goto("/account")
    _fits(tab, shot, "account")
    tab.get_by_role("button", name="Sign out everywhere").click()
    expect(tab.get_by_role("heading", name="Log in")).to_be_visible()

    # Back in with the password and a recovery code; the sign_in helper answers with the app's code.
    tab.get_by_label("Email").fill(supplier.user.email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Two-factor sign-in", exact=True)).to_be_visible()
    _fits(tab, shot, "code")
    tab.get_by_label("Code").fill(first_code)
    tab.get_by_role("button", name="Continue").click()
    expect(tab.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")).to_be_visible()
    assert re.search(r"9 recovery codes left", tab.goto("/account").text())

    admin = make_user(Role.admin)
    other = new_tab(**SMALL_PHONE)
    sign_in(other, admin.email, PASSWORD)  # set up on the way in
    nav = other.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Log out").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    sign_in(other, admin.email, PASSWORD)  # the code step, with the next code as this one is spent

"""Smoke test in a real browser: the home page at phone size, the language switcher, signing in."""
import pytest

from shop.accounts.models import Role

expect = pytest.importorskip("playwright.sync_api").expect


def test_home_page_fits_a_phone_and_switches_language(page, shot, no_horizontal_scroll):
    response = page.goto("/")
    assert response.ok
    expect(page.locator("html")).to_have_attribute("lang", "en")
    no_horizontal_scroll()
    shot("home-phone")

    page.get_by_role("link", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("link", name="简体中文")).to_have_attribute("aria-current", "true")
    no_horizontal_scroll()
    shot("home-phone-zh")

    page.goto("/login")  # the choice is remembered in a cookie
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")


def test_signing_in_and_out_through_the_real_forms(page, make_user, no_horizontal_scroll):
    """The login form posts its CSRF token and a wrong password is told apart from a right one."""
    make_user(Role.reseller, email="mei@example.com", password="a long password 1")
    page.goto("/login")
    no_horizontal_scroll()
    page.get_by_label("Email").fill("mei@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")

    page.get_by_label("Password").fill("a long password 1")
    with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url) as signed_in:
        page.get_by_role("button", name="Log in").click()
    assert signed_in.value.status == 302
    page.goto("/")  # the reseller's own pages belong to other tests; the header shows the session
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Log out").click()
    expect(main_nav.get_by_role("link", name="Log in")).to_be_visible()

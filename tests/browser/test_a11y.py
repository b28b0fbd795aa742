"""WCAG 2.2 AA with axe-core on every key page of every role, after each htmx swap, in English and Chinese."""
import pytest

from .key_pages import TOURS, phone_world, start_tab  # noqa: F401  (phone_world is a fixture)

expect = pytest.importorskip("playwright.sync_api").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1}
LANG_ATTRIBUTE = {"en": "en", "zh": "zh-Hans"}
# Visible buttons and button-like links smaller than a fingertip (WCAG 2.5.8 asks 24 px; we keep 44 px).
SMALL_TARGETS_JS = """() => [...document.querySelectorAll('main .button, main button, main input[type=submit]')]
  .filter(el => { const r = el.getBoundingClientRect();
                  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; })
  .filter(el => el.getBoundingClientRect().height < 44 || el.getBoundingClientRect().width < 44)
  .map(el => el.textContent.trim().slice(0, 30))"""
# A keyboard user must see where the focus is: each element reached with Tab has an outline or a box shadow.
FOCUS_SHOWN_JS = """() => { const el = document.activeElement; if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none')
         ? '' : `<${el.tagName.toLowerCase()} class="${el.className}">`; }"""

_axe = Axe()


class Audit:
    """Runs axe on a tab at each stop of a tour and collects every problem, to report them all at once."""

    def __init__(self, tab, role: str, lang: str):
        self.tab, self.role, self.lang, self.problems, self.pages = tab, role, lang, [], 0

    def __call__(self, name: str):
        tab, where = self.tab, f"{self.role}/{self.lang}/{name} ({self.tab.url})"
        self.pages += 1
        lang = tab.evaluate("document.documentElement.lang")
        if lang != LANG_ATTRIBUTE[self.lang]:
            self.problems.append(f"{where}: <html lang={lang!r}>")
        results = _axe.run(tab, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
        for violation in results.response["violations"]:
            targets = [" ".join(node["target"]) for node in violation["nodes"]][:4]
            self.problems.append(f"{where}: {violation['id']} ({violation['impact']}) {targets}")
        if small := tab.evaluate(SMALL_TARGETS_JS):
            self.problems.append(f"{where}: tap targets under 44x44: {small}")
        for _ in range(3):  # the skip link, the brand, the first link of the menu
            tab.keyboard.press("Tab")
            if hidden := tab.evaluate(FOCUS_SHOWN_JS):
                self.problems.append(f"{where}: focus is not visible on {hidden}")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("role", list(TOURS))
def test_every_page_passes_axe_wcag22_aa(new_tab, sign_in, live_server, phone_world, tmp_path, role, lang):  # noqa: F811
    tab = start_tab(new_tab, sign_in, live_server, phone_world, role, lang, **SMALL_PHONE)
    audit = Audit(tab, role, lang)
    TOURS[role](tab, phone_world, audit, tmp_path)
    assert audit.pages >= 8
    assert audit.problems == [], "\n".join(audit.problems)


def test_focus_moves_to_swapped_content_and_status_is_announced(new_tab, sign_in, live_server, phone_world):  # noqa: F811
    """After an htmx swap the focus lands in the new content, so a screen reader hears what changed."""
    tab = start_tab(new_tab, sign_in, live_server, phone_world, "customer", "en", **SMALL_PHONE)
    tab.goto(f"/s/{phone_world.store.slug}/p/{phone_world.tee.slug}")
    tab.get_by_role("button", name="Add to cart").click()
    with tab.expect_response(lambda r: "/cart/lines/" in r.url):
        tab.get_by_role("button", name="One more Organic cotton T-shirt").click()
    expect(tab.locator(".qty-n")).to_have_text("2")
    expect(tab.locator("#cart")).to_have_attribute("aria-live", "polite")
    tab.wait_for_function("() => document.getElementById('cart').contains(document.activeElement)")

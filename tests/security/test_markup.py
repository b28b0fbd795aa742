"""Nothing a user wrote is marked safe: every |safe, Markup( and autoescape switch is on a reviewed list."""
import re
from pathlib import Path

from markupsafe import Markup

from shop.security import clean_html

ROOT = Path(__file__).resolve().parents[2]
PATTERN = re.compile(r"\|\s*safe\b|Markup\(|autoescape\s+false|\.unescape\(")

# (file, the line's text stripped) -> why it is safe.
REVIEWED = {
    ("templates/stores/share.html", "{{ svg|safe }}"):
        "QR code SVG from shop.stores.qr.qr_svg: path data drawn from the URL's bits, no text, no attributes of ours",
    ("templates/stores/share_qr.html", "{{ svg|safe }}"): "the same QR code SVG",
    ("templates/referrals/invite.html", "{{ svg|safe }}"): "the same QR code SVG",
    ("templates/accounts/two_factor_setup.html", '<div class="qr totp-qr">{{ qr|safe }}</div>'):
        "a QR code SVG of the otpauth:// URL (shop.accounts.totp.qr_svg): path data only, like the share QR",
    ("shop/earnings/charts.py", 'return Markup("".join(parts))'):
        "a chart of numbers and dates; every text in it goes through escape() first",
    ("shop/security.py", 'return Markup(sanitize_html(html or ""))'):
        "supplier HTML after nh3 with the importer's tight allow-list (clean_html filter)",
    ("shop/stores/fragments.py", "return Markup().join(html)"):
        "catalog tiles: pieces of autoescaped macro output and escape()d values; Markup.join escapes anything else",
}


def found() -> dict[tuple[str, str], int]:
    hits: dict[tuple[str, str], int] = {}
    files = [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("templates").rglob("*.txt"),
             *(p for p in ROOT.joinpath("shop").rglob("*.py") if "translations" not in p.parts)]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if path.suffix == ".py":
                line = line.split("  #")[0]  # a trailing comment (a bandit nosec) is not the code reviewed
            if PATTERN.search(line) and not line.lstrip().startswith(("#", "from ", "import ")):
                key = (str(path.relative_to(ROOT)), line.strip())
                hits[key] = hits.get(key, 0) + 1
    return hits


def test_every_safe_marking_is_reviewed():
    unreviewed = sorted(set(found()) - set(REVIEWED))
    assert not unreviewed, "review these (and add them, with why, to REVIEWED):\n" + "\n".join(map(str, unreviewed))


def test_the_reviewed_list_has_no_stale_entries():
    assert not set(REVIEWED) - set(found())


def test_supplier_html_is_cleaned_again_when_shown():
    """A row stored before the importer sanitised (or under looser rules) is made safe on the way out."""
    dirty = ('<p style="color:red" hx-get="/x" onclick="alert(1)">Hi <a href="javascript:alert(1)">x</a>'
             '<a href="https://example.com">ok</a><script>alert(2)</script><img src=x onerror=alert(3)>'
             '<iframe src="https://evil.example"></iframe><form action="/x"><button>b</button></form></p>')
    clean = clean_html(dirty)
    assert isinstance(clean, Markup)
    for bad in ("style=", "hx-get", "onclick", "javascript:", "<script", "<img", "onerror", "<iframe", "<form"):
        assert bad not in clean, bad
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in clean
    assert clean_html(None) == ""


def test_the_svg_we_mark_safe_has_no_text_styles_or_scripts():
    from datetime import date

    from shop.accounts.totp import qr_svg as totp_qr
    from shop.earnings.charts import bar_chart
    from shop.stores.qr import qr_svg

    hostile = 'https://x.example/"><script>alert(1)</script><p style="x">'
    for svg in (qr_svg(hostile), totp_qr("otpauth://totp/" + hostile)):
        assert "<script" not in svg and "style=" not in svg and "alert" not in svg
    chart = bar_chart('c"><x', "<script>alert(1)</script>", [(date(2026, 1, 1), 5)], label=lambda v: "<b>" + str(v))
    assert "<script" not in chart and "<b>" not in chart and "style=" not in chart

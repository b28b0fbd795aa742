"""Screenshots of every key page at 360x740 and 390x844, English and Chinese, plus one contact sheet of them all.

`make screenshots` runs just this file; the pictures land in test-artifacts/screenshots/phones/ (git-ignored).
"""
import pytest
from PIL import Image, ImageDraw

from .conftest import SCREENSHOTS
from .key_pages import TOURS, phone_world, start_tab  # noqa: F401  (phone_world is a fixture)

expect = pytest.importorskip("playwright.sync_api").expect

OUT = SCREENSHOTS / "phones"
SIZES = ((360, 740), (390, 844))
THUMB_WIDTH, THUMB_HEIGHT, LABEL = 180, 370, 28  # the top of each page, at half the 360 px phone's scale
COLUMNS = 8


def contact_sheet(pictures: list, path) -> Image.Image:
    """One image of many screenshots: the top of each page shrunk to a tile, named under it."""
    rows = (len(pictures) + COLUMNS - 1) // COLUMNS
    sheet = Image.new("RGB", (COLUMNS * (THUMB_WIDTH + 8) + 8, rows * (THUMB_HEIGHT + LABEL + 8) + 8), "#e5e7eb")
    draw = ImageDraw.Draw(sheet)
    for n, picture in enumerate(pictures):
        x = 8 + (n % COLUMNS) * (THUMB_WIDTH + 8)
        y = 8 + (n // COLUMNS) * (THUMB_HEIGHT + LABEL + 8)
        with Image.open(picture) as shot:
            scale = THUMB_WIDTH / shot.width
            top = shot.crop((0, 0, shot.width, min(shot.height, round(THUMB_HEIGHT / scale))))
            sheet.paste(top.convert("RGB").resize((THUMB_WIDTH, round(top.height * scale))), (x, y))
        draw.text((x, y + THUMB_HEIGHT + 4), picture.stem[:30], fill="#111827")
    sheet.save(path, optimize=True)
    return sheet


@pytest.fixture(scope="module", autouse=True)
def sheet_at_the_end():
    """After the last screenshot of the run, put them all on one contact sheet."""
    yield
    pictures = sorted(OUT.glob("*-360.png"))
    if pictures:
        contact_sheet(pictures, SCREENSHOTS / "contact-sheet.png")
        print(f"\ncontact sheet of {len(pictures)} pages: {SCREENSHOTS / 'contact-sheet.png'}")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("role", list(TOURS))
def test_screenshots_of_every_key_page(new_tab, sign_in, live_server, phone_world, tmp_path, role, lang):  # noqa: F811
    OUT.mkdir(parents=True, exist_ok=True)
    (width, height), wide = SIZES
    tab = start_tab(new_tab, sign_in, live_server, phone_world, role, lang,
                    viewport={"width": width, "height": height}, device_scale_factor=1)
    taken = []

    def at(name: str):
        for size in SIZES:
            tab.set_viewport_size({"width": size[0], "height": size[1]})
            path = OUT / f"{lang}-{role}-{name}-{size[0]}.png"
            tab.screenshot(path=str(path), full_page=True)
            taken.append(path)
        tab.set_viewport_size({"width": width, "height": height})

    TOURS[role](tab, phone_world, at, tmp_path)
    assert len(taken) >= 16 and all(path.stat().st_size > 2000 for path in taken)
    with Image.open(taken[0]) as first:
        assert first.width == width


def test_contact_sheet_lays_screenshots_out_in_a_grid(tmp_path):
    pictures = []
    for n, colour in enumerate(("#0f766e", "#b91c1c", "#1d4ed8")):
        pictures.append(tmp_path / f"page-{n}-360.png")
        Image.new("RGB", (360, 1200), colour).save(pictures[-1])
    sheet = contact_sheet(pictures, tmp_path / "sheet.png")
    assert sheet.size == (COLUMNS * (THUMB_WIDTH + 8) + 8, THUMB_HEIGHT + LABEL + 16)
    assert sheet.getpixel((8 + 10, 20)) == (15, 118, 110)
    assert sheet.getpixel((8 + THUMB_WIDTH + 8 + 10, 20)) == (185, 28, 28)

"""Draw the app icons (the favicon's shopping bag) with Pillow: python static/icons/make_icons.py."""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
TEAL, WHITE = "#0f766e", "#ffffff"


def bag(size: int, maskable: bool) -> Image.Image:
    """The bag on teal; a maskable icon fills the square and keeps the bag inside the 80 % safe circle."""
    scale = 4  # drawn large, then shrunk: smooth edges without an anti-aliasing library
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=TEAL)
        unit, offset = big * 0.6 / 32, big * 0.2  # the 32-unit favicon drawing in the middle 60 %
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / 32, fill=TEAL)
        unit, offset = big / 32, 0

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * unit, offset + y * unit

    draw.polygon([at(8, 12), at(24, 12), at(22.5, 25), at(9.5, 25)], fill=WHITE)
    draw.arc((*at(12, 8), *at(20, 16)), start=180, end=360, fill=WHITE, width=round(2.2 * unit))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in (192, 512):
        bag(size, maskable=False).save(HERE / f"icon-{size}.png", optimize=True)
    bag(512, maskable=True).save(HERE / "maskable-512.png", optimize=True)
    bag(180, maskable=True).convert("RGB").save(HERE / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()

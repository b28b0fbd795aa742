"""Share cards: each channel's link, and posters (1080×1350 PNG) drawn with Pillow and cached on disk by content."""
import hashlib
import json
import os
import re
import tempfile
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from flask import current_app, send_file
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from shop import money
from shop.i18n import locale_code
from shop.images import sized

from . import services
from .models import Channel, Pick, Store
from .qr import qr_image

WIDTH, HEIGHT = 1080, 1350
PICTURE_HEIGHT = 780
MARGIN = 60
QR_SIZE = 300
BAR_HEIGHT = 120
INK, MUTED = "#1f2937", "#4b5563"
DESIGN = 1  # part of every poster's hash: bump it when the drawing changes so cached posters are redrawn
FONT_PATH = Path(__file__).resolve().parents[2] / "static" / "fonts" / "NotoSansSC-Subset.otf"
MEDIA_NAME_RE = re.compile(r"[\w.-]+")
# A word of Latin letters, digits and signs is never broken; a CJK character may end a line anywhere.
TOKEN_RE = re.compile(r"\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|.")
YEAR = 365 * 86400


def share_url(store: Store, pick: Pick | None, channel: Channel) -> str:
    """The reseller's short link for one channel, so each channel's clicks and sales are counted apart."""
    from shop.referrals import services as referrals  # referrals builds on stores: imported when first used

    return referrals.short_url(referrals.share_link(store, pick.product if pick else None, channel))


def deep_links(urls: dict[Channel, str], text: str) -> dict[str, str]:
    """Links that open a chat app with the message ready to send, each carrying its own channel's URL."""
    chats = (Channel.whatsapp, Channel.telegram, Channel.sms)
    links = {c.value: services.share_links(urls[c], text)[c.value] for c in chats}
    links["line"] = "https://line.me/R/msg/text/?" + quote(f"{text} {urls[Channel.line]}", safe="")
    return links


@dataclass(frozen=True)
class Poster:
    """Everything drawn on one poster; its digest names the cached file, so any change draws a new one."""

    title: str
    price: str  # formatted in the reader's locale; "" on the store's poster
    tagline: str
    photo: str  # a /media/ src drawn edge to edge, or ""
    logo: str  # a /media/ src drawn on the store colour when there is no photo, or ""
    store_name: str
    colour: str
    link: str
    caption: str
    locale: str

    @property
    def digest(self) -> str:
        data = json.dumps([DESIGN, *astuple(self)], ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:32]


def poster_for(store: Store, pick: Pick | None = None) -> Poster:
    """The poster of the store, or of one pick, in the reader's locale."""
    locale = locale_code()
    if pick:
        title, tagline = pick.product.title, ""
        price = money.display(pick.price_minor, current_app.config["CURRENCY"], locale)
        photo = _local(sized(pick.product.image_src, 640))
    else:
        title, tagline, price, photo = store.name, store.tagline, "", ""
    return Poster(
        title=title, price=price, tagline=tagline, photo=photo, logo="" if photo else _local(store.logo_src),
        store_name=store.name,
        colour=store.safe_colour, link=share_url(store, pick, Channel.poster), caption=_("Scan to shop"),
        locale=locale,
    )


def public_url(store: Store, pick: Pick | None, poster: Poster) -> str:
    """The poster's absolute URL that anyone (a chat app making a preview) may fetch; it contains the hash."""
    values = {"locale": poster.locale, "slug": store.slug, "digest": poster.digest}
    if pick:
        values["product_slug"] = pick.product.slug
    return services.public_url("stores.public_poster", **values)


def og_image(store: Store, pick: Pick | None = None) -> str:
    """The picture for a link preview: our own copy of the photo or logo, else the poster."""
    src = _local(sized(pick.product.image_src, 640)) if pick else _local(store.logo_src)
    if src:
        return current_app.config["BASE_URL"] + src
    if pick and (pick.product.image_src or "").startswith("https://"):
        return pick.product.image_src  # the supplier's own picture; the chat app fetches it, we never do
    return public_url(store, pick, poster_for(store, pick))


def send(poster: Poster, *, download_name: str | None = None, public: bool = False):
    """The poster as a response: an attachment, or an image cached for a year (its URL names its hash)."""
    response = send_file(
        poster_file(poster), mimetype="image/png", as_attachment=bool(download_name), download_name=download_name,
        etag=poster.digest, conditional=True,
    )
    if download_name:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = public
        response.cache_control.private = not public
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


def poster_file(poster: Poster) -> Path:
    """The cached PNG of the poster, drawn first when it is not on disk yet."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "posters"
    path = folder / f"{poster.digest}.png"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    image = draw(poster)
    # Write then rename, so a reader never sees half a file when two requests draw the same poster.
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        image.save(out, "PNG")
    os.replace(tmp, path)
    return path


def draw(poster: Poster) -> Image.Image:
    """The poster: picture on top; title, price and QR code below; the store's name on a bar of its colour."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), "white")
    canvas.paste(_picture(poster), (0, 0))
    pen = ImageDraw.Draw(canvas)
    qr_left = WIDTH - MARGIN - QR_SIZE
    _draw_qr(canvas, pen, poster, qr_left, PICTURE_HEIGHT + 36)
    _draw_words(pen, poster, qr_left - MARGIN - 40)
    bar_top = HEIGHT - BAR_HEIGHT
    pen.rectangle((0, bar_top, WIDTH, HEIGHT), fill=poster.colour)
    name = _ellipsize(poster.store_name, 46, WIDTH - 2 * MARGIN)
    _text(pen, (MARGIN, bar_top + BAR_HEIGHT // 2 + 16), name, 46, _on(poster.colour))
    return canvas


def _draw_qr(canvas: Image.Image, pen: ImageDraw.ImageDraw, poster: Poster, left: int, top: int) -> None:
    code = qr_image(poster.link, QR_SIZE)
    canvas.paste(code, (left + (QR_SIZE - code.width) // 2, top + (QR_SIZE - code.height) // 2))
    caption = _ellipsize(poster.caption, 34, QR_SIZE)
    _text(pen, (left + (QR_SIZE - _length(caption, 34)) // 2, top + QR_SIZE + 44), caption, 34, MUTED)


def _draw_words(pen: ImageDraw.ImageDraw, poster: Poster, width: int) -> None:
    """Title (up to three lines), then the price in the store colour (when it reads on white) or the tagline."""
    y = PICTURE_HEIGHT + 48
    for line in _wrap(poster.title, 52, width, 3):
        y += 66
        _text(pen, (MARGIN, y), line, 52, INK)
    if poster.price:
        y += 100
        colour = poster.colour if _on(poster.colour) == "white" else INK
        _text(pen, (MARGIN, y), _ellipsize(poster.price, 64, width), 64, colour)
    for line in _wrap(poster.tagline, 36, width, 2) if poster.tagline else ():
        y += 54
        _text(pen, (MARGIN, y), line, 36, MUTED)


def _picture(poster: Poster) -> Image.Image:
    """The top of the poster: the photo, else the logo on the store colour, else the colour with the initial."""
    box = (WIDTH, PICTURE_HEIGHT)
    photo = _open_local(poster.photo)
    if photo:
        return ImageOps.fit(photo, box, Image.Resampling.LANCZOS)
    block = Image.new("RGBA", box, poster.colour)
    glow = Image.new("RGBA", box, (0, 0, 0, 0))
    shapes = ImageDraw.Draw(glow)
    shapes.ellipse((-260, -300, 620, 580), fill=(255, 255, 255, 36))
    shapes.ellipse((560, 300, 1400, 1140), fill=(255, 255, 255, 28))
    block = Image.alpha_composite(block, glow).convert("RGB")
    logo = _open_local(poster.logo)
    if logo:
        logo = ImageOps.contain(logo, (440, 440), Image.Resampling.LANCZOS)
        block.paste(logo, ((WIDTH - logo.width) // 2, (PICTURE_HEIGHT - logo.height) // 2))
    else:
        initial = (poster.store_name.strip()[:1] or "S").upper()
        pen = ImageDraw.Draw(block)
        pen.text((WIDTH // 2, PICTURE_HEIGHT // 2), initial, font=_font(_runs(initial)[0][0], 360),
                 fill=_on(poster.colour), anchor="mm")
    return block


def _local(src: str | None) -> str:
    """The src when it is one of our own /media/ files that exists; outside URLs are never fetched."""
    if not src or not src.startswith("/media/"):
        return ""
    name = src.removeprefix("/media/")
    if not MEDIA_NAME_RE.fullmatch(name):
        return ""
    return src if (Path(current_app.config["UPLOAD_FOLDER"]) / "media" / name).is_file() else ""


def _open_local(src: str) -> Image.Image | None:
    if not src:
        return None
    try:
        with Image.open(Path(current_app.config["UPLOAD_FOLDER"]) / "media" / src.removeprefix("/media/")) as image:
            return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # a broken file: draw the poster without it


def _on(colour: str) -> str:
    """Ink or white, whichever reads better on the colour."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 160 else "white"


@lru_cache(maxsize=32)
def _font(fallback: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size) if fallback else ImageFont.truetype(str(FONT_PATH), size)


@lru_cache(maxsize=8192)
def _needs_fallback(char: str) -> bool:
    """True for a character our subset font lacks (it would draw nothing); Pillow's own font may have it."""
    return not char.isspace() and _font(False, 32).getmask(char).getbbox() is None


def _runs(text: str) -> list[tuple[bool, str]]:
    """The text cut into runs drawn with one font each: (uses the fallback font, run)."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        fallback = _needs_fallback(char)
        if runs and runs[-1][0] == fallback:
            runs[-1] = (fallback, runs[-1][1] + char)
        else:
            runs.append((fallback, char))
    return runs


def _length(text: str, size: int) -> int:
    return int(sum(_font(fallback, size).getlength(run) for fallback, run in _runs(text)))


def _text(pen: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: str) -> None:
    """Draw one line on its baseline at xy, switching fonts for characters the subset lacks."""
    x, y = xy
    for fallback, run in _runs(text):
        font = _font(fallback, size)
        pen.text((x, y), run, font=font, fill=fill, anchor="ls")
        x += font.getlength(run)


def _ellipsize(text: str, size: int, width: int) -> str:
    if _length(text, size) <= width:
        return text
    while text and _length(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, size: int, width: int, max_lines: int) -> list[str]:
    """Wrap to at most max_lines lines of `width` pixels; an ellipsis ends the last one when text is left over."""
    lines = [""]
    for token in TOKEN_RE.findall(" ".join(text.split())):
        if _length(lines[-1] + token, size) <= width:
            lines[-1] += token
        elif token.isspace():
            lines.append("")
        elif _length(token, size) <= width:
            lines.append(token)
        else:  # one word wider than the line: break it anywhere
            for char in token:
                if lines[-1] and _length(lines[-1] + char, size) > width:
                    lines.append("")
                lines[-1] += char
        if len(lines) > max_lines and lines[-1].strip():
            break
    lines = [line.strip() for line in lines]
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    if len(lines) <= max_lines:
        return lines
    return lines[: max_lines - 1] + [_ellipsize(lines[max_lines - 1] + "…", size, width)]

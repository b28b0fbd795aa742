"""Uploaded images: checked by content, re-encoded with Pillow, resized for phones, served from /media."""
import io
import uuid
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

bp = Blueprint("media", __name__)

MAX_PIXELS = 40_000_000  # any usual phone photo (12 to 24 megapixels) passes; a decompression bomb does not
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for every other caller in the process
WIDTHS = (160, 320, 640)
# Only these decoders ever run on an upload: Pillow's others (EPS through Ghostscript, PSD, ...) never see one.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# A JPEG is decoded straight at 1/2, 1/4 or 1/8 scale when that still covers this box: less memory and time.
DECODE_BOX = (WIDTHS[-1] * 2, WIDTHS[-1] * 2)


class ImageError(ValueError):
    """The bytes are not a picture we accept."""


class ImageTooLarge(ImageError):
    """A picture with more pixels than MAX_PIXELS; its message is meant for the user."""


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "media"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_checked(data: bytes) -> Image.Image:
    """Open image bytes after checking, by content, that they are a picture we accept."""
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        # Checked before decoding: the header's size is all a bomb needs to be refused.
        if image.width * image.height > MAX_PIXELS:
            raise ImageTooLarge(_too_large())
        if image.format == "JPEG":
            image.draft(None, DECODE_BOX)
        image.load()
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(_too_large()) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(str(exc)) from exc
    return image


def _too_large() -> str:
    return _("That picture has too many pixels: at most %(megapixels)s megapixels, please.",
             megapixels=MAX_PIXELS // 1_000_000)


def save_image(image: Image.Image) -> str:
    """Re-encode (dropping EXIF and anything hidden) at phone widths; return the /media src of the largest."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    # Pillow writes a source's comment, XMP or ICC data back out from .info: a polyglot's markup would survive.
    image.info = {}
    name = uuid.uuid4().hex
    folder = _folder()
    for width in WIDTHS:
        copy = image.copy()
        copy.thumbnail((width, width * 4))
        copy.save(folder / f"{name}-{width}.webp", "WEBP", quality=78, method=4)
        copy.save(folder / f"{name}-{width}.jpg", "JPEG", quality=80, optimize=True, progressive=True)
    return f"/media/{name}-{WIDTHS[-1]}.jpg"


def save_upload(file_storage) -> str:
    """Save an uploaded file (werkzeug FileStorage) as an image; ImageError when it is not one."""
    data = file_storage.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    return save_image(open_checked(data))


def sized(src: str | None, width: int, fmt: str = "jpg") -> str | None:
    """The src of a stored image at another width; outside URLs are returned as they are."""
    if not src or not src.startswith("/media/"):
        return src
    stem = src.rsplit("-", 1)[0]
    return f"{stem}-{width}.{fmt}"


def srcset(src: str, fmt: str = "jpg") -> str:
    """Every stored width of an image, for a srcset attribute: "/media/x-160.jpg 160w, ..."."""
    return ", ".join(f"{sized(src, width, fmt)} {width}w" for width in WIDTHS)


@bp.get("/media/<name>")
def media(name: str):
    if "/" in name or name.split(".")[-1] not in ("jpg", "webp"):
        abort(404)
    response = send_from_directory(_folder(), name, max_age=365 * 86400)
    return response

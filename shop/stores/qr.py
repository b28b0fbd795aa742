"""QR codes for share links: inline SVG for the page, PNG for download and print, images for posters."""
import io

import qrcode
from PIL import Image
from qrcode.image.svg import SvgPathImage


def qr_svg(url: str) -> str:
    """An <svg> element drawing the URL as a QR code; only path data, no text from the URL."""
    image = qrcode.make(url, image_factory=SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", "<svg aria-hidden=\"true\" ", 1)  # the link itself is written beside it


def qr_png(url: str) -> bytes:
    image = qrcode.make(url, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_image(url: str, size: int) -> Image.Image:
    """The URL as a black-on-white QR code of at most `size` pixels square, modules kept sharp."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=2)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image().get_image().convert("L")
    scale = max(1, size // image.width)
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)

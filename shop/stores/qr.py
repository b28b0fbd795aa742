"""QR codes for share links: inline SVG for the page, PNG for download and print."""
import io

import qrcode
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

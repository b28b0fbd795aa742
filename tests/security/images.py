"""Hostile and ordinary picture files for the upload tests, made in memory."""
import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
POLYGLOT_PAYLOAD = b"<script>alert('polyglot')</script><?php system($_GET['c']); ?>"


def picture(fmt: str = "PNG", size=(64, 48), colour=(200, 60, 20), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (and that it was shot sideways)."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° when shown
    exif[0x010F] = "SpyCam Maker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (22.0, 16.0, 42.0), 3: "E", 4: (114.0, 9.0, 36.0)})
    return picture("JPEG", size=(80, 40), exif=exif.tobytes())


def polyglot() -> bytes:
    """A real GIF that is also an HTML/PHP page: the markup rides in a comment and after the trailer."""
    gif = picture("GIF", comment=POLYGLOT_PAYLOAD)
    return gif + POLYGLOT_PAYLOAD


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes that claim billions of pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")

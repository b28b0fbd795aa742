"""Atheris fuzzing of the image pipeline (uploads and fetched supplier photos): only ImageError may escape.

Bounded run: .venv/bin/python bench/fuzz_images.py -runs=20000 -max_total_time=60 [corpus dir]
Without a corpus it starts from a tiny JPEG, PNG, WebP and GIF, so the mutations reach the decoders.
"""
import io
import sys
import tempfile
import warnings
from pathlib import Path

import atheris
from PIL import Image

# Run as a script from anywhere: the project's root holds the shop package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["shop.catalog", "shop.images"]):
    from shop.images import ImageError, open_checked, save_image

from shop import create_app  # noqa: E402


def _seed_corpus() -> str:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-images-corpus-"))
    for fmt in ("JPEG", "PNG", "WEBP", "GIF"):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 6), "teal").save(buffer, fmt)
        (folder / fmt.lower()).write_bytes(buffer.getvalue())
    return str(folder)


def main() -> None:
    folder = tempfile.mkdtemp(prefix="fuzz-images-")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_FOLDER": folder,
                      "MAIL_FOLDER": folder, "RATELIMIT_ENABLED": False})
    app.app_context().push()
    # Pillow warns about every header over MAX_PIXELS; open_checked refuses those, and the noise hides crashes.
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)

    def test_one_input(data: bytes) -> None:
        try:
            image = open_checked(data)
        except ImageError:
            return
        save_image(image)

    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):
        argv.append(_seed_corpus())
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

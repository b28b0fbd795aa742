"""Uploads: checked by content, re-encoded (no EXIF, no hidden payload), bombs refused, size capped, stored apart."""
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from shop import images
from shop.catalog.models import ProductImage
from shop.extensions import db
from tests.security.images import GPS_IFD, jpeg_with_gps, picture, png_bomb, polyglot

CODE = Path(__file__).resolve().parents[2]
# Pillow warns about the bombs before our own check refuses them.
pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
STORED = re.compile(r"^/media/[0-9a-f]{32}-640\.jpg$")


@pytest.fixture
def supplier_client(login, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier=supplier, image=False)
    return login(supplier.user), product


def upload_photo(client, product, data: bytes, filename: str):
    return client.post(f"/supplier/products/{product.id}/photos", data={"photo": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def stored_files(app, src: str) -> list[Path]:
    stem = src.removeprefix("/media/").rsplit("-", 1)[0]
    return sorted((Path(app.config["UPLOAD_FOLDER"]) / "media").glob(f"{stem}-*"))


def only_photo(product) -> str:
    db.session.expire_all()
    return db.session.get(ProductImage, product.images[0].id).src


def test_gps_and_every_other_exif_tag_are_gone_and_the_photo_is_turned_upright(app, supplier_client):
    client, product = supplier_client
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif().get_ifd(GPS_IFD)  # the fixture really has GPS
    assert upload_photo(client, product, jpeg_with_gps(), "holiday.jpg").status_code == 302
    src = only_photo(product)
    assert STORED.match(src)
    for path in stored_files(app, src):
        with Image.open(path) as stored:
            assert not stored.getexif(), path.name
            assert stored.width < stored.height  # 80×40 shot sideways, stored upright
        assert b"SpyCam" not in path.read_bytes()


def test_a_polyglot_is_re_encoded_and_its_payload_dropped(app, supplier_client):
    client, product = supplier_client
    assert upload_photo(client, product, polyglot(), "page.html").status_code == 302
    src = only_photo(product)
    files = stored_files(app, src)
    assert len(files) == 6 and {p.suffix for p in files} == {".jpg", ".webp"}
    for path in files:
        data = path.read_bytes()
        assert b"<script" not in data and b"<?php" not in data
    served = client.get(src)
    assert served.mimetype == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data, filename", [
    (b"<html><script>alert(1)</script></html>", "photo.jpg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "photo.svg"),
    (b"%PDF-1.4\n%%EOF", "photo.png"),
    (picture("BMP"), "photo.jpg"),  # a real picture, but not a format we decode
    (picture("TIFF"), "photo.png"),
    (picture("PNG")[:60], "truncated.png"),
])
def test_files_that_are_not_accepted_pictures_are_refused_whatever_their_name(supplier_client, data, filename):
    client, product = supplier_client
    response = upload_photo(client, product, data, filename)
    assert response.status_code == 200 and "not a photo we can use" in response.text
    db.session.expire_all()
    assert product.images == []


def test_the_type_comes_from_the_content_not_the_name(supplier_client):
    client, product = supplier_client
    assert upload_photo(client, product, picture("WEBP"), "catalog.csv").status_code == 302
    assert STORED.match(only_photo(product))


@pytest.mark.parametrize("bomb", [png_bomb(), png_bomb(8000, 6000)], ids=["billions", "just-over-the-limit"])
def test_decompression_bombs_are_refused_with_a_clear_message(supplier_client, bomb):
    client, product = supplier_client
    response = upload_photo(client, product, bomb, "big.png")
    assert response.status_code == 200
    assert "too many pixels: at most 40 megapixels" in response.text
    db.session.expire_all()
    assert product.images == []


def test_a_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(images.ImageTooLarge):
        images.open_checked(png_bomb(50_000, 1_000))  # 50 Mpx: between Pillow's warning and its error


def test_a_store_logo_goes_through_the_same_checks(login, make_store):
    store = make_store()
    client = login(store.user)
    response = client.post("/my/settings", data={
        "name": "Shop", "tagline": "", "colour": "#112233", "logo": (io.BytesIO(png_bomb()), "logo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200 and "megapixels" in response.text


def test_large_jpegs_are_decoded_at_a_reduced_scale():
    image = images.open_checked(picture("JPEG", size=(4000, 3000)))
    assert image.size == (2000, 1500)  # enough for the 640 px copies, a quarter of the memory


def test_uploads_are_stored_in_the_instance_folder_under_generated_names(app, supplier_client):
    client, product = supplier_client
    upload_photo(client, product, picture(), "../../../../static/app.css")
    src = only_photo(product)
    folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    for path in stored_files(app, src):
        assert path.resolve().parent == folder / "media"
        assert CODE not in path.resolve().parents or "instance" in path.resolve().parts
        assert re.fullmatch(r"[0-9a-f]{32}-(160|320|640)\.(jpg|webp)", path.name)


def test_the_default_upload_folder_is_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("UPLOAD_FOLDER", raising=False)
    from shop import config

    settings = config.from_environment("/srv/instance")
    assert settings["UPLOAD_FOLDER"] == "/srv/instance/uploads"
    assert settings["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_a_body_over_the_limit_gets_the_friendly_413_page(app, supplier_client):
    client, product = supplier_client
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload_photo(client, product, b"\0" * (1536 * 1024), "huge.jpg")
    assert response.status_code == 413
    assert "That file is too large: files up to 1 MB can be uploaded." in response.text
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    db.session.expire_all()
    assert product.images == []


def test_a_picture_named_csv_is_not_taken_as_a_catalog(login, make_supplier):
    supplier = make_supplier()
    client = login(supplier.user)
    response = client.post("/supplier/import", data={"file": (io.BytesIO(picture()), "catalog.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Handle" in response.text


def test_a_catalog_file_is_kept_under_its_job_token_whatever_it_was_called(app, login, make_supplier):
    from shop.catalog.models import ImportJob

    supplier = make_supplier()
    client = login(supplier.user)
    csv = b"Handle,Title,Variant SKU,Variant Price\r\nmug,Mug,MUG-1,4.00\r\n"
    response = client.post("/supplier/import", data={"file": (io.BytesIO(csv), "../../../shop/__init__.py")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    job = db.session.scalar(db.select(ImportJob).order_by(ImportJob.id.desc()))
    path = Path(job.path).resolve()
    assert path == (Path(app.config["UPLOAD_FOLDER"]) / "imports" / f"{job.token}.csv").resolve()
    assert job.filename == "__init__.py"

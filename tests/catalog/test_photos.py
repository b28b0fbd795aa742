"""Outside photos named in a catalog are fetched once, re-encoded like uploads and served from /media."""
import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from shop.catalog.importer import import_csv
from shop.catalog.models import MAX_FETCH_ATTEMPTS, Product, ProductImage
from shop.catalog.photos import fetch_image
from shop.catalog.tasks import fetch_photos, hourly, run_import
from shop.extensions import db
from shop.util import now_utc


def jpeg(size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "JPEG", comment=b"<script>alert(1)</script>")
    return buffer.getvalue()


@pytest.fixture
def photo_server(app):
    app.config.update(IMAGE_FETCH_ENABLED=True, PIPELINE_ALLOW_PRIVATE_URLS=True, PIPELINE_HTTP_TIMEOUT=2)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def imported(make_supplier, shopify_csv, photo_server):
    """Import a mug whose photo is at the given path on the photo server; return the supplier."""

    def build(path="/mug.jpg", supplier=None):
        supplier = supplier or make_supplier()
        url = photo_server.url_for(path)
        import_csv(supplier.id, io.BytesIO(shopify_csv(f"mug,Mug,,,,,,,MUG-1,3,9.00,,{url},1,A mug,active")))
        db.session.commit()
        return supplier

    return build


def only_image() -> ProductImage:
    return db.session.scalars(select(ProductImage)).one()


def test_a_photo_is_copied_resized_and_the_product_points_at_the_copy(app, imported, photo_server):
    photo_server.expect_oneshot_request("/mug.jpg").respond_with_data(jpeg(), content_type="image/jpeg")
    supplier = imported()
    assert not only_image().is_local  # until the job runs, the page shows the supplier's address

    fetch_photos(supplier.id)

    image = only_image()
    assert image.src.startswith("/media/") and image.remote_src == photo_server.url_for("/mug.jpg")
    assert image.fetch_error == ""
    folder = Path(app.config["UPLOAD_FOLDER"]) / "media"
    stem = image.src.rsplit("/", 1)[1].rsplit("-", 1)[0]
    for width in (160, 320, 640):
        with Image.open(folder / f"{stem}-{width}.webp") as webp:
            assert webp.width == width
        assert b"<script>" not in (folder / f"{stem}-{width}.jpg").read_bytes()
    fetch_photos(supplier.id)
    assert only_image().src == image.src and len(photo_server.log) == 1  # fetched once


def test_importing_the_same_file_again_keeps_the_copy(imported, photo_server):
    photo_server.expect_oneshot_request("/mug.jpg").respond_with_data(jpeg(), content_type="image/jpeg")
    supplier = imported()
    fetch_photos(supplier.id)
    copy = only_image().src

    imported(supplier=supplier)

    image = only_image()
    assert image.src == copy and image.remote_src == photo_server.url_for("/mug.jpg")
    fetch_photos(supplier.id)
    assert len(photo_server.log) == 1


def test_a_file_that_is_not_a_picture_is_refused_once_and_shown_to_the_supplier(imported, photo_server, login):
    photo_server.expect_oneshot_request("/mug.jpg").respond_with_data("<svg onload=alert(1)>",
                                                                      content_type="image/jpeg")
    supplier = imported()

    fetch_photos(supplier.id)

    image = only_image()
    assert not image.is_local and image.fetch_attempts == MAX_FETCH_ATTEMPTS
    assert "not a JPEG, PNG, WebP or GIF" in image.fetch_error
    imported(supplier=supplier)  # the failure survives a re-import: no fetching the same file forever
    assert only_image().fetch_attempts == MAX_FETCH_ATTEMPTS
    product = db.session.scalars(select(Product)).one()
    page = login(supplier.user).get(f"/supplier/products/{product.id}").get_data(as_text=True)
    assert "We could not copy this photo" in page


def test_a_host_that_fails_is_tried_a_few_times_then_left(imported, photo_server):
    photo_server.expect_request("/mug.jpg").respond_with_data("down", status=503)
    imported()

    for _attempt in range(MAX_FETCH_ATTEMPTS + 2):
        hourly()

    image = only_image()
    assert image.fetch_attempts == MAX_FETCH_ATTEMPTS and "503" in image.fetch_error
    assert len(photo_server.log) == MAX_FETCH_ATTEMPTS


def test_a_body_over_the_cap_is_refused(app, imported, photo_server):
    app.config["IMAGE_FETCH_MAX_BYTES"] = 1000
    photo_server.expect_request("/mug.jpg").respond_with_data(jpeg(), content_type="image/jpeg")
    supplier = imported()

    fetch_photos(supplier.id)

    assert "larger than" in only_image().fetch_error


def test_a_decompression_bomb_is_refused(imported, photo_server):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    photo_server.expect_request("/mug.jpg").respond_with_data(buffer.getvalue(), content_type="image/png")
    supplier = imported()

    fetch_photos(supplier.id)

    image = only_image()
    assert not image.is_local and "megapixels" in image.fetch_error


def test_private_addresses_are_refused_unless_allowed(app, imported, photo_server):
    app.config["PIPELINE_ALLOW_PRIVATE_URLS"] = False
    supplier = imported()

    fetch_photos(supplier.id)

    assert "private network" in only_image().fetch_error
    assert photo_server.log == []


def test_a_redirect_is_not_followed(imported, photo_server):
    photo_server.expect_request("/mug.jpg").respond_with_data("", status=302,
                                                              headers={"Location": "http://127.0.0.1:1/x"})
    supplier = imported()

    fetch_photos(supplier.id)

    assert "302" in only_image().fetch_error


def test_an_import_job_fetches_its_photos(imported, photo_server, make_supplier, shopify_csv, tmp_path):
    from shop.catalog.models import ImportJob

    photo_server.expect_oneshot_request("/cup.jpg").respond_with_data(jpeg(), content_type="image/jpeg")
    supplier = make_supplier()
    path = tmp_path / "catalog.csv"
    url = photo_server.url_for("/cup.jpg")
    path.write_bytes(shopify_csv(f"cup,Cup,,,,,,,CUP-1,3,9.00,,{url},1,,active"))
    job = ImportJob(supplier_id=supplier.id, filename="catalog.csv", path=str(path))
    db.session.add(job)
    db.session.commit()

    run_import(job.id)

    assert only_image().is_local


def test_nothing_is_fetched_when_switched_off(app, imported, photo_server):
    supplier = imported()
    app.config["IMAGE_FETCH_ENABLED"] = False

    fetch_photos(supplier.id)
    assert only_image().fetch_attempts == 0 and photo_server.log == []


def test_a_variant_named_by_the_suppliers_address_shows_the_copy(imported, photo_server):
    photo_server.expect_oneshot_request("/mug.jpg").respond_with_data(jpeg(), content_type="image/jpeg")
    supplier = imported()
    variant = db.session.scalars(select(Product)).one().variants[0]
    variant.image_src = photo_server.url_for("/mug.jpg")  # a CSV's Variant Image names the same outside file
    db.session.commit()
    assert variant.photo_src == variant.image_src  # not copied yet: the supplier's address

    fetch_photos(supplier.id)

    db.session.expire_all()
    assert variant.photo_src == only_image().src and variant.photo_src.startswith("/media/")


def _other_worker(app, image_id: int) -> bool:
    """fetch_image run by a second worker: its own thread, app context and database session."""
    outcome = []

    def run():
        with app.app_context():
            outcome.append(fetch_image(image_id))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
    return outcome[0]


def test_a_second_worker_leaves_a_photo_being_fetched_alone(app, imported, monkeypatch):
    imported()
    image_id = only_image().id
    fetched, second = [], []

    def fake_call(url, limit, headers=None):
        fetched.append(url)
        if len(fetched) == 1:
            second.append(_other_worker(app, image_id))  # the same job, started meanwhile by another worker
        return jpeg()

    monkeypatch.setattr("shop.catalog.photos.call", fake_call)

    assert fetch_image(image_id) is True
    db.session.commit()

    assert second == [False] and len(fetched) == 1
    image = only_image()
    assert image.is_local and image.fetch_attempts == 1 and image.fetch_lease_until is None


def test_a_claim_left_by_a_dead_worker_runs_out(app, imported, monkeypatch):
    imported()
    fetched = []
    monkeypatch.setattr("shop.catalog.photos.call", lambda url, limit, headers=None: fetched.append(url) or jpeg())
    image = only_image()
    image.fetch_attempts, image.fetch_lease_until = 1, now_utc() + timedelta(seconds=60)  # killed mid-fetch
    db.session.commit()

    fetch_photos()
    assert fetched == [] and not only_image().is_local

    only_image().fetch_lease_until = now_utc() - timedelta(seconds=1)
    db.session.commit()
    fetch_photos()
    image = only_image()
    assert len(fetched) == 1 and image.is_local and image.fetch_attempts == 2


def test_a_failed_fetch_ends_its_claim(imported, photo_server):
    photo_server.expect_request("/mug.jpg").respond_with_data("down", status=503)
    supplier = imported()

    fetch_photos(supplier.id)
    fetch_photos(supplier.id)  # the next sweep need not wait out the lease

    image = only_image()
    assert image.fetch_attempts == 2 and image.fetch_lease_until is None and len(photo_server.log) == 2

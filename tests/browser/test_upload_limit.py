"""A file over the upload limit, sent from a real browser, gets the friendly "too large" page."""
import pytest

expect = pytest.importorskip("playwright.sync_api").expect


def test_a_too_large_photo_gets_the_friendly_page(app, page, sign_in, make_supplier, make_product, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    supplier = make_supplier()
    product = make_product(supplier=supplier, image=False)
    sign_in(page, supplier.email, "correct horse 9")
    page.goto(f"/supplier/products/{product.id}")
    big = tmp_path / "huge.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024))
    page.get_by_label("Photo").set_input_files(str(big))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("That file is too large: files up to 1 MB can be uploaded.")).to_be_visible()

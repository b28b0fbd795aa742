import io
import json

import pytest
from PIL import Image
from sqlalchemy import select

from shop.accounts.models import Role
from shop.catalog.importer import import_csv
from shop.catalog.models import ImportJob, ImportStatus, Product, SupplierStatus, Variant
from shop.extensions import db

HX = {"HX-Request": "true"}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def supplier(make_supplier):
    return make_supplier()


@pytest.fixture
def browser(login, supplier):
    return login(supplier.user)


def test_products_list_shows_what_a_supplier_needs(browser, supplier, make_product):
    make_product(supplier=supplier, title="Linen towel", variants=((1250, 7), (1400, 0)), category="Bath")
    page = browser.get("/supplier/products").get_data(as_text=True)
    assert "Linen towel" in page and "Bath" in page and "img.example.com" in page
    assert "SKU-" in page and 'value="7"' in page and 'value="12.50"' in page and 'value="14.00"' in page
    assert "1 product" in page


def test_search_by_title_and_sku(browser, supplier, make_product):
    towel = make_product(supplier=supplier, title="Linen towel")
    make_product(supplier=supplier, title="Clay cup")
    by_title = browser.get("/supplier/products?q=linen").get_data(as_text=True)
    assert "Linen towel" in by_title and "Clay cup" not in by_title
    by_sku = browser.get(f"/supplier/products?q={towel.variants[0].sku}", headers=HX)
    assert "Linen towel" in by_sku.get_data(as_text=True) and "<html" not in by_sku.get_data(as_text=True)
    assert "No product matches" in browser.get("/supplier/products?q=zzz").get_data(as_text=True)


def test_products_are_paginated(browser, supplier, make_product):
    for n in range(21):
        make_product(supplier=supplier, title=f"Item {n:02d}")
    first = browser.get("/supplier/products").get_data(as_text=True)
    second = browser.get("/supplier/products?page=2").get_data(as_text=True)
    assert "Item 20" in first and "Item 00" not in first and "Page 1 of 2" in first
    assert "Item 00" in second and "Item 20" not in second


def test_products_list_query_count_does_not_grow(browser, supplier, make_product, count_queries):
    make_product(supplier=supplier, variants=((1000, 1), (1100, 2)))
    with count_queries() as few:
        assert browser.get("/supplier/products").status_code == 200
    for _n in range(8):
        make_product(supplier=supplier, variants=((1000, 1), (1100, 2), (1200, 3)))
    with count_queries() as many:
        assert browser.get("/supplier/products").status_code == 200
    assert many() == few()


def test_inline_edit_with_htmx_swaps_just_the_row(browser, supplier, make_product):
    variant = make_product(supplier=supplier, variants=((1000, 5),)).variants[0]
    response = browser.post(f"/supplier/variants/{variant.id}", data={"stock": "12", "wholesale": "$9.75"},
                            headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<form id="variant-{variant.id}"') and "Saved" in body
    assert "HX-Request" in response.headers["Vary"]
    db.session.expire_all()
    assert (variant.stock, variant.wholesale_minor) == (12, 975)


def test_inline_edit_without_javascript_redirects_back(browser, supplier, make_product):
    variant = make_product(supplier=supplier).variants[0]
    response = browser.post(f"/supplier/variants/{variant.id}",
                            data={"stock": "3", "wholesale": "8", "next": "/supplier/products?page=1"})
    assert response.status_code == 302 and response.location == "/supplier/products?page=1"
    evil = browser.post(f"/supplier/variants/{variant.id}",
                        data={"stock": "3", "wholesale": "8", "next": "//evil.example"})
    assert evil.location == f"/supplier/products/{variant.product_id}"
    db.session.expire_all()
    assert (variant.stock, variant.wholesale_minor) == (3, 800)


@pytest.mark.parametrize("headers", [HX, {}])
def test_inline_edit_bad_input_keeps_what_was_typed(browser, supplier, make_product, headers):
    variant = make_product(supplier=supplier, variants=((1000, 5),)).variants[0]
    response = browser.post(f"/supplier/variants/{variant.id}", data={"stock": "-4", "wholesale": "abc"},
                            headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="-4"' in body and 'value="abc"' in body and 'aria-invalid="true"' in body
    assert "Stock cannot be negative." in body and "Enter a price above zero" in body
    assert ("<html" in body) is (not headers)
    db.session.expire_all()
    assert (variant.stock, variant.wholesale_minor) == (5, 1000)


def test_photo_upload_and_refusal_of_non_images(browser, supplier, make_product):
    product = make_product(supplier=supplier, image=False)
    bad = browser.post(f"/supplier/products/{product.id}/photos",
                       data={"photo": (io.BytesIO(b"<svg onload=alert(1)>"), "x.png")})
    assert bad.status_code == 200 and "not a photo we can use" in bad.get_data(as_text=True)
    assert product.images == []
    good = browser.post(f"/supplier/products/{product.id}/photos",
                        data={"photo": (io.BytesIO(png_bytes()), "p.png")})
    assert good.status_code == 302
    db.session.expire_all()
    assert product.images[0].src.startswith("/media/") and product.images[0].src.endswith("-640.jpg")
    assert browser.get(product.images[0].src).status_code == 200


def test_toggle_published(browser, supplier, make_product):
    product = make_product(supplier=supplier)
    assert browser.post(f"/supplier/products/{product.id}/published").status_code == 302
    db.session.expire_all()
    assert product.published is False
    assert "Publish" in browser.get(f"/supplier/products/{product.id}").get_data(as_text=True)
    browser.post(f"/supplier/products/{product.id}/published")
    db.session.expire_all()
    assert product.published is True


def test_upload_flow_end_to_end(browser, supplier, shopify_csv, app):
    data = shopify_csv("tee,Tee,,,,,Size,S,TEE-S,4,8.50,,,,,active", "tee,,,,,,,M,TEE-M,4,nope,,,,,",
                       "mug,Mug,,,,,,,MUG,1,3,,,,,")
    response = browser.post("/supplier/import", data={"file": (io.BytesIO(data), "catalog.csv")})
    assert response.status_code == 302
    job = db.session.scalar(select(ImportJob))
    assert response.location == f"/supplier/import/{job.token}"
    assert job.status is ImportStatus.done and job.path.startswith(app.config["UPLOAD_FOLDER"] + "/imports/")
    assert (job.total_rows, job.processed_rows) == (3, 3)
    page = browser.get(response.location).get_data(as_text=True)
    assert "<progress" in page and 'hx-trigger="every 1s"' not in page and "http-equiv" not in page
    assert "<td>3</td>" in page and "Price must be a positive number" in page
    assert job.report["products_created"] == 2 and job.report["variants_created"] == 2
    listing = browser.get("/supplier/import").get_data(as_text=True)
    assert "catalog.csv" in listing


def test_upload_refuses_a_file_that_is_not_a_product_csv(browser):
    response = browser.post("/supplier/import", data={"file": (io.BytesIO(b"name,price\nx,1\n"), "x.csv")})
    assert response.status_code == 200 and "no Handle column" in response.get_data(as_text=True)
    assert db.session.scalar(select(ImportJob)) is None
    missing = browser.post("/supplier/import", data={})
    assert "Choose a CSV file." in missing.get_data(as_text=True)


def test_progress_page_polls_only_while_running(browser, supplier):
    job = ImportJob(supplier_id=supplier.id, filename="big.csv", path="/nowhere", status=ImportStatus.running,
                    total_rows=200, processed_rows=50)
    db.session.add(job)
    db.session.commit()
    page = browser.get(f"/supplier/import/{job.token}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and '<progress class="progress" max="100" value="25">' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    fragment = browser.get(f"/supplier/import/{job.token}", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="import-progress"' in fragment and "50 of 200" in fragment
    job.status, job.report_json = ImportStatus.done, json.dumps(
        {"products_created": 1, "products_updated": 0, "variants_created": 1, "variants_updated": 0, "errors": []})
    db.session.commit()
    done = browser.get(f"/supplier/import/{job.token}", headers=HX).get_data(as_text=True)
    assert "every 1s" not in done and "Every row was imported." in done


def test_template_csv_is_a_valid_import(browser, supplier):
    response = browser.get("/supplier/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    report = import_csv(supplier.id, io.BytesIO(response.data))
    assert report["errors"] == [] and report["products_created"] == 2 and report["variants_created"] == 4


@pytest.mark.parametrize("status, shown", [(SupplierStatus.pending, True), (SupplierStatus.approved, False)])
def test_pending_supplier_sees_the_approval_banner(login, make_supplier, status, shown):
    supplier = make_supplier(status=status)
    for url in ("/supplier/products", "/supplier/import"):
        page = login(supplier.user).get(url).get_data(as_text=True)
        assert ("go live when an operator approves you" in page) is shown


def _other_suppliers_things(make_supplier, make_product):
    other = make_supplier()
    product = make_product(supplier=other)
    job = ImportJob(supplier_id=other.id, filename="theirs.csv", path="/nowhere")
    db.session.add(job)
    db.session.commit()
    return product, job


@pytest.mark.parametrize("method, url", [
    ("get", "/supplier/products/{product}"),
    ("post", "/supplier/variants/{variant}"),
    ("post", "/supplier/products/{product}/photos"),
    ("post", "/supplier/products/{product}/published"),
    ("get", "/supplier/import/{job}"),
])
def test_suppliers_never_reach_each_others_products_or_jobs(browser, make_supplier, make_product, method, url):
    product, job = _other_suppliers_things(make_supplier, make_product)
    target = url.format(product=product.id, variant=product.variants[0].id, job=job.token)
    data = {"stock": "0", "wholesale": "1"} if method == "post" else None
    response = getattr(browser, method)(target, data=data)
    assert response.status_code == 404
    db.session.expire_all()
    assert product.published and product.variants[0].stock == 10 and product.variants[0].wholesale_minor == 1000


def test_other_suppliers_products_are_not_listed(browser, make_supplier, make_product):
    product, _job = _other_suppliers_things(make_supplier, make_product)
    page = browser.get("/supplier/products").get_data(as_text=True)
    assert product.variants[0].sku not in page and "No products yet" in page


URLS = ["/supplier/products", "/supplier/import", "/supplier/import/template.csv"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("role", [Role.reseller, Role.admin])
@pytest.mark.parametrize("url", URLS)
def test_only_suppliers_get_in(login, make_user, url, role):
    assert login(make_user(role)).get(url).status_code == 404


def test_variant_update_leaves_other_rows_alone(browser, supplier, make_product):
    product = make_product(supplier=supplier, variants=((1000, 5), (2000, 6)))
    browser.post(f"/supplier/variants/{product.variants[0].id}", data={"stock": "1", "wholesale": "1"}, headers=HX)
    db.session.expire_all()
    assert [(v.stock, v.wholesale_minor) for v in db.session.scalars(
        select(Variant).where(Variant.product_id == product.id).order_by(Variant.position))] == [(1, 100), (6, 2000)]
    assert db.session.get(Product, product.id).title == product.title

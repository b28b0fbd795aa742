import io

import pytest
from sqlalchemy import func, select

from shop.catalog.importer import ImportFileError, import_csv, import_items, parse_stock, slugify
from shop.catalog.models import Product, ProductImage, Variant
from shop.extensions import db


def run(supplier, data: bytes, **kwargs) -> dict:
    report = import_csv(supplier.id, io.BytesIO(data), **kwargs)
    db.session.commit()
    return report


def variant(sku: str) -> Variant:
    return db.session.scalar(select(Variant).where(Variant.sku == sku))


def product(handle: str) -> Product:
    return db.session.scalar(select(Product).where(Product.handle == handle))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_multi_row_product_with_bom_crlf_and_quoted_html(make_supplier, shopify_csv):
    supplier = make_supplier()
    data = shopify_csv(
        'tee,"Cotton tee","<p>Soft, warm\r\nand <b>organic</b></p>",Acme,Shirts,"summer, cotton",Size,S,TEE-S,'
        "5,12.50,20.00,https://img.example.com/tee.jpg,1,Front,active",
        ",,,,,,,,,,,,,,,",
        "tee,,,,,,,M,TEE-M,3,13.00,,https://img.example.com/tee-back.jpg,2,Back,",
        "tee,,,,,,,,,,,,https://img.example.com/tee-side.jpg,3,Side,",
        bom=True,
    )
    report = run(supplier, data)
    assert report == {"products_created": 1, "products_updated": 0, "variants_created": 2,
                      "variants_updated": 0, "errors": []}
    tee = product("tee")
    assert tee.title == "Cotton tee" and tee.vendor == "Acme" and tee.category == "Shirts"
    assert tee.body_html == "<p>Soft, warm\nand <b>organic</b></p>"  # the sanitiser normalises CRLF
    assert tee.option1_name == "Size" and tee.published and tee.slug == "tee"
    assert [(v.sku, v.option1, v.stock, v.wholesale_minor, v.retail_minor, v.position) for v in tee.variants] == [
        ("TEE-S", "S", 5, 1250, 2000, 1), ("TEE-M", "M", 3, 1300, None, 2)]
    assert [(i.position, i.alt) for i in tee.images] == [(1, "Front"), (2, "Back"), (3, "Side")]


def test_header_matching_ignores_case_and_spaces_and_extra_columns(make_supplier):
    supplier = make_supplier()
    data = (" HANDLE ,title,Variant  sku,Variant Price,Gift Card\nmug,Mug,MUG-1,9,FALSE\n").encode()
    report = run(supplier, data)
    assert report["products_created"] == 1 and report["errors"] == []
    assert variant("MUG-1").wholesale_minor == 900 and variant("MUG-1").stock == 0


@pytest.mark.parametrize("price, qty, wholesale, stock", [
    ('"1,234.50"', "10.0", 123450, 10),
    ("$12", '"1,200"', 1200, 1200),
    ('"12.5 "', "1.2E+01", 1250, 12),
    ("1.2E+01", " 7 ", 1200, 7),
])
def test_excel_mangled_numbers(make_supplier, shopify_csv, price, qty, wholesale, stock):
    supplier = make_supplier()
    report = run(supplier, shopify_csv(f"cup,Cup,,,,,,,CUP-1,{qty},{price},,,,,active"))
    assert report["errors"] == []
    assert (variant("CUP-1").wholesale_minor, variant("CUP-1").stock) == (wholesale, stock)


def test_bad_rows_are_reported_by_spreadsheet_row_and_good_rows_still_import(make_supplier, shopify_csv):
    supplier = make_supplier()
    data = shopify_csv(
        'ok,"Fine ""quoted"" one","<p>two\nlines</p>",,,,Size,S,OK-S,1,5,,,,,',  # row 2 (spans two lines)
        "ok,,,,,,,M,OK-M,1,free,,,,,",  # row 3: price
        "ok,,,,,,,L,OK-L,-2,5,,,,,",  # row 4: negative stock
        "ok,,,,,,,XL,OK-XL,2.5,5,,,,,",  # row 5: fractional stock
        ",Orphan,,,,,,,ORPHAN,1,5,,,,,",  # row 6: no handle
        "nameless,,,,,,,,NL-1,1,5,,,,,",  # row 7: no title on first row
        "nameless,,,,,,,,NL-2,1,5,,,,,",  # row 8: its product failed
        "nosku,No SKU,,,,,,,,1,5,,,,,",  # row 9: missing SKU
        "dup,Dup,,,,,,,OK-S,1,5,,,,,",  # row 10: SKU already on row 2
        "zero,Zero,,,,,,,Z-1,1,0,,,,,",  # row 11: price not positive
        "good,Good,,,,,,,GOOD-1,4,3.99,,,,,",  # row 12
    )
    report = run(supplier, data)
    errors = {e["row"]: e["message"] for e in report["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "Price must be a positive number" in errors[3] and "Price must be a positive number" in errors[11]
    assert "negative" in errors[4]
    assert "whole number" in errors[5]
    assert "Handle is missing" in errors[6]
    assert "Title is missing" in errors[7]
    assert "row 7" in errors[8]
    assert "SKU is missing" in errors[9]
    assert "row 2" in errors[10]
    assert report["products_created"] == 2 and report["variants_created"] == 2
    assert {p.handle for p in db.session.scalars(select(Product))} == {"ok", "good"}
    assert product("ok").title == 'Fine "quoted" one'
    assert product("ok").body_html == "<p>two\nlines</p>"
    assert variant("GOOD-1").wholesale_minor == 399


def test_a_product_whose_first_row_fails_leaves_nothing_behind(make_supplier, shopify_csv):
    supplier = make_supplier()
    data = shopify_csv(
        "lamp,Lamp,,,,,,,LAMP-1,1,oops,,https://img.example.com/lamp.jpg,1,,",
        "lamp,,,,,,,,LAMP-2,1,5,,,,,",
        "lamp,,,,,,,,,,,,https://img.example.com/lamp2.jpg,2,,",
    )
    report = run(supplier, data)
    assert [e["row"] for e in report["errors"]] == [2, 3, 4]
    assert count(Product) == count(Variant) == count(ProductImage) == 0


def test_sku_of_another_product_of_the_same_supplier_is_refused(make_supplier, make_product, shopify_csv):
    supplier = make_supplier()
    existing = make_product(supplier=supplier)
    sku = existing.variants[0].sku
    report = run(supplier, shopify_csv(f"new-thing,New,,,,,,,{sku},1,5,,,,,"))
    assert report["errors"] == [{"row": 2, "message": f"SKU {sku} already belongs to another of your products."}]
    assert product("new-thing") is None


def test_other_suppliers_may_use_the_same_sku_and_handle_and_slugs_stay_unique(make_supplier, shopify_csv):
    first, second = make_supplier(), make_supplier()
    data = shopify_csv("Blue Mug!,Mug,,,,,,,MUG,1,5,,,,,")
    run(first, data)
    report = run(second, data)
    assert report["products_created"] == 1 and report["errors"] == []
    slugs = sorted(db.session.scalars(select(Product.slug)))
    assert slugs == ["blue-mug", "blue-mug-2"]
    assert slugify("Thé  vert_bio") == "thé-vert-bio"


def test_reimport_updates_by_sku_and_handle_without_duplicates(make_supplier, shopify_csv):
    supplier = make_supplier()
    data = shopify_csv(
        "bag,Bag,<p>Old</p>,,,,Colour,Red,BAG-R,2,10,,https://img.example.com/bag.jpg,1,,active",
        "bag,,,,,,,Blue,BAG-B,2,10,,https://img.example.com/bag2.jpg,2,,",
    )
    first = run(supplier, data)
    again = run(supplier, data)
    assert (first["products_created"], first["variants_created"]) == (1, 2)
    assert again == {"products_created": 0, "products_updated": 1, "variants_created": 0,
                     "variants_updated": 2, "errors": []}
    assert (count(Product), count(Variant), count(ProductImage)) == (1, 2, 2)

    changed = shopify_csv(
        "bag,Big bag,<p>New</p>,,,,Colour,Red,BAG-R,7,11.50,,https://img.example.com/bag-new.jpg,1,,draft",
        "bag,,,,,,,Blue,BAG-B,,10,,,,,",
    )
    report = run(supplier, changed)
    assert report["products_updated"] == 1 and report["variants_updated"] == 2
    bag = product("bag")
    assert (bag.title, bag.body_html, bag.published) == ("Big bag", "<p>New</p>", False)
    assert (variant("BAG-R").stock, variant("BAG-R").wholesale_minor) == (7, 1150)
    assert variant("BAG-B").stock == 2  # a blank quantity leaves the stock alone
    assert [i.src for i in bag.images] == ["https://img.example.com/bag-new.jpg"]


def test_reimport_keeps_uploaded_images(make_supplier, make_product, shopify_csv):
    supplier = make_supplier()
    run(supplier, shopify_csv("pen,Pen,,,,,,,PEN,1,2,,https://img.example.com/pen.jpg,1,,"))
    pen = product("pen")
    db.session.add(ProductImage(product_id=pen.id, src="/media/abc-640.jpg", position=5))
    db.session.commit()
    run(supplier, shopify_csv("pen,Pen,,,,,,,PEN,1,2,,https://img.example.com/pen.jpg,1,,"))
    assert sorted(i.src for i in product("pen").images) == ["/media/abc-640.jpg", "https://img.example.com/pen.jpg"]


def test_body_html_is_sanitised(make_supplier, shopify_csv):
    supplier = make_supplier()
    body = ('"<p onclick=""steal()"">Nice<script>alert(1)</script><img src=x onerror=""alert(2)"">'
            '<a href=""javascript:alert(3)"">bad</a> <a href=""https://ok.example"">good</a></p>"')
    run(supplier, shopify_csv(f"toy,Toy,{body},,,,,,TOY,1,2,,,,,"))
    html = product("toy").body_html
    assert "<script" not in html and "alert" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript" not in html
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">good</a>' in html
    assert html.startswith("<p>Nice")


def test_unsafe_image_urls_are_refused(make_supplier, shopify_csv):
    supplier = make_supplier()
    report = run(supplier, shopify_csv(
        "hat,Hat,,,,,,,HAT,1,2,,,,,", "hat,,,,,,,,,,,,javascript:alert(1),2,,"))
    assert report["errors"][0]["row"] == 3 and "Image Src" in report["errors"][0]["message"]
    assert product("hat").images == []


def test_status_and_published_columns(make_supplier, shopify_csv):
    supplier = make_supplier()
    header = "Handle,Title,Variant SKU,Variant Price,Published,Status"
    report = run(supplier, shopify_csv(
        "a,A,A1,1,FALSE,", "b,B,B1,1,TRUE,draft", "c,C,C1,1,,archived", "d,D,D1,1,,", "e,E,E1,1,,sold",
        header=header))
    assert [e["row"] for e in report["errors"]] == [6]
    assert {p.handle: p.published for p in db.session.scalars(select(Product))} == {
        "a": False, "b": False, "c": False, "d": True}


def test_handles_that_come_back_later_in_the_file_add_to_the_same_product(make_supplier, shopify_csv):
    supplier = make_supplier()
    report = run(supplier, shopify_csv(
        "a,A,,,,,,,A1,1,1,,,,,", "b,B,,,,,,,B1,1,1,,,,,", "a,,,,,,,,A2,1,1,,,,,", "c,C,,,,,,,C1,1,1,,,,,",
    ), chunk_products=1)
    assert report["errors"] == [] and report["products_created"] == 3 and report["variants_created"] == 4
    assert [v.sku for v in product("a").variants] == ["A1", "A2"]


def test_chunks_report_progress(make_supplier, shopify_csv):
    supplier = make_supplier()
    lines = [f"p{n},P{n},,,,,,,SKU{n},1,1,,,,," for n in range(10)]
    seen = []
    report = run(supplier, shopify_csv(*lines), progress=seen.append, chunk_products=3)
    assert report["products_created"] == 10
    assert seen == [3, 6, 9, 10]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"name,price\nx,1\n", "no Handle column"),
    (b"Handle,Title\nx,X\n", "Variant SKU, Variant Price"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "Handle"),
])
def test_files_that_cannot_be_imported(make_supplier, data, message):
    supplier = make_supplier()
    with pytest.raises(ImportFileError, match=message):
        import_csv(supplier.id, io.BytesIO(data))


@pytest.mark.parametrize("text, value", [("", None), ("10.0", 10), ("1,200", 1200), ("1.2E+01", 12), ("0", 0)])
def test_parse_stock(text, value):
    assert parse_stock(text) == value


def test_json_items_use_the_same_rules_and_reject_bad_items_whole(make_supplier):
    supplier = make_supplier()
    items = [
        {"handle": "kite", "title": "Kite", "body_html": "<p>Fly<script>x</script></p>", "type": "Toys",
         "options": ["Colour"], "status": "active", "tags": ["wind", "fun"],
         "variants": [{"sku": "KITE-R", "price": "12.50", "inventory_quantity": 4, "option1": "Red"},
                      {"sku": "KITE-B", "price": 13, "option1": "Blue", "compare_at_price": "20"}],
         "images": [{"src": "https://img.example.com/kite.jpg", "alt": "Kite"}]},
        {"handle": "broken", "title": "Broken",
         "variants": [{"sku": "BR-1", "price": "5"}, {"sku": "BR-2", "price": "-1"}]},
        {"handle": "twin", "title": "Twin", "variants": [{"sku": "KITE-R", "price": "5"}]},
        {"title": "No handle", "variants": [{"sku": "NH", "price": "5"}]},
        "not an object",
        {"handle": "empty", "title": "Empty", "variants": []},
    ]
    report = import_items(supplier.id, items)
    db.session.commit()
    assert (report["products_created"], report["variants_created"]) == (1, 2)
    assert [e["item"] for e in report["errors"]] == [1, 2, 3, 4, 5]
    assert report["errors"][0]["message"].startswith("Variant 2: Price must be a positive number")
    kite = product("kite")
    assert kite.body_html == "<p>Fly</p>" and kite.category == "Toys" and kite.tags == "wind, fun"
    assert [(v.sku, v.stock, v.wholesale_minor, v.retail_minor) for v in kite.variants] == [
        ("KITE-R", 4, 1250, None), ("KITE-B", 0, 1300, 2000)]
    assert kite.images[0].alt == "Kite"
    assert product("broken") is None and variant("BR-1") is None

    again = import_items(supplier.id, items[:1])
    assert again["products_updated"] == 1 and again["variants_updated"] == 2 and again["errors"] == []

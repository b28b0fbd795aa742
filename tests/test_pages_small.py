"""Small pages for phones on slow networks: compression, ETags, hashed static files, page weight, images."""
import gzip
import re
from pathlib import Path

import brotli
import pytest

from shop.catalog.models import Product, ProductImage, Variant
from shop.extensions import db
from shop.stores.models import Pick

STATIC = Path(__file__).resolve().parent.parent / "static"
HASHED_CSS = re.compile(r'href="(/static/app\.([0-9a-f]{10})\.css)"')
BUDGET = 30 * 1024


@pytest.fixture
def full_store(make_store, make_supplier):
    """A store with 24 products, each with two variants, a stored (/media/) picture and a description."""
    store = make_store(name="Mei's Picks", slug="meis-picks")
    store.tagline = "Little things for calm homes"
    supplier = make_supplier()
    for n in range(24):  # built in one transaction: the builders commit per row, 24 times slower
        product = Product(
            supplier_id=supplier.id, handle=f"mug-{n}", slug=f"mug-{n}", title=f"Glazed stoneware mug no. {n}",
            category="Home", option1_name="Size",
            body_html="<p>Hand-glazed stoneware, 350 ml, dishwasher safe. Each one is a little different.</p>",
        )
        for i, (wholesale, stock) in enumerate(((900, 5), (1100, 3)), start=1):
            product.variants.append(Variant(supplier_id=supplier.id, sku=f"MUG-{n}-{i}", option1=f"S{i}",
                                            wholesale_minor=wholesale, stock=stock, position=i))
        product.images.append(ProductImage(src=f"/media/{n:032x}-640.jpg", position=1, alt=product.title))
        db.session.add(Pick(store=store, product=product, price_minor=2500 + n, position=n))
    db.session.commit()
    return store


def _gz(data: bytes) -> int:
    return len(gzip.compress(data))


def test_pages_are_gzipped_for_browsers_that_accept_it(client, full_store):
    response = client.get("/s/meis-picks", headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    page = gzip.decompress(response.data).decode()
    assert "Glazed stoneware mug no. 23" in page
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_brotli_is_preferred_when_the_browser_offers_it(client, full_store):
    response = client.get("/s/meis-picks", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"</html>" in brotli.decompress(response.data)


def test_nothing_is_compressed_without_accept_encoding_or_when_tiny(client, full_store):
    assert "Content-Encoding" not in client.get("/s/meis-picks").headers
    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers


def test_htmx_fragments_are_compressed_too(login, full_store):
    response = login(full_store.user).get("/catalog", headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert b"<html" not in gzip.decompress(response.data)


@pytest.mark.parametrize("path", ["/", "/s/meis-picks", "/s/meis-picks/p/{slug}"])
def test_public_pages_answer_304_when_the_browser_has_them(client, full_store, path):
    url = path.format(slug=full_store.picks[0].product.slug)
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"] and "no-cache" in first.headers["Cache-Control"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    plain = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert plain.status_code == 304  # the weak tag of the gzipped copy matches the plain one too


def test_a_changed_page_or_another_session_gets_the_whole_page(app, client, full_store):
    with client.session_transaction() as session:
        session["seen"] = True  # a browser with a session gets pages carrying its own CSRF token
    first = client.get("/s/meis-picks")
    tag = first.headers["ETag"]
    other = app.test_client()
    with other.session_transaction() as session:
        session["seen"] = True
    # Another browser's page carries another token: never a 304 against this one's tag.
    assert other.get("/s/meis-picks", headers={"If-None-Match": tag}).status_code == 200
    full_store.picks[0].price_minor = 9999
    db.session.commit()
    changed = client.get("/s/meis-picks", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "$99.99" in changed.text


def test_static_files_have_content_hashed_names_cached_for_a_year(client, full_store):
    page = client.get("/s/meis-picks").text
    url, digest = HASHED_CSS.search(page).groups()
    assert re.search(r'src="/static/app\.[0-9a-f]{10}\.js" defer', page)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(response.data) == (STATIC / "app.css").read_bytes()
    import hashlib

    assert hashlib.sha256((STATIC / "app.css").read_bytes()).hexdigest()[:10] == digest


def test_a_stale_hash_gets_the_current_file_without_long_caching(client):
    response = client.get("/static/app.0123456789.css")
    assert response.status_code == 200 and response.data == (STATIC / "app.css").read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/nothing.0123456789.css").status_code == 404
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/..%2F..%2Fetc%2Fpasswd.0123456789.css").status_code == 404


@pytest.mark.parametrize("which", ["store", "product"])
def test_store_and_product_pages_weigh_at_most_30_kb_compressed(client, full_store, which):
    url = "/s/meis-picks" if which == "store" else f"/s/meis-picks/p/{full_store.picks[0].product.slug}"
    html = client.get(url).data
    assert html.count(b"<picture>") == (24 if which == "store" else 1)
    css = client.get(HASHED_CSS.search(html.decode()).group(1)).data
    scripts = [src for src in re.findall(r'<script src="([^"]+)"', html.decode()) if "htmx" not in src]
    js = [client.get(src).data for src in scripts]
    total = _gz(html) + _gz(css) + sum(_gz(body) for body in js)
    assert total <= BUDGET, f"{which} page: {total} bytes compressed"


@pytest.mark.parametrize("which", ["store", "product"])
def test_nothing_blocks_rendering_but_the_one_stylesheet(client, full_store, which):
    url = "/s/meis-picks" if which == "store" else f"/s/meis-picks/p/{full_store.picks[0].product.slug}"
    head = client.get(url).text.split("</head>")[0]
    assert len(re.findall(r"<link[^>]+rel=\"stylesheet\"", head)) == 1
    scripts = re.findall(r"<script\b[^>]*>", head)
    assert scripts and all(" defer" in tag or " async" in tag for tag in scripts)


def test_storefront_tiles_load_the_first_row_at_once_and_the_rest_lazily(client, full_store):
    page = client.get("/s/meis-picks").text
    imgs = re.findall(r"<img [^>]*>", page)
    assert len(imgs) == 24
    assert not any('loading="lazy"' in tag for tag in imgs[:4])
    assert all('loading="lazy"' in tag for tag in imgs[4:])
    assert all('width="320" height="320"' in tag for tag in imgs)


def test_product_page_main_image_has_high_priority(client, full_store):
    page = client.get(f"/s/meis-picks/p/{full_store.picks[0].product.slug}").text
    main = re.search(r"<img [^>]*>", page).group(0)
    assert 'fetchpriority="high"' in main and 'loading="lazy"' not in main


def _picture(app, *args, **kwargs):
    template = app.jinja_env.from_string('{% from "_img.html" import picture %}{{ picture(*args, **kwargs) }}')
    return template.render(args=args, kwargs=kwargs)


def test_picture_macro_offers_webp_and_jpeg_at_every_width(app):
    html = _picture(app, "/media/abc123-640.jpg", 'A "blue" mug & <saucer>', "50vw", 320, 320)
    assert html.startswith("<picture>") and html.rstrip().endswith("</picture>")
    assert ('<source type="image/webp" srcset="/media/abc123-160.webp 160w, /media/abc123-320.webp 320w, '
            '/media/abc123-640.webp 640w" sizes="50vw">') in html
    assert 'srcset="/media/abc123-160.jpg 160w, /media/abc123-320.jpg 320w, /media/abc123-640.jpg 640w"' in html
    assert 'src="/media/abc123-320.jpg"' in html and 'width="320" height="320"' in html
    assert 'alt="A &#34;blue&#34; mug &amp; &lt;saucer&gt;"' in html
    assert 'loading="lazy"' in html and "fetchpriority" not in html


def test_picture_macro_priority_image_is_eager(app):
    html = _picture(app, "/media/abc123-640.jpg", "Mug", "100vw", 640, 640, priority=True)
    assert 'fetchpriority="high"' in html and 'loading="lazy"' not in html
    assert 'loading="lazy"' not in _picture(app, "/media/abc123-640.jpg", "Mug", "100vw", 640, 640, lazy=False)


def test_picture_macro_leaves_outside_images_as_a_plain_img(app):
    html = _picture(app, "https://cdn.example.com/mug.jpg", "Mug", "50vw", 320, 320)
    assert "<picture>" not in html and "srcset" not in html
    assert html.startswith('<img src="https://cdn.example.com/mug.jpg" width="320" height="320" alt="Mug"')


def test_catalog_tiles_come_as_webp_with_the_first_row_at_once(login, full_store):
    page = login(full_store.user).get("/catalog").text
    assert page.count("<picture>") == page.count('<li class="tile">') > 2
    imgs = re.findall(r"<img [^>]*>", page)
    assert not any('loading="lazy"' in tag for tag in imgs[:2])
    assert all('loading="lazy"' in tag for tag in imgs[2:])
    assert all('width="320" height="320"' in tag for tag in imgs)


def test_cart_thumbnails_are_the_smallest_webp(client, full_store):
    pick = full_store.picks[0]
    client.get(f"/s/{full_store.slug}")
    client.post(f"/s/{full_store.slug}/cart/add", data={"variant_id": pick.product.variants[0].id, "quantity": 1})
    page = client.get(f"/s/{full_store.slug}/cart").text
    assert '<source type="image/webp"' in page and 'sizes="64px"' in page
    fragment = client.post(f"/s/{full_store.slug}/cart/lines/{1}", data={"quantity": 2},
                           headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and "<picture>" in fragment

"""Photos sent to the API as outside addresses are copied to /media once the upsert is committed."""
from sqlalchemy import select

from shop.catalog.models import ProductImage
from shop.extensions import db
from tests.catalog.test_photos import jpeg, photo_server  # noqa: F401


def test_an_upsert_copies_its_photos(make_supplier, api_for, photo_server):  # noqa: F811
    photo_server.expect_oneshot_request("/kettle.jpg").respond_with_data(jpeg(), content_type="image/jpeg")
    url = photo_server.url_for("/kettle.jpg")
    product = {"handle": "kettle", "title": "Kettle", "variants": [{"sku": "KET-1", "price": "12.50"}],
               "images": [{"src": url, "alt": "A kettle"}]}

    answer = api_for(make_supplier()).post("/api/v1/products", {"products": [product]})

    assert answer.status_code == 200
    image = db.session.scalars(select(ProductImage)).one()
    assert image.src.startswith("/media/") and image.remote_src == url

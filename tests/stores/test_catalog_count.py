"""A search that matches thousands of products counts only so far, and lists the newest first."""
from shop.stores import views


def test_a_common_word_is_counted_up_to_the_cap(app, shop_owner, make_product, monkeypatch):
    _store, client = shop_owner()
    for n in range(4):
        make_product(title=f"Linen towel {n}")
    make_product(title="Oak shelf")
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    app.config["PER_PAGE"] = 1
    page = client.get("/catalog?q=linen").text
    assert "More than 2 products" in page and "Page 1</span>" in page and "Page 1 of" not in page
    assert "Next page" in page
    page = client.get("/catalog?q=oak").text
    assert "1 product" in page and "More than" not in page


def test_the_newest_product_comes_first(shop_owner, make_product):
    _store, client = shop_owner()
    make_product(title="Older mug")
    make_product(title="Newer mug")
    page = client.get("/catalog?q=mug").text
    assert page.index("Newer mug") < page.index("Older mug")

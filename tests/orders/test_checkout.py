"""Guest checkout: the form, its errors, prices from the database only."""

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Variant
from shop.extensions import db
from shop.orders.forms import country_choices
from shop.orders.models import Order, OrderStatus
from shop.stores.models import Pick


def test_an_empty_cart_cannot_check_out(client, shop_with):
    store, _ = shop_with((1000, 5))
    response = client.get(f"/s/{store.slug}/checkout")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/s/{store.slug}/cart")


def test_errors_show_by_each_field_and_keep_the_input(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    typed = {**address, "email": "not-an-email", "city": "", "phone": "call me", "address2": "Flat 3"}
    response = client.post(f"/s/{store.slug}/checkout", data=typed)
    assert response.status_code == 200
    assert 'id="email-error"' in response.text and 'id="city-error"' in response.text
    assert 'id="phone-error"' in response.text and 'id="customer_name-error"' not in response.text
    assert 'value="not-an-email"' in response.text and 'value="Flat 3"' in response.text
    assert 'value="Ada Lovelace"' in response.text and '<option selected value="GB">' in response.text
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_an_unknown_country_is_refused(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    response = client.post(f"/s/{store.slug}/checkout", data={**address, "country": "XX"})
    assert 'id="country-error"' in response.text
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_country_defaults_from_the_browser_language(client, shop_with, add):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    page = client.get(f"/s/{store.slug}/checkout", headers={"Accept-Language": "en-AU,en;q=0.8"})
    assert '<option selected value="AU">Australia</option>' in page.text
    page = client.get(f"/s/{store.slug}/checkout", headers={"Accept-Language": "en"})
    assert '<option selected value="US">' in page.text


def test_country_names_follow_the_locale():
    assert ("FR", "France") in country_choices("en")
    assert ("FR", "法国") in country_choices("zh")
    assert all(len(code) == 2 for code, _name in country_choices("en"))


def test_not_enough_stock_is_shown_on_the_page_with_the_input_kept(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0], 3)
    variant = db.session.get(Variant, mug.variants[0].id)
    variant.stock = 1
    db.session.commit()
    response = client.post(f"/s/{store.slug}/checkout", data=address)
    assert response.status_code == 200
    assert f"Only 1 left of {mug.title}." in response.text
    assert 'value="SW1Y 4JH"' in response.text
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_the_order_is_priced_from_the_database_not_the_form(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5), price=1500)
    add(store, mug.variants[0], 2)
    tampered = {**address, "total_minor": "1", "unit_price_minor": "1", "price": "0.01", "store_id": "999"}
    client.post(f"/s/{store.slug}/checkout", data=tampered)
    order = db.session.scalar(select(Order))
    assert order.total_minor == 3000 and order.store_id == store.id
    assert order.status is OrderStatus.pending_payment
    [line] = order.lines
    assert (line.unit_price_minor, line.unit_wholesale_minor, line.unit_fee_minor) == (1500, 1000, 150)
    assert order.email == "ada@example.com" and order.country == "GB" and order.locale == "en"


def test_a_price_below_the_floor_cannot_be_bought(client, shop_with, add, address):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    pick = db.session.scalar(select(Pick))
    pick.price_minor = 1000  # no room for the platform fee
    db.session.commit()
    response = client.post(f"/s/{store.slug}/checkout", data=address)
    assert "is not available right now" in response.text
    assert db.session.scalar(select(func.count(Order.id))) == 0


@pytest.mark.parametrize("header", [{}, {"HX-Request": "true", "HX-Boosted": "true"}])
def test_checkout_page_is_a_whole_page(client, shop_with, add, header):
    store, (mug,) = shop_with((1000, 5))
    add(store, mug.variants[0])
    page = client.get(f"/s/{store.slug}/checkout", headers=header)
    assert "<html" in page.text and 'hx-boost="false"' in page.text



def _check_out_and_pay(client, store, address, sql_statements):
    """The first word of each statement run to check out, and to pay."""
    with sql_statements() as checking_out:
        response = client.post(f"/s/{store.slug}/checkout", data=address)
    assert "/pay/demo/" in response.headers["Location"]
    with sql_statements() as paying:
        paid = client.post(response.headers["Location"])
    assert "/o/" in paid.headers["Location"]
    return tuple([s.split(None, 1)[0].upper() for s in seen] for seen in (checking_out, paying))


def test_checkout_and_payment_run_a_fixed_number_of_reads(client, make_store, make_supplier, make_product,
                                                          make_pick, add, address, sql_statements):
    """Pricing happens once per checkout and paying loads the order once: reads do not grow with lines.

    (Writes may: SQLite inserts order lines one by one, and each line takes its stock by its own UPDATE.)
    The tests run jobs at once, so paying here also counts what the confirmation and forwarding jobs read.
    """
    supplier = make_supplier()
    products = [make_product(supplier=supplier, variants=((w, 50),)) for w in (1000, 700, 400, 300)]
    store, other = make_store(), make_store()
    make_pick(store, products[0])
    add(store, products[0].variants[0])
    one = _check_out_and_pay(client, store, address, sql_statements)
    for product in products[1:]:
        make_pick(other, product)
        add(other, product.variants[0], quantity=2)
    three = _check_out_and_pay(client, other, address, sql_statements)
    assert one[0].count("SELECT") == three[0].count("SELECT") <= 7
    assert len(one[0]) <= 10
    assert one[1].count("SELECT") == three[1].count("SELECT")
    assert db.session.scalar(select(func.count(Order.id)).where(Order.status == OrderStatus.paid)) == 2

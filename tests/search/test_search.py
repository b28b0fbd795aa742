"""Catalog search: the trigram index on each database, kept in step with products, and the LIKE fallback."""
import pytest
from sqlalchemy import select

from shop.catalog.models import Product, SupplierStatus
from shop.catalog.search import FTS_TABLE, match
from shop.extensions import db
from shop.stores.services import catalog_choices


def found(query: str) -> set[str]:
    return set(db.session.scalars(select(Product.title).where(match(query))))


@pytest.fixture
def catalog(make_product):
    make_product(title="Blue Linen Scarf")
    make_product(title="Red linen apron")
    make_product(title="Walnut Tray")
    make_product(title="青花瓷茶杯 teacup")
    return make_product


def test_finds_any_part_of_a_title_case_insensitively(catalog):
    assert found("linen") == {"Blue Linen Scarf", "Red linen apron"}
    assert found("LINEN SC") == {"Blue Linen Scarf"}
    assert found("alnut") == {"Walnut Tray"}
    assert found("青花瓷") == {"青花瓷茶杯 teacup"}
    assert found("velvet") == set()


def test_short_queries_and_wildcards_fall_back_to_like(catalog):
    assert found("ap") == {"Red linen apron"}
    assert found("茶杯") == {"青花瓷茶杯 teacup"}
    assert found("%") == set() and found("_") == set()


def test_quotes_and_query_syntax_are_plain_text(catalog):
    assert found('linen" OR "tray') == set()
    assert found("Walnut*") == set()
    assert found('"') == set()


def test_uses_the_index_on_each_database(app):
    sql = str(select(Product.id).where(match("linen")).compile(db.engine))
    if db.engine.dialect.name == "sqlite":
        assert f"{FTS_TABLE} MATCH" in sql
    else:
        indexes = db.session.execute(
            select(db.text("indexdef")).select_from(db.text("pg_indexes")).where(db.text("tablename = 'products'"))
        ).scalars()
        assert any("gin_trgm_ops" in i for i in indexes)


def test_renamed_and_deleted_products_follow_in_the_index(catalog):
    tray = db.session.scalar(select(Product).where(Product.title == "Walnut Tray"))
    tray.title = "Oak Board"
    db.session.commit()
    assert found("walnut") == set() and found("oak bo") == {"Oak Board"}
    db.session.delete(tray)  # its variants and images go with it
    db.session.commit()
    assert found("oak bo") == set()


def test_filter_menus_list_only_what_is_on_sale(make_supplier, make_product):
    acme, zen = make_supplier(name="acme"), make_supplier(name="Zen")
    hidden = make_supplier(name="Hidden", status=SupplierStatus.pending)
    make_product(supplier=acme, category="Kitchen")
    make_product(supplier=zen, category="Home")
    make_product(supplier=zen, category="")
    make_product(supplier=hidden, category="Secret")
    draft = make_product(supplier=zen, category="Drafts")
    draft.published = False
    db.session.commit()
    categories, suppliers = catalog_choices()
    assert categories == ["Home", "Kitchen"]
    assert suppliers == [(acme.id, "acme"), (zen.id, "Zen")]


def test_filter_menus_take_the_same_queries_for_any_catalog_size(make_supplier, make_product, count_queries):
    supplier = make_supplier()
    make_product(supplier=supplier, category="A")
    with count_queries() as few:
        catalog_choices()
    for n in range(15):
        make_product(supplier=supplier, category=f"C{n % 5}")
    with count_queries() as many:
        catalog_choices()
    assert many() == few()

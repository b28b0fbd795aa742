"""Builder fixtures: each returns a function that makes a row with sensible defaults."""
import itertools

import pytest

from shop.accounts.models import Role, User
from shop.catalog.models import Product, ProductImage, Supplier, SupplierStatus, Variant
from shop.extensions import db
from shop.stores.models import Pick, Store

_seq = itertools.count(1)


@pytest.fixture
def make_user(app):
    def build(role=Role.reseller, email=None, password="correct horse 9", name="Test"):
        user = User(email=email or f"user{next(_seq)}@example.com", role=role, name=name)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return build


@pytest.fixture
def make_supplier(make_user):
    def build(name=None, status=SupplierStatus.approved, email=None):
        user = make_user(Role.supplier, email=email)
        supplier = Supplier(user_id=user.id, name=name or f"Supplier {user.id}", email=user.email, status=status)
        db.session.add(supplier)
        db.session.commit()
        return supplier

    return build


@pytest.fixture
def make_product(make_supplier):
    def build(supplier=None, title=None, variants=((1000, 10),), category="Home", retail=None, image=True):
        """variants: (wholesale_minor, stock) pairs."""
        supplier = supplier or make_supplier()
        n = next(_seq)
        product = Product(
            supplier_id=supplier.id, handle=f"product-{n}", slug=f"product-{n}",
            title=title or f"Product {n}", category=category, option1_name="Size" if len(variants) > 1 else "",
        )
        for i, (wholesale, stock) in enumerate(variants, start=1):
            product.variants.append(
                Variant(
                    supplier_id=supplier.id, sku=f"SKU-{n}-{i}", option1=f"S{i}" if len(variants) > 1 else "",
                    wholesale_minor=wholesale, retail_minor=retail, stock=stock, position=i,
                )
            )
        if image:
            product.images.append(ProductImage(src=f"https://img.example.com/{n}.jpg", position=1))
        db.session.add(product)
        db.session.commit()
        return product

    return build


@pytest.fixture
def make_store(make_user):
    def build(user=None, name=None, slug=None):
        user = user or make_user(Role.reseller)
        n = next(_seq)
        store = Store(user_id=user.id, name=name or f"Store {n}", slug=slug or f"store-{n}")
        db.session.add(store)
        db.session.commit()
        return store

    return build


@pytest.fixture
def make_pick(app):
    def build(store, product, price=None):
        pick = Pick(store_id=store.id, product_id=product.id, price_minor=price or product.min_wholesale * 2,
                    position=len(store.picks))
        db.session.add(pick)
        db.session.commit()
        return pick

    return build

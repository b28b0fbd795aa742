"""Fixtures for the stores tests: a reseller signed in with a store."""
import pytest

from shop.accounts.models import Role


@pytest.fixture
def shop_owner(make_user, make_store, login):
    """A store and a client signed in as its reseller."""

    def build(name=None, slug=None):
        user = make_user(Role.reseller)
        store = make_store(user=user, name=name, slug=slug)
        return store, login(user)

    return build

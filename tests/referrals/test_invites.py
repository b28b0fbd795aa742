"""Invites: the invite page, opening a store through the link, and nothing paid for a sign-up."""
import pytest
from sqlalchemy import func, select

from shop.accounts.models import Role
from shop.earnings.models import LedgerEntry, LedgerTransaction
from shop.extensions import db
from shop.referrals import services
from shop.stores import services as store_services
from shop.stores.models import Store


def _open(client, code, email="new@example.com", name="Newcomer"):
    return client.post("/open", data={"name": name, "email": email, "password": "long enough", "invite": code})


def test_the_invite_page_shows_the_link_qr_and_rules(login, make_store, make_user):
    store = make_store(user=make_user(Role.reseller))
    page = login(store.user).get("/my/invite")
    assert page.status_code == 200
    url = f"http://localhost/join/{store.invite_code}"
    assert f'value="{url}"' in page.text and f'data-copy="{url}"' in page.text
    assert "<svg" in page.text and "two levels at most" in page.text
    assert "Nothing is paid for a sign-up" in page.text and 'href="/terms/referrals"' in page.text
    assert "Nobody yet" in page.text


@pytest.mark.parametrize("role", [Role.supplier, Role.admin])
def test_the_invite_page_is_for_resellers_only(login, make_user, role):
    assert login(make_user(role)).get("/my/invite").status_code == 404


def test_the_invite_page_asks_a_visitor_to_log_in(client):
    assert client.get("/my/invite").status_code == 302


def test_join_page_carries_the_code_in_a_hidden_field(client, make_store):
    inviter = make_store(name="Lily's")
    page = client.get(f"/join/{inviter.invite_code}")
    assert page.status_code == 200
    assert f'name="invite" type="hidden" value="{inviter.invite_code}"' in page.text
    assert "Lily&#39;s invited you" in page.text and 'action="/open"' in page.text
    assert "Nobody pays to join" in page.text


def test_unknown_invite_code_is_404(client):
    assert client.get("/join/nosuchcode").status_code == 404


def test_a_signed_in_user_is_not_asked_to_open_another_store(login, make_store, make_user):
    inviter = make_store()
    response = login(make_user(Role.reseller)).get(f"/join/{inviter.invite_code}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_opening_a_store_through_the_invite_sets_the_inviter_and_pays_nothing(client, make_store):
    inviter = make_store()
    assert _open(client, inviter.invite_code).status_code == 302
    store = db.session.scalar(select(Store).where(Store.name == "Newcomer"))
    assert store.invited_by_id == inviter.id
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 0


def test_the_invitee_shows_on_the_inviters_page(client, login, make_store, make_user):
    inviter = make_store(user=make_user(Role.reseller))
    _open(client, inviter.invite_code, name="Second")
    second = db.session.scalar(select(Store).where(Store.name == "Second"))
    _open(client.application.test_client(), second.invite_code, email="third@example.com", name="Third")
    assert services.invitees(inviter) == [(second, 1)]
    page = login(inviter.user).get("/my/invite").text
    assert "Second" in page and "invited 1 store" in page and "Third" not in page


def test_a_bad_or_missing_code_opens_a_store_without_inviter(client):
    assert _open(client, "no-such-code").status_code == 302
    _open(client.application.test_client(), "", email="b@example.com", name="Plain")
    assert db.session.scalars(select(Store.invited_by_id)).all() == [None, None]


def test_a_store_cannot_be_its_own_inviter(app):
    first = store_services.open_store("Solo", "solo@example.com", "long enough")
    db.session.commit()
    assert first.invited_by_id is None
    # A code names an existing store, so a new store can only ever point at an older one.
    second = store_services.open_store("Next", "next@example.com", "long enough", invited_by=first)
    assert second.invited_by_id == first.id != second.id
    assert services.override_chain(second, second.created_at, self_purchase=False)[0][0] == first.id


def test_invites_open_a_chain_and_the_ledger_stays_empty(client, make_store):
    top = make_store()
    code = top.invite_code
    for n in range(4):
        _open(client.application.test_client(), code, email=f"s{n}@example.com", name=f"S{n}")
        code = db.session.scalar(select(Store.invite_code).where(Store.name == f"S{n}"))
    assert db.session.scalar(select(func.count(Store.id))) == 5
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0

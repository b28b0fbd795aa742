"""The public terms page and the operator's referral rules."""
import pytest

from shop.accounts.models import Role
from shop.extensions import db
from shop.settings import get_int, set_int


def test_terms_are_public_and_plain(client):
    page = client.get("/terms/referrals")
    assert page.status_code == 200
    text = page.text
    assert "10% of the platform fee" in text and "5% of the platform fee" in text and "12 months" in text
    assert "Two levels at most" in text and "nothing is ever paid for a sign-up" in text
    assert "no fee to join" in text and "Nobody earns an invite reward on your own purchases" in text
    assert "keep your margin" in text and "30 days" in text
    assert "When an item is refunded, the earnings on it are taken back" in text


def test_terms_follow_the_operators_settings(client):
    set_int("override_level1_bp", 1250)
    set_int("attribution_days", 1)
    set_int("self_purchase_margin", 0)
    db.session.commit()
    text = client.get("/terms/referrals").text
    assert "12.5% of the platform fee" in text and "for 1 day." in text and "goes to the platform" in text
    set_int("override_months", 0)
    db.session.commit()
    assert "Inviting resellers earns nothing at the moment" in client.get("/terms/referrals").text


def test_the_operator_sets_the_rules(login, make_user):
    admin = login(make_user(Role.admin))
    page = admin.get("/admin/referrals")
    assert page.status_code == 200 and 'value="30"' in page.text and 'value="1000"' in page.text
    assert "100 basis points are 1% of the fee" in page.text and "never a third level" in page.text
    response = admin.post("/admin/referrals", data={
        "attribution_days": "7", "override_level1_bp": "2000", "override_level2_bp": "0", "override_months": "6",
    })
    assert response.status_code == 302
    assert [get_int(k) for k in ("attribution_days", "override_level1_bp", "override_level2_bp",
                                 "override_months", "self_purchase_margin")] == [7, 2000, 0, 6, 0]


@pytest.mark.parametrize("field, value", [
    ("attribution_days", "0"), ("attribution_days", "366"), ("override_level1_bp", "5001"),
    ("override_level2_bp", "-1"), ("override_months", "61"), ("override_months", "x"),
])
def test_the_rules_are_checked(login, make_user, field, value):
    data = {"attribution_days": "30", "override_level1_bp": "1000", "override_level2_bp": "500",
            "override_months": "12", "self_purchase_margin": "y", field: value}
    page = login(make_user(Role.admin)).post("/admin/referrals", data=data)
    assert page.status_code == 200 and 'class="error"' in page.text
    assert get_int("attribution_days") == 30 and get_int("override_months") == 12


@pytest.mark.parametrize("role", [Role.reseller, Role.supplier])
def test_only_the_operator_sees_the_rules(login, make_user, role):
    assert login(make_user(role)).get("/admin/referrals").status_code == 404

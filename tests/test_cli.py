"""flask users create: accounts from the command line, never waiting for input."""
import pytest
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.catalog.models import Supplier, SupplierStatus
from shop.extensions import db


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=list(args), input="")

    return invoke


def _user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize("role", ["reseller", "admin"])
def test_creates_an_account_with_the_given_password(run, role):
    result = run("users", "create", "--role", role, "Kim@Example.com", "--password", "long enough 1")
    assert result.exit_code == 0, result.output
    assert f"created {role} kim@example.com" in result.output
    assert "long enough 1" not in result.output
    user = _user("kim@example.com")
    assert user.role is Role(role)
    assert user.check_password("long enough 1")


def test_a_supplier_account_comes_with_its_supplier_awaiting_approval(run):
    result = run("users", "create", "--role", "supplier", "--name", "Acme Goods", "ops@acme.example",
                 "--password", "long enough 1")
    assert result.exit_code == 0, result.output
    supplier = db.session.scalar(select(Supplier).where(Supplier.email == "ops@acme.example"))
    assert supplier.name == "Acme Goods"
    assert supplier.status is SupplierStatus.pending


def test_without_a_password_one_is_generated_and_printed(run):
    result = run("users", "create", "--role", "reseller", "new@example.com")
    assert result.exit_code == 0, result.output
    password = result.output.strip().rsplit(" ", 1)[-1]
    assert len(password) >= 12
    assert _user("new@example.com").check_password(password)


def test_a_duplicate_email_fails_with_a_message(run, make_user):
    make_user(email="taken@example.com")
    result = run("users", "create", "--role", "admin", "TAKEN@example.com", "--password", "long enough 1")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert db.session.scalar(select(User.role).where(User.email == "taken@example.com")) is Role.reseller


@pytest.mark.parametrize("args", [
    ["users", "create", "someone@example.com"],
    ["users", "create", "--role", "owner", "someone@example.com"],
])
def test_a_missing_or_unknown_role_is_refused_without_prompting(run, args):
    result = run(*args)
    assert result.exit_code == 2
    assert _user("someone@example.com") is None


def test_an_invalid_email_is_refused(run):
    result = run("users", "create", "--role", "reseller", "not-an-email", "--password", "long enough 1")
    assert result.exit_code != 0
    assert "email" in result.output.lower()
    assert db.session.scalar(select(User.id)) is None

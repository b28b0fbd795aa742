"""Command-line entry points: flask --app app users|catalog|demo|ledger ..."""
import secrets

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from shop.extensions import db


def register(app: Flask) -> None:
    from shop.api.cli import api_keys_cli
    from shop.catalog.cli import catalog_cli
    from shop.demo import demo_cli
    from shop.earnings.cli import earnings_cli, ledger_cli
    from shop.fulfillment.cli import pipeline_cli
    from shop.payments.cli import payouts_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(api_keys_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(pipeline_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(earnings_cli)
    app.cli.add_command(payouts_cli)


@click.group("users", help="Manage accounts.")
def users_cli():
    pass


@users_cli.command("create")
@click.option("--role", type=click.Choice(["supplier", "reseller", "admin"]), required=True)
@click.option("--password", default=None, help="Without it a password is generated and printed.")
@click.option("--name", default="", help="Display name (the company name for a supplier).")
@click.argument("email")
def create_user_command(role, password, name, email):
    """Create an account; never waits for input."""
    from shop.accounts.models import Role
    from shop.accounts.services import SignupError, create_supplier, create_user

    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        if role == "supplier":
            user = create_supplier(name or email.split("@")[0], email, password).user
        else:
            user = create_user(email, password, Role(role), name=name)
    except SignupError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {role} {user.email}" + (f" with password {password}" if generated else ""))


def _user_by_email(email: str):
    from sqlalchemy import func, select

    from shop.accounts.models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account with the email {email}")
    return user


@users_cli.command("totp")
@click.argument("email")
def totp_command(email):
    """Print the account's current two-factor code (for the demo accounts, or support on the server)."""
    import pyotp

    user = _user_by_email(email)
    if not user.totp_secret:
        raise click.ClickException(f"{user.email} has no two-factor sign-in set up")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@users_cli.command("reset-2fa")
@click.argument("email")
def reset_two_factor_command(email):
    """Turn two-factor sign-in off for someone who lost phone and codes, and sign them out everywhere."""
    from sqlalchemy import delete

    from shop.accounts.models import UserSession
    from shop.accounts.totp import disable_totp

    user = _user_by_email(email)
    disable_totp(user)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()
    suffix = " (staff set it up again at their next sign-in)" if user.is_staff else ""
    click.echo(f"two-factor sign-in is off for {user.email}{suffix}")

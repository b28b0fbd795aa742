"""Command-line entry points: flask --app app users|catalog|demo|ledger ..."""
import secrets

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from shop.extensions import db


def register(app: Flask) -> None:
    from shop.catalog.cli import catalog_cli
    from shop.demo import demo_cli
    from shop.earnings.cli import ledger_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(ledger_cli)


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

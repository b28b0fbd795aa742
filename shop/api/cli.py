"""flask --app app api-keys create EMAIL [--name NAME]"""
import click
from flask_babel import gettext as _
from sqlalchemy import func, select

from shop.extensions import db


@click.group("api-keys", help="Supplier API keys.")
def api_keys_cli():
    pass


@api_keys_cli.command("create")
@click.argument("email")
@click.option("--name", default="Command line", show_default=True, help="What the key is for.")
def create_command(email, name):
    """Make an API key for a supplier and print it; it is shown this once."""
    from shop.catalog.models import Supplier

    from .services import create_api_key

    supplier = db.session.scalar(select(Supplier).where(func.lower(Supplier.email) == email.strip().lower()))
    if supplier is None:
        raise click.ClickException(_("No supplier has the email %(email)s.", email=email))
    key, secret = create_api_key(supplier, name)
    db.session.commit()
    click.echo(_("API key %(name)s for %(supplier)s (shown once, keep it safe):", name=key.name,
                 supplier=supplier.name))
    click.echo(secret)

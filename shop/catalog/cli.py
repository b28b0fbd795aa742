"""flask --app app catalog import FILE --supplier EMAIL [--json]"""
import json

import click
from flask_babel import gettext as _
from sqlalchemy import func, select

from shop.extensions import db


@click.group("catalog", help="Supplier catalogs.")
def catalog_cli():
    pass


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--supplier", "email", required=True, help="The supplier's sign-in email.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def import_command(file, email, as_json):
    """Import a Shopify product CSV for a supplier, now; bad rows are reported, good ones kept."""
    from .importer import ImportFileError, import_csv
    from .models import Supplier

    supplier = db.session.scalar(select(Supplier).where(func.lower(Supplier.email) == email.strip().lower()))
    if supplier is None:
        raise click.ClickException(_("No supplier has the email %(email)s.", email=email))
    try:
        with open(file, "rb") as stream:
            report = import_csv(supplier.id, stream, progress=lambda _rows: db.session.commit())
    except ImportFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(_("Products created: %(n)s", n=report["products_created"]))
    click.echo(_("Products updated: %(n)s", n=report["products_updated"]))
    click.echo(_("Variants created: %(n)s", n=report["variants_created"]))
    click.echo(_("Variants updated: %(n)s", n=report["variants_updated"]))
    click.echo(_("Rows with errors: %(n)s", n=len(report["errors"])))
    for error in report["errors"]:
        click.echo(_("  row %(row)s: %(message)s", row=error["row"], message=error["message"]))

"""flask --app app catalog import FILE --supplier EMAIL [--json]"""
import click


@click.group("catalog", help="Supplier catalogs.")
def catalog_cli():
    pass

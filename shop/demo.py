"""Demo data, made locally: flask --app app demo load"""
import click


@click.group("demo", help="Demo data.")
def demo_cli():
    pass

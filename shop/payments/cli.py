"""flask --app app payouts run"""
import click


@click.group("payouts", help="Payouts to resellers and suppliers.")
def payouts_cli():
    pass


@payouts_cli.command("run")
def run_command():
    """Transfer what is available to every payee with an enabled Stripe Connect account."""
    from .tasks import transfer_now

    made = transfer_now()
    click.echo(f"made {len(made)} transfers, {sum(p.amount_minor for p in made)} in minor units")

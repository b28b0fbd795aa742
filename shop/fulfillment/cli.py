"""flask --app app pipeline sweep|feeds: the order pipeline's periodic work, on demand."""
import click

from shop.extensions import db


@click.group("pipeline", help="The order pipeline to suppliers.")
def pipeline_cli():
    pass


@pipeline_cli.command("sweep")
def sweep_command():
    """Send due webhook deliveries now and enqueue paid orders not yet forwarded."""
    from . import webhooks
    from .tasks import forward_due

    outcomes = [webhooks.attempt_delivery(delivery_id) for delivery_id in webhooks.due_deliveries()]
    orders = forward_due()
    db.session.commit()
    delivered = sum(1 for status in outcomes if status is webhooks.DeliveryStatus.delivered)
    click.echo(f"webhook deliveries tried: {len(outcomes)}, delivered: {delivered}; orders enqueued: {len(orders)}")


@pipeline_cli.command("feeds")
def feeds_command():
    """Enqueue a check of every supplier's catalog feed."""
    from .tasks import poll_feeds

    poll_feeds()
    click.echo("catalog feeds enqueued")

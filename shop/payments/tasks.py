"""Jobs: Stripe Connect transfers of what became available (hourly, after the release, and from the CLI)."""
from huey import crontab

from shop.extensions import db, huey, job
from shop.util import now_utc

from .connect import connect_enabled, transfer_due


def transfer_now(now=None) -> list:
    """Transfer what is due to connected payees and commit; the payouts made."""
    if not connect_enabled():
        return []
    made = transfer_due(now or now_utc())
    db.session.commit()
    return made


@job()
def run_transfers() -> None:
    transfer_now()


@huey.periodic_task(crontab(minute="35"), name="shop.payments.tasks.hourly")
def hourly():
    # Half an hour after the release job, so what it released goes out in the same hour.
    run_transfers()

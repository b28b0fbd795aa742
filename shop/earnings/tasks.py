"""Jobs: end the holds that are over, so earnings become available (hourly, and from the CLI)."""
from huey import crontab

from shop.extensions import db, huey, job
from shop.util import now_utc

from .lifecycle import release_due


def release_now(now=None) -> list[int]:
    """Release every hold that is over and commit; the purchase order ids released."""
    released = release_due(now or now_utc())
    db.session.commit()
    return released


@job()
def release_earnings() -> None:
    release_now()


@huey.periodic_task(crontab(minute="5"), name="shop.earnings.tasks.hourly")
def hourly():
    # Periodic tasks run outside the app; this only enqueues the job, which runs inside it.
    release_earnings()

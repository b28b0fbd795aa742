"""Jobs of the supplier API: forget stored Idempotency-Key answers once no client would retry."""
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete

from shop.extensions import db, huey, job
from shop.util import now_utc

from .models import IdempotentRequest

# Clients retry within minutes or hours; a week is generous and keeps the table small.
KEEP_IDEMPOTENCY = timedelta(days=7)


def prune_idempotent_requests(now=None) -> int:
    """Delete stored answers older than a week; how many went. Flushes."""
    cutoff = (now or now_utc()) - KEEP_IDEMPOTENCY
    result = db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff))
    return result.rowcount


@job()
def prune_idempotency() -> None:
    prune_idempotent_requests()
    db.session.commit()


@huey.periodic_task(crontab(hour="4", minute="10"), name="shop.api.tasks.daily")
def daily():
    # Periodic tasks run outside the app; this only enqueues the job, which runs inside it.
    prune_idempotency()

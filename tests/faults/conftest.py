"""The fault cases share the fulfillment fixtures (paid orders, the fake supplier) and the payment ones,
and a job worker that runs as a real process."""
import tempfile
from pathlib import Path

import pytest

from shop.extensions import db, huey
from tests.faults.worker import Worker, queue_of
from tests.fulfillment.conftest import fake_supplier, make_paid_order, webhook_supplier  # noqa: F401
from tests.payments.conftest import add, address, shop_with, stripe_fake  # noqa: F401


def _folder() -> Path:
    # Not tmp_path: pytest prunes old base folders, and another run on the machine may do so under a live worker.
    return Path(tempfile.mkdtemp(prefix="sharestall-worker-"))


@pytest.fixture(scope="package")
def shared_worker():
    """One consumer for the tests in this folder that need an ordinary worker; started on first use."""
    holder: list[Worker] = []
    yield holder
    for running in holder:
        running.stop(clean=True)


@pytest.fixture
def worker(app, shared_worker):
    """The shared worker, sweeping every second; the test's jobs go to its queue. Quiet again afterwards."""
    if not shared_worker:
        shared_worker.append(Worker(app, _folder()))
    running = shared_worker[0]
    if not running.running:
        running.start()
    db.session.remove()  # nothing of the test's transaction may hold a lock the worker needs
    with queue_of(running):
        running.pause(False)
        yield running
        running.pause()
        # Whatever the test left (a retry scheduled for later, a sweep) must not act on the next test's rows.
        huey.flush()
        assert running.drain(), running.log()
        huey.flush()


@pytest.fixture
def own_worker(app):
    """A worker of the test's own (to kill or to start on a database that is down), not yet started."""
    running = Worker(app, _folder(), PIPELINE_LEASE_SECONDS="1")
    with queue_of(running):
        yield running
        running.stop(clean=True)

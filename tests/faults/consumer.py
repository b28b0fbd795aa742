"""huey_consumer for the fault tests: the pipeline sweep every second (while not paused), and a ping job."""
import os
import sys
from pathlib import Path

from shop.extensions import huey


@huey.task(name="ping")
def ping(value: str) -> str:
    """Answer once every job queued before this one is done (the worker runs one job at a time)."""
    return value


def _fast_periodic(scheduler, now):
    # Huey wakes periodic tasks once a minute; the tests cannot wait that long, so the sweep runs every
    # second, and only while the test that owns the worker wants it (no "paused" file in its folder).
    from shop.fulfillment.tasks import every_minute

    if not (Path(os.environ["INSTANCE_PATH"]) / "paused").exists():
        scheduler.huey.enqueue(every_minute.s())


def main() -> None:
    from huey.bin.huey_consumer import consumer_main
    from huey.consumer import Scheduler

    import tests.faults.consumer  # noqa: F401  (registers ping under the name the tests enqueue, not __main__)

    Scheduler.periodic_task_seconds = float(os.environ.get("SWEEP_SECONDS", "1"))
    Scheduler.enqueue_periodic_tasks = _fast_periodic
    sys.argv = [sys.argv[0], "shop.worker.huey", *sys.argv[1:]]
    consumer_main()


if __name__ == "__main__":
    main()

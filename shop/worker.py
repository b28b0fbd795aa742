"""The job worker's entry point: huey_consumer shop.worker.huey"""
from shop import create_app
from shop.extensions import huey  # noqa: F401  (the consumer loads it from here)

app = create_app()
# Importing the task modules registers their jobs with huey.
import shop.tasks  # noqa: E402,F401

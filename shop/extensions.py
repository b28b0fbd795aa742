"""Extension objects, bound to the app in create_app."""
import functools
import os

from flask import has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import RedisHuey, SqliteHuey
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared per view (`@limiter.limit(...)`); storage is Redis when REDIS_URL is set, else memory.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _make_huey():
    # Huey needs its storage when tasks are declared, so it is chosen from the
    # environment here; create_app may still switch it to immediate mode.
    if os.environ.get("REDIS_URL"):
        return RedisHuey("sharestall", url=os.environ["REDIS_URL"])
    path = os.environ.get("HUEY_DB") or os.path.join(os.getcwd(), "instance", "huey.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SqliteHuey("sharestall", filename=path)


huey = _make_huey()
_job_app = None


def bind_job_app(app):
    """Remember the app that jobs run in when the worker calls them."""
    global _job_app
    _job_app = app


# How many jobs a sweep queues at a time. A sweep can find hundreds of things due (a queue flushed or lost, a
# worker that was down): queued at once, every job queued meanwhile (a new payment's forwarding) waited behind
# all of them (937 orders held new payments for 7 s). A slice at a time, with the rest queued behind it, a new
# job waits for one slice at most, while the backlog still goes out as fast as the worker is otherwise idle.
SWEEP_SLICE = 20


def enqueue_slice(items: list, size: int, each, rest) -> None:
    """Queue `each(item)` for the first `size` items and one `rest(others)` job behind them for the others."""
    # `rest` is a job that calls this again: the next slice then goes in behind whatever was queued meanwhile.
    for item in items[:size]:
        each(item)
    if len(items) > size:
        rest(items[size:])


def job(retries=5, retry_delay=30):
    """Declare a background job that runs inside an app context."""

    def decorate(fn):
        @huey.task(retries=retries, retry_delay=retry_delay, name=f"{fn.__module__}.{fn.__name__}")
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if has_app_context():
                return fn(*args, **kwargs)
            with _job_app.app_context():
                try:
                    return fn(*args, **kwargs)
                finally:
                    db.session.remove()

        return run

    return decorate

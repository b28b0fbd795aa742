"""App-factory fixtures and builders shared by every test."""
import os
import tempfile
from contextlib import contextmanager

_TMP = tempfile.mkdtemp(prefix="sharestall-test-")
os.environ.setdefault("INSTANCE_PATH", _TMP)
os.environ.setdefault("HUEY_DB", os.path.join(_TMP, "huey.db"))

import pytest  # noqa: E402
from flask import g, request_started  # noqa: E402
from flask_login import FlaskLoginClient  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from shop import create_app  # noqa: E402
from shop.extensions import db  # noqa: E402

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "HUEY_IMMEDIATE": True,
    "PASSWORD_HASH_FAST": True,
    "HTMX_CDN": False,
    "STRIPE_SECRET_KEY": "",
    "MAIL_SERVER": "",
    "BASE_URL": "http://localhost",
    "CURRENCY": "USD",
    "PLATFORM_FEE_BP": 1000,
    # Tests of a limit switch it on with make_app(RATELIMIT_ENABLED=True); the route sweeps would trip it.
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Imports name photos on hosts tests cannot reach; tests of fetching switch it on with make_app(...).
    "IMAGE_FETCH_ENABLED": False,
    # Pages read right after a change must show it (the catalog's filter menus too), and visits be counted
    # at once: tests of the copies, of the batched visit writer and of the menus switch these on with make_app(...).
    "PUBLIC_PAGE_SECONDS": 0,
    "CLICK_BUFFER_SECONDS": 0,
    "CATALOG_MENU_SECONDS": 0,
    "SQLALCHEMY_DATABASE_URI": os.environ.get("TEST_DATABASE_URL")
    or f"sqlite:///{os.path.join(_TMP, 'test.db')}",
    "MAIL_FOLDER": os.path.join(_TMP, "mail"),
    "UPLOAD_FOLDER": os.path.join(_TMP, "uploads"),
}
_schema_ready = False


class SignedInClient(FlaskLoginClient):
    """`app.test_client(user=u)`: a fully signed-in browser (password and second factor done, live session)."""

    def __init__(self, *args, **kwargs):
        user = kwargs.pop("user", None)
        kwargs.pop("fresh_login", None)
        super(FlaskLoginClient, self).__init__(*args, **kwargs)
        if user is not None:
            from shop.accounts.sessions import new_session_values

            values = new_session_values(user)
            db.session.commit()
            with self.session_transaction() as session:
                session.update(values)


def _reset_schema(app):
    global _schema_ready
    with app.app_context():
        if not _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready = True
            return
        # DELETE, children first, beats TRUNCATE on tables this small (TRUNCATE swaps files: ~130 ms a test on
        # PostgreSQL); ids start again at 1 as they would after TRUNCATE .. RESTART IDENTITY.
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(text(f"DELETE FROM {table.name}"))
        if db.engine.dialect.name == "postgresql":
            sequences = db.session.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"))
            calls = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
            if calls:
                db.session.execute(text(f"SELECT {calls}"))
        db.session.commit()


@pytest.fixture
def make_app():
    """Build an app through the factory with the test config plus overrides."""

    def build(**overrides):
        app = create_app({**TEST_CONFIG, **overrides})
        app.test_client_class = SignedInClient
        return app

    return build


@pytest.fixture
def app(make_app):
    app = make_app()
    _reset_schema(app)

    # Requests reuse the test's app context, so Flask-Login's cached user would leak from one
    # test client to the next: load it anew on each request.
    def forget_user(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget_user, app)
    with app.app_context():
        yield app
        db.session.remove()
    request_started.disconnect(forget_user, app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app):
    """A test client fully signed in as the given user: password and second factor done, typed just now."""

    def as_user(user):
        return app.test_client(user=user)

    return as_user


@pytest.fixture
def sql_statements(app):
    """The SQL statements run inside the block, as text: `with sql_statements() as seen: ...`."""

    @contextmanager
    def recording():
        seen = []

        def before(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return recording


@pytest.fixture
def count_queries(sql_statements):
    """Count the SQL statements run inside the block: `with count_queries() as n: ...; n()`."""

    @contextmanager
    def counting():
        with sql_statements() as seen:
            yield lambda: len(seen)

    return counting


@pytest.fixture
def outbox(app):
    """The mails written to the mail folder during the test."""
    import pathlib

    folder = pathlib.Path(app.config["MAIL_FOLDER"])
    for old in folder.glob("*.eml"):
        old.unlink()

    def read():
        from email import policy
        from email.parser import BytesParser

        return [
            BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))
        ]

    return read


from tests.builders import *  # noqa: E402,F401,F403

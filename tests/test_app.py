import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shop.catalog.search import include_object
from shop.extensions import db


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": True}


def _fresh_database_url(tmp_path) -> str:
    """An empty database of the kind the suite runs on."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    name = f"{make_url(url).database}_migration_check"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def test_migrations_build_the_whole_schema(make_app, tmp_path):
    """`flask db upgrade` on an empty database builds exactly what the models describe."""
    app = make_app(SQLALCHEMY_DATABASE_URI=_fresh_database_url(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_object": include_object}), db.metadata
            )
        db.engine.dispose()
    assert diff == []

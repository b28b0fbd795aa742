"""Small helpers shared by every package: time and tokens."""
import secrets
from datetime import datetime, timezone


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_token() -> str:
    """An unguessable id for public URLs."""
    return secrets.token_urlsafe(18)


def insert_skipping_conflicts(model):
    """An INSERT for the session's database (PostgreSQL or SQLite) that can take ON CONFLICT DO NOTHING."""
    from sqlalchemy.dialects import postgresql, sqlite

    from shop.extensions import db

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def insert_once(model, conflict_columns: list[str], **values) -> bool:
    """Insert a row unless one with the same unique key exists; False when it did.

    INSERT .. ON CONFLICT DO NOTHING rather than a savepoint: pysqlite runs SELECTs outside a
    transaction, so a SAVEPOINT opened before the first write starts one of its own, and releasing it
    commits the row apart from the rest of the work.
    """
    from shop.extensions import db

    statement = (
        insert_skipping_conflicts(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(model.id)
    )
    return db.session.scalar(statement) is not None

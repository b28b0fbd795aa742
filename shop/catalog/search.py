"""Catalog search: a condition on product titles that uses the database's trigram index."""
import functools

from sqlalchemy import ColumnElement, bindparam, event, literal_column, select, table, text

from shop.extensions import db

from .models import Product

FTS_TABLE = "products_fts"
TRGM_INDEX = "ix_products_title_trgm"
MIN_TRIGRAM = 3  # shorter queries cannot use a trigram index: they fall back to LIKE

# SQLite: an FTS5 trigram table over products.title (external content, kept in step by triggers),
# so a MATCH finds any substring of three characters or more, in any script, case-insensitively.
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, content='products', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "  # nosec B608  # constants, no input
    f"INSERT INTO {FTS_TABLE}(rowid, title) VALUES (new.id, new.title); END",
    f"CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "  # nosec B608  # constants, no input
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title) VALUES ('delete', old.id, old.title); END",
    f"CREATE TRIGGER products_fts_update AFTER UPDATE OF title ON products BEGIN "  # nosec B608  # constants, no input
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title) VALUES ('delete', old.id, old.title); "
    f"INSERT INTO {FTS_TABLE}(rowid, title) VALUES (new.id, new.title); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",  # nosec B608  # constants, no input
)
# PostgreSQL: a GIN trigram index, which ILIKE '%...%' uses as it is.
POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX {TRGM_INDEX} ON products USING gin (title gin_trgm_ops)",
)


def _escape_like(query: str) -> str:
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def kind(query: str) -> str:
    """How a query is matched: "fts" through SQLite's trigram table, else "like" (PostgreSQL's index serves it)."""
    query = query.strip()
    return "fts" if db.session.get_bind().dialect.name == "sqlite" and len(query) >= MIN_TRIGRAM else "like"


@functools.cache
def condition(how: str) -> ColumnElement[bool]:
    """The search condition of that kind, with the term as the bound parameter `search_term`; built once."""
    if how == "like":
        return Product.title.ilike(bindparam("search_term"), escape="\\")
    fts = table(FTS_TABLE, literal_column("rowid"))
    return Product.id.in_(
        select(literal_column("rowid")).select_from(fts).where(text(f"{FTS_TABLE} MATCH :search_term"))
    )


def term(how: str, query: str) -> str:
    """The value of `search_term` for a query: a quoted FTS5 phrase, or a LIKE pattern with wildcards escaped."""
    query = query.strip()
    if how == "fts":
        return '"' + query.replace('"', '""') + '"'
    return f"%{_escape_like(query)}%"


def match(query: str) -> ColumnElement[bool]:
    """Products whose title contains the query, case-insensitively, through the index when there is one."""
    how = kind(query)
    return condition(how).params(search_term=term(how, query))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the search index, which the models do not describe, out of schema comparisons."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == TRGM_INDEX)


@event.listens_for(Product.__table__, "after_create")
def _create_search_index(_table, connection, **_kw):
    # create_all (the tests) builds what the migration builds.
    for statement in {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


@event.listens_for(Product.__table__, "before_drop")
def _drop_search_index(_table, connection, **_kw):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")

"""catalog search index: SQLite FTS5 trigram table, PostgreSQL pg_trgm GIN index on products.title

Revision ID: 7c1e5a0b9d42
Revises: 2ffcb9644741
Create Date: 2026-11-24 11:40:00

"""
from alembic import op

revision = '7c1e5a0b9d42'
down_revision = '2ffcb9644741'
branch_labels = None
depends_on = None

# A frozen copy of shop.catalog.search's DDL, so later edits there do not change this step.
SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5(title, content='products', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF title ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO products_fts(rowid, title) VALUES (new.id, new.title); END",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
)
POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_products_title_trgm ON products USING gin (title gin_trgm_ops)",
)


def upgrade():
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS products_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_title_trgm")

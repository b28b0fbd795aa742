"""supplier api

Revision ID: 5a11e0000001
Revises: 7c1e5a0b9d42
Create Date: 2026-11-23 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5a11e0000001'
down_revision = '7c1e5a0b9d42'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""money payouts

Revision ID: 5a11e0000003
Revises: 5a11e0000002
Create Date: 2026-11-23 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5a11e0000003'
down_revision = '5a11e0000002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

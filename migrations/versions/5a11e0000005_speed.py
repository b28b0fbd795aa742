"""speed

Revision ID: 5a11e0000005
Revises: 5a11e0000004
Create Date: 2026-11-23 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5a11e0000005'
down_revision = '5a11e0000004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

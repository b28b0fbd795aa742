"""photo fetch lease

Revision ID: 5a11e0000011
Revises: 5a11e0000008
Create Date: 2026-11-23 17:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5a11e0000011'
down_revision = '5a11e0000008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fetch_lease_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_column('fetch_lease_until')

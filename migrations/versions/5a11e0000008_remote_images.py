"""remote images

Revision ID: 5a11e0000008
Revises: 5a11e0000007
Create Date: 2026-11-23 15:35:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5a11e0000008'
down_revision = '5a11e0000007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_src', sa.String(length=2048), nullable=True))
        # Server defaults fill the rows already there; the models set the values on new rows.
        batch_op.add_column(sa.Column('fetch_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('fetch_error', sa.String(length=500), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_column('fetch_error')
        batch_op.drop_column('fetch_attempts')
        batch_op.drop_column('remote_src')

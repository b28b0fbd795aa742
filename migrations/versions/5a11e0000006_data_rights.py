"""data rights

Revision ID: 5a11e0000006
Revises: 5a11e0000005
Create Date: 2026-11-23 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5a11e0000006'
down_revision = '5a11e0000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('customer', 'account', name='requestkind', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('requested', 'waiting', 'done', name='requeststatus', native_enum=False, length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_erasure_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_requests_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_requests_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_requests_email'))

    op.drop_table('erasure_requests')

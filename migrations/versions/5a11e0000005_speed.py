"""speed: indexes the load benchmark showed missing

Revision ID: 5a11e0000005
Revises: 5a11e0000004
Create Date: 2026-11-23 14:00:00

"""
from alembic import op

revision = '5a11e0000005'
down_revision = '5a11e0000004'
branch_labels = None
depends_on = None


def upgrade():
    # Paying an order deletes its cart, and the foreign key then looks up orders.cart_id: a full scan without it.
    op.create_index(op.f('ix_orders_cart_id'), 'orders', ['cart_id'], unique=False)
    op.create_index(op.f('ix_order_lines_variant_id'), 'order_lines', ['variant_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_order_lines_variant_id'), table_name='order_lines')
    op.drop_index(op.f('ix_orders_cart_id'), table_name='orders')

"""shipments

Revision ID: 5a11e0000007
Revises: 5a11e0000006
Create Date: 2026-11-23 15:35:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '5a11e0000007'
down_revision = '5a11e0000006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=80), nullable=False),
    sa.Column('tracking_number', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_shipments_purchase_order_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_purchase_order_id'), ['purchase_order_id'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # Batch mode would copy order_lines and drop the old table, which fails while ledger entries point at
        # its rows; SQLite accepts a new column with its REFERENCES in place.
        op.execute('ALTER TABLE order_lines ADD COLUMN shipment_id INTEGER '
                   'CONSTRAINT fk_order_lines_shipment_id_shipments REFERENCES shipments (id)')
    else:
        op.add_column('order_lines', sa.Column('shipment_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_order_lines_shipment_id_shipments'), 'order_lines', 'shipments',
                              ['shipment_id'], ['id'])
    op.create_index(op.f('ix_order_lines_shipment_id'), 'order_lines', ['shipment_id'], unique=False)
    # Purchase orders shipped before this change travelled as one parcel: give each its shipment.
    op.execute("INSERT INTO shipments (purchase_order_id, carrier, tracking_number, created_at) "
               "SELECT id, carrier, tracking_number, shipped_at FROM purchase_orders WHERE shipped_at IS NOT NULL")
    op.execute("UPDATE order_lines SET shipment_id = (SELECT shipments.id FROM shipments "
               "WHERE shipments.purchase_order_id = order_lines.purchase_order_id) WHERE status = 'shipped'")


def downgrade():
    op.drop_index(op.f('ix_order_lines_shipment_id'), table_name='order_lines')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':  # SQLite's inline constraint has no name to drop it by
            batch_op.drop_constraint(batch_op.f('fk_order_lines_shipment_id_shipments'), type_='foreignkey')
        batch_op.drop_column('shipment_id')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_purchase_order_id'))
    op.drop_table('shipments')

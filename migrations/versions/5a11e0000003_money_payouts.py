"""money payouts: payouts, Stripe Connect accounts, bank accounts, releases of held earnings, deliveries, disputes

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
    op.create_table('bank_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('iban', sa.String(length=64), nullable=False),
    sa.Column('bic', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(store_id IS NULL) <> (supplier_id IS NULL)', name=op.f('ck_bank_accounts_one_payee')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_bank_accounts_store_id_stores')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_bank_accounts_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_accounts')),
    sa.UniqueConstraint('store_id', name=op.f('uq_bank_accounts_store_id')),
    sa.UniqueConstraint('supplier_id', name=op.f('uq_bank_accounts_supplier_id'))
    )
    op.create_table('connect_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('stripe_account_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('onboarding', 'restricted', 'enabled', name='connectstatus', native_enum=False, length=16), nullable=False),
    sa.Column('last_payout_failed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(store_id IS NULL) <> (supplier_id IS NULL)', name=op.f('ck_connect_accounts_one_payee')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_connect_accounts_store_id_stores')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_connect_accounts_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connect_accounts')),
    sa.UniqueConstraint('store_id', name=op.f('uq_connect_accounts_store_id')),
    sa.UniqueConstraint('stripe_account_id', name=op.f('uq_connect_accounts_stripe_account_id')),
    sa.UniqueConstraint('supplier_id', name=op.f('uq_connect_accounts_supplier_id'))
    )
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('provider_ref', sa.String(length=255), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('open', 'won', 'lost', name='disputestatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_disputes_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('provider_ref', name=op.f('uq_disputes_provider_ref'))
    )
    op.create_index(op.f('ix_disputes_order_id'), 'disputes', ['order_id'], unique=False)
    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.Enum('bank', 'stripe', name='payoutmethod', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'paid', 'rejected', name='payoutstatus', native_enum=False, length=16), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('reversed_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('provider_ref', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(store_id IS NULL) <> (supplier_id IS NULL)', name=op.f('ck_payouts_one_payee')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payouts_amount_positive')),
    sa.CheckConstraint('reversed_minor >= 0 AND reversed_minor <= amount_minor', name=op.f('ck_payouts_reversed_within')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payouts_order_id_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_payouts_store_id_stores')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_payouts_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('key', name=op.f('uq_payouts_key'))
    )
    op.create_index(op.f('ix_payouts_order_id'), 'payouts', ['order_id'], unique=False)
    op.create_index(op.f('ix_payouts_store_id'), 'payouts', ['store_id'], unique=False)
    op.create_index(op.f('ix_payouts_supplier_id'), 'payouts', ['supplier_id'], unique=False)
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=False),
    sa.Column('cash_collected_minor', sa.Integer(), nullable=False),
    sa.CheckConstraint('cash_collected_minor >= 0', name=op.f('ck_deliveries_cash_not_negative')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_deliveries_purchase_order_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('purchase_order_id', name=op.f('uq_deliveries_purchase_order_id'))
    )
    op.create_table('earning_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_earning_releases_purchase_order_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_earning_releases')),
    sa.UniqueConstraint('purchase_order_id', name=op.f('uq_earning_releases_purchase_order_id'))
    )


def downgrade():
    op.drop_table('earning_releases')
    op.drop_table('deliveries')
    op.drop_index(op.f('ix_payouts_supplier_id'), table_name='payouts')
    op.drop_index(op.f('ix_payouts_store_id'), table_name='payouts')
    op.drop_index(op.f('ix_payouts_order_id'), table_name='payouts')
    op.drop_table('payouts')
    op.drop_index(op.f('ix_disputes_order_id'), table_name='disputes')
    op.drop_table('disputes')
    op.drop_table('connect_accounts')
    op.drop_table('bank_accounts')

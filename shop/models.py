"""Every model module, imported in one place so the metadata is complete (for Alembic and tests)."""
from shop.accounts.models import RecoveryCode, Role, User, UserSession  # noqa: F401
from shop.api.models import ApiKey, IdempotentRequest  # noqa: F401
from shop.catalog.models import ImportJob, Product, ProductImage, Supplier, Variant  # noqa: F401
from shop.earnings.models import (  # noqa: F401
    BankAccount, ConnectAccount, Delivery, Dispute, LedgerEntry, LedgerTransaction, Payout, Release,
)
from shop.fulfillment.models import Notice, PurchaseOrder, SupplierChannel, WebhookDelivery  # noqa: F401
from shop.orders.models import Cart, CartLine, Order, OrderLine  # noqa: F401
from shop.payments.models import PaymentEvent, Refund  # noqa: F401
from shop.privacy.models import ErasureRequest  # noqa: F401
from shop.settings import Setting  # noqa: F401
from shop.stores.models import Click, Pick, ShareLink, Store  # noqa: F401

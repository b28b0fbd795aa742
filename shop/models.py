"""Every model module, imported in one place so the metadata is complete (for Alembic and tests)."""
from shop.accounts.models import Role, User  # noqa: F401
from shop.catalog.models import ImportJob, Product, ProductImage, Supplier, Variant  # noqa: F401
from shop.earnings.models import LedgerEntry, LedgerTransaction  # noqa: F401
from shop.fulfillment.models import PurchaseOrder  # noqa: F401
from shop.orders.models import Cart, CartLine, Order, OrderLine  # noqa: F401
from shop.payments.models import PaymentEvent, Refund  # noqa: F401
from shop.settings import Setting  # noqa: F401
from shop.stores.models import Click, Pick, ShareLink, Store  # noqa: F401

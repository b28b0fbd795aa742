"""Imports every module that declares jobs, so the worker knows them all."""
import shop.api.tasks  # noqa: F401
import shop.fulfillment.tasks  # noqa: F401
import shop.orders.tasks  # noqa: F401
import shop.catalog.tasks  # noqa: F401
import shop.earnings.tasks  # noqa: F401
import shop.payments.tasks  # noqa: F401
import shop.privacy.tasks  # noqa: F401

"""Imports every module that declares jobs, so the worker knows them all."""
import shop.fulfillment.tasks  # noqa: F401
import shop.orders.tasks  # noqa: F401
import shop.catalog.tasks  # noqa: F401

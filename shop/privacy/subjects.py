"""Whose data: a customer known by an email, or an account holder with their supplier and store rows."""
from dataclasses import dataclass

from sqlalchemy import Table, false, func, or_, select

from shop.accounts.models import User
from shop.catalog.models import Supplier
from shop.extensions import db
from shop.stores.models import Store

from .registry import Entry, JsonEntry


@dataclass(frozen=True)
class Subject:
    """The person whose rows are looked up: by email (a customer) or by account (user, supplier, stores)."""

    email: str | None = None
    user_id: int | None = None
    supplier_id: int | None = None
    store_ids: tuple[int, ...] = ()

    @classmethod
    def customer(cls, email: str) -> "Subject":
        return cls(email=email.strip().lower())

    @classmethod
    def account(cls, user: User) -> "Subject":
        supplier_id = db.session.scalar(select(Supplier.id).where(Supplier.user_id == user.id))
        store_ids = tuple(db.session.scalars(select(Store.id).where(Store.user_id == user.id)))
        return cls(user_id=user.id, supplier_id=supplier_id, store_ids=store_ids)


def rows_condition(table: Table, entry: Entry | JsonEntry, subject: Subject):
    """A WHERE clause matching the table's rows that belong to the subject (false when none can)."""
    tests = []
    for owner, column_name in entry.owners.items():
        column = table.c[column_name]
        if owner == "email" and subject.email:
            tests.append(func.lower(column) == subject.email)
        elif owner == "user" and subject.user_id is not None:
            tests.append(column == subject.user_id)
        elif owner == "supplier" and subject.supplier_id is not None:
            tests.append(column == subject.supplier_id)
        elif owner == "store" and subject.store_ids:
            tests.append(column.in_(subject.store_ids))
    return or_(*tests) if tests else false()


def reached_rows(table: Table, entry: JsonEntry, subject: Subject) -> list:
    """The subject's rows of a table that reaches its owner through foreign keys: (id, JSON text, owner's id)."""
    joined, owner = table, table
    for name in entry.via:
        [key] = owner.c[name].foreign_keys
        joined = joined.join(key.column.table, owner.c[name] == key.column)
        owner = key.column.table
    return list(db.session.execute(
        select(table.c.id, table.c[entry.column], owner.c.id).select_from(joined)
        .where(rows_condition(owner, entry, subject)).order_by(table.c.id)
    ))

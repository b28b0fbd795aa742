"""The personal-data registry covers every table, and export and erasure cover every registered column."""
import itertools
import json
from datetime import datetime

import pytest
from sqlalchemy import Boolean, DateTime, Enum, Integer, String, Text, insert, select

from shop.accounts.models import Role
from shop.extensions import db
from shop.privacy.accounts import account_export
from shop.privacy.erasure import carry_out, is_placeholder, request_erasure
from shop.privacy.exports import customer_export, personal_rows
from shop.privacy.models import RequestKind, RequestStatus
from shop.privacy.registry import (
    NOT_PERSONAL, PERSONAL, PERSONAL_JSON, SECRETS, Blank, field_at, is_classified, looks_personal,
)
from shop.privacy.subjects import Subject

from .conftest import make_paid_order  # noqa: F401

_marks = itertools.count(1)


@pytest.mark.parametrize("name, expected", [
    ("email", True), ("customer_name", True), ("address1", True), ("ip_address", True), ("last_ip", True),
    ("user_agent", True), ("iban", True), ("account_holder", True), ("postcode", True), ("billing_line1", True),
    ("shipped_at", False), ("order_line_id", False), ("description", False), ("zipped", False),
])
def test_names_that_look_personal(name, expected):
    assert looks_personal(name) is expected


def test_every_column_that_looks_personal_is_classified(app):
    """A new model's email, name, phone, address, IP or bank column must be registered or declared harmless."""
    missing = [f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.c
               if looks_personal(column.name) and not is_classified(table.name, column.name)]
    assert not missing, "register these in shop/privacy/registry.py (PERSONAL, SECRETS or NOT_PERSONAL): " + \
        ", ".join(missing)


def test_the_registry_names_real_columns(app):
    tables = db.metadata.tables
    problems = []
    for registry in (PERSONAL, SECRETS):
        for name, entry in registry.items():
            if name not in tables:
                problems.append(f"no table {name}")
                continue
            for column, kind in {**entry.columns, **dict.fromkeys(entry.owners.values(), None)}.items():
                if column not in tables[name].c:
                    problems.append(f"no column {name}.{column}")
                elif kind == Blank.NULL and not tables[name].c[column].nullable:
                    problems.append(f"{name}.{column} can't be NULL")
                elif kind in (Blank.TEXT, Blank.EMPTY, Blank.EMAIL, Blank.SLUG) and \
                        not isinstance(tables[name].c[column].type, String):
                    problems.append(f"{name}.{column} is not text")
            if not entry.owners:
                problems.append(f"{name}: no column says whose a row is")
    problems += [f"no column {t}.{c}" for t, c in NOT_PERSONAL if t not in tables or c not in tables[t].c]
    for name, entry in PERSONAL_JSON.items():
        table = tables[name]
        if not isinstance(table.c[entry.column].type, String):
            problems.append(f"{name}.{entry.column} is not text")
        for column in entry.via:
            if len(table.c[column].foreign_keys) != 1:
                problems.append(f"{table.name}.{column} names no other table")
                break
            table = next(iter(table.c[column].foreign_keys)).column.table
        else:
            problems += [f"no column {table.name}.{c}" for c in entry.owners.values() if c not in table.c]
        if not entry.owners:
            problems.append(f"{name}: no column says whose a document is")
    assert not problems


def _leaves(document, path=()):
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(document, list):
        for value in document:
            yield from _leaves(value, path)
    else:
        yield ".".join(path), document


def test_every_personal_value_in_a_webhook_event_is_registered(webhook_order):
    """A field added to the supplier's event that copies the customer's details must be registered too."""
    from shop.fulfillment.models import WebhookDelivery

    order = webhook_order(address2="Flat 2", region="Islington")
    personal = {getattr(order, column) for column in PERSONAL["orders"].columns} - {""}
    entry = PERSONAL_JSON["webhook_deliveries"]
    document = json.loads(db.session.scalars(select(WebhookDelivery.payload)).one())
    unregistered = [path for path, value in _leaves(document) if value in personal and path not in entry.fields]
    assert not unregistered
    assert {path for path, value in _leaves(document) if value in personal} == set(entry.fields)


def _fill_row(table, owner_column: str, owner_value, personal: set[str]) -> dict:
    """Values for a row of `table` owned through `owner_column`; personal columns get unique markers."""
    values = {owner_column: owner_value}
    for column in table.c:
        if column.primary_key or column.name in values:
            continue
        if column.name in personal and isinstance(column.type, String):
            values[column.name] = f"p{next(_marks)}@x.example"[: column.type.length or 200]
        elif column.nullable or column.default is not None:
            continue
        elif column.foreign_keys:
            pytest.fail(f"teach this test to build a row of {table.name} ({column.name} names another table)")
        elif isinstance(column.type, Enum):
            values[column.name] = column.type.enums[0]
        elif isinstance(column.type, (String, Text)):
            values[column.name] = "x"
        elif isinstance(column.type, Boolean):
            values[column.name] = False
        elif isinstance(column.type, Integer):
            values[column.name] = 0
        elif isinstance(column.type, DateTime):
            values[column.name] = datetime(2026, 1, 1)
    return values


def _complete(subject: Subject, owners: dict[str, object]) -> None:
    """Give the subject a row in every registered table it can own and does not have a row in yet."""
    for name, entry in PERSONAL.items():
        table = db.metadata.tables[name]
        if personal_rows(subject)[name]:
            continue
        owner = next(((o, c) for o, c in entry.owners.items() if owners.get(o) is not None), None)
        if owner:
            db.session.execute(insert(table).values(**_fill_row(table, owner[1], owners[owner[0]],
                                                                set(entry.columns))))
    db.session.commit()


def _exported(sections, table: str) -> list[dict]:
    rows = [row for row in sections["personal_data"] if row["table"] == table]
    return [{k: v for k, v in row.items() if k != "table"} for row in rows]


def _registered(name: str) -> dict[str, str]:
    """A registered table's personal columns, or its JSON fields as the export names them, with their blanks."""
    if name in PERSONAL_JSON:
        entry = PERSONAL_JSON[name]
        return {f"{entry.column}.{path}": blank for path, blank in entry.fields.items()}
    return PERSONAL[name].columns


def _stored(table, row_id: int, key: str):
    """A column's value, or a JSON field's (named column.path)."""
    column, _, path = key.partition(".")
    value = db.session.execute(select(table.c[column]).where(table.c.id == row_id)).scalar_one()
    return field_at(json.loads(value), path) if path else value


def test_every_registered_column_is_exported_and_then_erased(app, make_user, make_supplier, make_store,
                                                           webhook_order, ship):
    # A webhook supplier's order: the customer's address is in the event's JSON as well as on the order.
    ship(webhook_order(email="ada@example.com", customer_name="Ada Lovelace", address2="Flat 2",
                       region="Islington"))
    reseller = make_user(Role.reseller, email="mei@example.com", name="Mei Chen")
    store = make_store(user=reseller, name="Mei's Picks")
    supplier = make_supplier(name="Harbour Home Goods", email="harbour@example.com")
    people = {
        "customer": (Subject.customer("ada@example.com"), {"email": "ada@example.com"}, RequestKind.customer, None),
        "reseller": (Subject.account(reseller), {"user": reseller.id, "store": store.id}, RequestKind.account,
                     reseller),
        "supplier": (Subject.account(supplier.user), {"user": supplier.user_id, "supplier": supplier.id},
                     RequestKind.account, supplier.user),
    }
    covered = set()
    for who, (subject, owners, kind, user) in people.items():
        _complete(subject, owners)
        held = personal_rows(subject)
        sections = customer_export("ada@example.com") if user is None else account_export(user)
        json.dumps(sections, default=str)
        for name, rows in held.items():
            assert _exported(sections, name) == rows, f"{who}: {name} rows differ from the export"
            covered |= {(name, column) for column in _registered(name) if rows}
        request = request_erasure(kind, owners.get("email") or user.email, user.id if user else None)
        assert carry_out(request) == [], who
        db.session.commit()
        assert request.status is RequestStatus.done
        for name, rows in held.items():
            table = db.metadata.tables[name]
            for row in rows:
                for column, blank in _registered(name).items():
                    after = _stored(table, row["id"], column)
                    assert is_placeholder(blank, after), f"{who}: {name}.{column} is {after!r}"
    unreached = {(t, c) for t in [*PERSONAL, *PERSONAL_JSON] for c in _registered(t)} - covered
    assert not unreached, f"no subject in this test owns a row of: {sorted(unreached)}"
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output

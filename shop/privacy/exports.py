"""Everything we hold on a person, as sections of rows: JSON, CSV, or a zip of both."""
import enum
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.csvsafe import write_rows
from shop.extensions import db
from shop.fulfillment.models import Notice
from shop.orders.models import Order

from .registry import PERSONAL, PERSONAL_JSON, JsonEntry, field_at
from .subjects import Subject, reached_rows, rows_condition

Sections = dict[str, list[dict]]


def personal_rows(subject: Subject) -> Sections:
    """Every registered table's rows of the subject, with its id and every personal column or JSON field."""
    found = {}
    for name, entry in PERSONAL.items():
        table = db.metadata.tables[name]
        columns = [table.c.id, *(table.c[c] for c in entry.columns)]
        rows = db.session.execute(
            select(*columns).where(rows_condition(table, entry, subject)).order_by(table.c.id)
        ).mappings()
        found[name] = [dict(row) for row in rows]
    for name, entry in PERSONAL_JSON.items():
        found[name] = [_json_fields(row_id, json.loads(text), entry)
                       for row_id, text, _owner_id in reached_rows(db.metadata.tables[name], entry, subject)]
    return found


def _json_fields(row_id: int, document, entry: JsonEntry) -> dict:
    return {"id": row_id, **{f"{entry.column}.{path}": field_at(document, path) for path in entry.fields}}


def customer_export(email: str) -> Sections:
    """A guest customer's orders, their items, the addresses used and the mails we sent, by email."""
    subject = Subject.customer(email)
    orders = list(db.session.scalars(
        select(Order).where(rows_condition(Order.__table__, PERSONAL["orders"], subject))
        .options(selectinload(Order.lines), selectinload(Order.store), selectinload(Order.refunds))
        .order_by(Order.id)
    ))
    columns = PERSONAL["orders"].columns
    sections: Sections = {
        "orders": [
            {"order": o.id, "store": o.store.name, "status": o.status, "placed_at": o.created_at,
             "paid_at": o.paid_at, "total_minor": o.total_minor, "refunded_minor": o.refunded_minor,
             "currency": o.currency, "language": o.locale, "country": o.country,
             **{c: getattr(o, c) for c in columns}}
            for o in orders
        ],
        "items": [
            {"order": o.id, "sku": line.sku, "title": line.title, "variant": line.variant_title,
             "quantity": line.quantity, "unit_price_minor": line.unit_price_minor, "currency": o.currency,
             "status": line.status}
            for o in orders for line in o.lines
        ],
        "addresses": _addresses(orders),
        "messages": _messages(orders),
    }
    sections["personal_data"] = [
        {"table": table, **row} for table, rows in personal_rows(subject).items() for row in rows
    ]
    return sections


def _addresses(orders: list[Order]) -> list[dict]:
    fields = ("customer_name", "phone", "address1", "address2", "city", "region", "postcode", "country")
    seen = {}
    for order in orders:
        seen.setdefault(tuple(getattr(order, f) for f in fields), order.id)
    return [{**dict(zip(fields, key)), "first_used_on_order": order_id} for key, order_id in seen.items()]


def _messages(orders: list[Order]) -> list[dict]:
    """The mails sent about these orders: confirmations, shipping notices and refunds."""
    keys = {}
    for order in orders:
        keys.update({f"shipment-{line.shipment_id}": order.id for line in order.lines if line.shipment_id})
        keys.update({f"refund-{refund.id}": order.id for refund in order.refunds})
    sent = [{"order": o.id, "mail": "order_confirmation" if o.status.value != "failed" else "order_failed",
             "sent_at": o.customer_mailed_at} for o in orders if o.customer_mailed_at]
    notices = db.session.scalars(select(Notice).where(Notice.key.in_(keys)).order_by(Notice.id)) if keys else []
    sent += [{"order": keys[n.key], "mail": n.key.split("-")[0], "sent_at": n.sent_at} for n in notices]
    return sent


def plain(value):
    """A JSON- and CSV-friendly value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def as_json(sections: Sections) -> bytes:
    return json.dumps(sections, default=plain, ensure_ascii=False, indent=2).encode()


def section_rows(rows: list[dict]) -> list[list]:
    """A header of every key seen, then one list per row."""
    header = list(dict.fromkeys(key for row in rows for key in row))
    return [header, *([plain(row.get(key)) for key in header] for row in rows)]


def as_csv(sections: Sections) -> bytes:
    """All sections in one spreadsheet: each starts with its name on a row of its own."""
    rows = []
    for name, section in sections.items():
        rows += [[name], *section_rows(section), []]
    return write_rows(rows)


def as_zip(sections: Sections) -> bytes:
    """export.json plus one CSV per section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", as_json(sections))
        for name, section in sections.items():
            archive.writestr(f"{name}.csv", write_rows(section_rows(section)))
    return buffer.getvalue()

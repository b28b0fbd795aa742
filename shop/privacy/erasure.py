"""Erasure: pseudonymise a person's rows in place, so orders keep their totals and the ledger its balance."""
import json

from flask_babel import gettext as _
from sqlalchemy import String, bindparam, cast, delete, func, literal, or_, select, update

from shop.accounts.models import User
from shop.catalog.models import Supplier, SupplierStatus
from shop.earnings.models import LedgerEntry
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder
from shop.orders.models import Order, OrderStatus
from shop.stores.models import Pick, Store
from shop.util import now_utc

from .models import ErasureRequest, RequestKind, RequestStatus
from .registry import (
    ERASED_DOMAIN, ERASED_TEXT, PERSONAL, PERSONAL_JSON, SECRETS, SIGN_IN_TABLES, Blank, JsonEntry, replace_field,
)
from .subjects import Subject, reached_rows, rows_condition

# Orders that still need the customer's address: not paid yet, or paid and not yet shipped.
UNFINISHED = (OrderStatus.pending_payment, OrderStatus.paid)
OPEN = (RequestStatus.requested, RequestStatus.waiting)


def request_erasure(kind: RequestKind, email: str, user_id: int | None = None) -> ErasureRequest:
    """The person's open erasure request, or a new one; flushes."""
    email = email.strip().lower()
    match = ErasureRequest.user_id == user_id if user_id is not None else func.lower(ErasureRequest.email) == email
    found = db.session.scalar(
        select(ErasureRequest).where(ErasureRequest.kind == kind, ErasureRequest.status.in_(OPEN), match)
    )
    if found:
        return found
    found = ErasureRequest(kind=kind, email=email, user_id=user_id)
    db.session.add(found)
    db.session.flush()
    return found


def subject_of(request: ErasureRequest) -> Subject:
    if request.kind is RequestKind.customer:
        return Subject.customer(request.email)
    return Subject.account(db.session.get(User, request.user_id))


def blockers(subject: Subject) -> list[str]:
    """Why the data must be kept for now (empty when it may be erased)."""
    reasons = []
    if subject.email and db.session.scalar(
        select(func.count()).where(func.lower(Order.email) == subject.email, Order.status.in_(UNFINISHED))
    ):
        reasons.append(_("An order is not shipped yet: the supplier needs the address until it is."))
    if any(balance_due(subject).values()):
        reasons.append(_("Money is still due between you and Sharestall: the account is kept until it is settled."))
    if subject.supplier_id is not None and db.session.scalar(
        select(func.count()).where(PurchaseOrder.supplier_id == subject.supplier_id,
                                   PurchaseOrder.status == POStatus.open)
    ):
        reasons.append(_("Purchase orders are still waiting to be shipped."))
    return reasons


def balance_due(subject: Subject) -> dict[str, int]:
    """Per currency, the net of every ledger entry naming the subject's supplier or stores (0 when settled)."""
    party = []
    if subject.supplier_id is not None:
        party.append(LedgerEntry.supplier_id == subject.supplier_id)
    if subject.store_ids:
        party.append(LedgerEntry.store_id.in_(subject.store_ids))
    if not party:
        return {}
    rows = db.session.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor)).where(or_(*party))
        .group_by(LedgerEntry.currency)
    )
    return {currency: int(total) for currency, total in rows if int(total)}


def carry_out(request: ErasureRequest) -> list[str]:
    """Erase the request's subject, or mark it waiting with the reasons; flushes. Returns the reasons."""
    subject = subject_of(request)
    reasons = blockers(subject)
    if reasons:
        request.apply("wait")
        request.note = " ".join(reasons)[:255]
        return reasons
    erase(subject)
    request.apply("erase")
    request.note = ""
    request.done_at = now_utc()
    # The request's own address goes too; erase() already covered it when it named the same person.
    _blank_rows(ErasureRequest.__table__, {"email": Blank.EMAIL}, ErasureRequest.id == request.id)
    return []


def erase(subject: Subject) -> None:
    """Overwrite every registered personal column and JSON field of the subject, close their store and catalog;
    flushes."""
    db.session.flush()
    tables = db.metadata.tables
    if subject.supplier_id is not None:
        db.session.execute(update(Supplier).where(Supplier.id == subject.supplier_id)
                           .values(status=SupplierStatus.suspended))
    if subject.store_ids:
        # A store of no one sells nothing: its picks go, its orders and ledger rows stay.
        db.session.execute(delete(Pick).where(Pick.store_id.in_(subject.store_ids)))
        db.session.execute(update(Store).where(Store.id.in_(subject.store_ids)).values(featured=False))
    # Before the owners' rows are blanked: they are found by the very columns erasure overwrites.
    for name, entry in PERSONAL_JSON.items():
        _redact_documents(tables[name], entry, subject)
    for registry in (PERSONAL, SECRETS):
        for name, entry in registry.items():
            _blank_rows(tables[name], entry.columns, rows_condition(tables[name], entry, subject))
    for name in SIGN_IN_TABLES:
        if subject.user_id is not None and name in tables:
            db.session.execute(delete(tables[name]).where(tables[name].c.user_id == subject.user_id))
    db.session.expire_all()


def _blank_rows(table, columns: dict[str, str], condition) -> None:
    values = {name: _placeholder(table, kind) for name, kind in columns.items()}
    db.session.execute(update(table).where(condition).values(**values).execution_options(synchronize_session=False))


def _redact_documents(table, entry: JsonEntry, subject: Subject) -> None:
    """Overwrite the registered fields inside the subject's JSON documents, keeping the rest of each as it was."""
    redacted = []
    for row_id, text, owner_id in reached_rows(table, entry, subject):
        document = json.loads(text)
        for path, kind in entry.fields.items():
            replace_field(document, path, erased_value(kind, owner_id))
        redacted.append({"row_id": row_id, "document": json.dumps(document, ensure_ascii=False, separators=(",", ":"))})
    if redacted:
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values({entry.column: bindparam("document")}), redacted)


def erased_value(kind: str, owner_id: int):
    """What erasure writes for a kind of value, as _placeholder does in SQL for the row `owner_id`."""
    return {
        Blank.TEXT: ERASED_TEXT, Blank.EMPTY: "", Blank.NULL: None,
        Blank.EMAIL: f"erased-{owner_id}{ERASED_DOMAIN}", Blank.SLUG: f"erased-{owner_id}",
    }[kind]


def _placeholder(table, kind: str):
    row_id = cast(table.c.id, String)
    return {
        Blank.TEXT: literal(ERASED_TEXT),
        Blank.EMPTY: literal(""),
        Blank.NULL: None,
        Blank.EMAIL: literal("erased-") + row_id + literal(ERASED_DOMAIN),
        Blank.SLUG: literal("erased-") + row_id,
    }[kind]


def is_placeholder(kind: str, value) -> bool:
    """Whether a value is what erasure leaves behind."""
    if kind == Blank.EMAIL:
        return isinstance(value, str) and value.startswith("erased-") and value.endswith(ERASED_DOMAIN)
    if kind == Blank.SLUG:
        return isinstance(value, str) and value.startswith("erased-")
    return value in {Blank.TEXT: (ERASED_TEXT,), Blank.EMPTY: ("",), Blank.NULL: (None,)}[kind]

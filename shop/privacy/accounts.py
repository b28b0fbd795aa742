"""A reseller's or supplier's own export: account, stores, picks, links, visits, orders, money and catalog."""
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.catalog.models import Product, Supplier
from shop.earnings import exports as earnings_exports
from shop.earnings.models import LedgerEntry, LedgerTransaction
from shop.extensions import db
from shop.fulfillment.models import PurchaseOrder
from shop.stores.models import Click, Pick, ShareLink, Store

from .exports import Sections, personal_rows
from .subjects import Subject


def account_export(user: User) -> Sections:
    """Everything of the account holder's, by section; customers' contact details stay out."""
    sections: Sections = {
        "account": [{"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                     "language": user.locale, "created_at": user.created_at}],
    }
    stores = list(db.session.scalars(select(Store).where(Store.user_id == user.id).order_by(Store.id)))
    if stores:
        sections.update(_reseller_sections(stores))
    supplier = db.session.scalar(select(Supplier).where(Supplier.user_id == user.id))
    if supplier:
        sections.update(_supplier_sections(supplier))
    subject = Subject.account(user)
    sections["personal_data"] = [
        {"table": table, **row} for table, rows in personal_rows(subject).items() for row in rows
    ]
    return sections


def _reseller_sections(stores: list[Store]) -> Sections:
    ids = [s.id for s in stores]
    picks = db.session.scalars(
        select(Pick).where(Pick.store_id.in_(ids)).options(selectinload(Pick.product)).order_by(Pick.id)
    )
    links = db.session.scalars(
        select(ShareLink).where(ShareLink.store_id.in_(ids)).options(selectinload(ShareLink.product))
        .order_by(ShareLink.id)
    )
    day = func.date(Click.created_at)
    clicks = db.session.execute(
        select(Click.store_id, day, Click.channel, func.count()).where(Click.store_id.in_(ids))
        .group_by(Click.store_id, day, Click.channel).order_by(day, Click.store_id, Click.channel)
    )
    return {
        "stores": [{"id": s.id, "name": s.name, "slug": s.slug, "tagline": s.tagline, "colour": s.colour,
                    "logo": s.logo_src, "invite_code": s.invite_code, "created_at": s.created_at} for s in stores],
        "picks": [{"store": p.store_id, "product": p.product.title, "product_slug": p.product.slug,
                   "price_minor": p.price_minor, "position": p.position, "created_at": p.created_at}
                  for p in picks],
        "share_links": [{"store": link.store_id, "code": link.code, "channel": link.channel,
                         "product": link.product.title if link.product else "", "created_at": link.created_at}
                        for link in links],
        "visits_by_day": [{"store": store_id, "day": str(d), "channel": channel, "visits": n}
                          for store_id, d, channel, n in clicks],
        # The reseller's side of each order: first name and city only, as on their dashboard.
        "orders": [row for s in stores for row in _table(earnings_exports.order_rows(s.id), store=s.id)],
        "earnings": [row for s in stores for row in _table(earnings_exports.ledger_rows(s.id), store=s.id)],
    }


def _supplier_sections(supplier: Supplier) -> Sections:
    products = db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id).options(selectinload(Product.variants))
        .order_by(Product.id)
    )
    pos = db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.supplier_id == supplier.id)
        .options(selectinload(PurchaseOrder.lines)).order_by(PurchaseOrder.id)
    )
    ledger = db.session.execute(
        select(LedgerTransaction.created_at, LedgerTransaction.order_id, LedgerTransaction.kind,
               LedgerEntry.account, LedgerEntry.amount_minor, LedgerEntry.currency)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.supplier_id == supplier.id).order_by(LedgerEntry.id)
    )
    return {
        "supplier": [{"id": supplier.id, "name": supplier.name, "email": supplier.email,
                      "status": supplier.status, "created_at": supplier.created_at}],
        "catalog": [{"product": p.handle, "title": p.title, "category": p.category, "published": p.published,
                     "sku": v.sku, "options": v.title, "wholesale_minor": v.wholesale_minor,
                     "retail_minor": v.retail_minor, "stock": v.stock} for p in products for v in p.variants],
        # The ship-to address was the supplier's to use for shipping; the export keeps the business side only.
        "purchase_orders": [{"purchase_order": po.id, "order": po.order_id, "status": po.status,
                             "carrier": po.carrier, "tracking_number": po.tracking_number,
                             "created_at": po.created_at, "shipped_at": po.shipped_at,
                             "items": "; ".join(f"{line.quantity} × {line.sku}" for line in po.lines),
                             "wholesale_minor": po.wholesale_total} for po in pos],
        "ledger": [{"date": created, "order": order_id, "kind": kind, "account": account,
                    "amount_minor": amount, "currency": currency}
                   for created, order_id, kind, account, amount, currency in ledger],
    }


def _table(rows: list[list], **extra) -> list[dict]:
    """Spreadsheet rows (a header, then values) as dicts."""
    header, *body = rows
    return [{**extra, **dict(zip(header, values))} for values in body]

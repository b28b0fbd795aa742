"""Import a supplier's catalog from a Shopify product CSV (or the same data as JSON), streamed and in chunks."""
import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import nh3
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from shop import money
from shop.extensions import db

from .models import MAX_FETCH_ATTEMPTS, Product, ProductImage, Variant

CHUNK_PRODUCTS = 250
MAX_AMOUNT = 1_000_000_000  # minor units; keeps every value inside a 32-bit integer column
MAX_STOCK = 1_000_000_000

# Shopify header (lower case, single spaces) -> our field name.
COLUMNS = {
    "handle": "handle", "title": "title", "body (html)": "body", "vendor": "vendor", "type": "category",
    "tags": "tags", "option1 name": "option1_name", "option1 value": "option1", "option2 name": "option2_name",
    "option2 value": "option2", "option3 name": "option3_name", "option3 value": "option3",
    "variant sku": "sku", "variant inventory qty": "qty", "variant price": "price",
    "variant compare at price": "compare_at", "image src": "image_src", "image position": "image_position",
    "image alt text": "image_alt", "variant image": "variant_image", "status": "status", "published": "published",
}
REQUIRED = {"handle": "Handle", "title": "Title", "sku": "Variant SKU", "price": "Variant Price"}
VARIANT_FIELDS = ("sku", "price", "qty", "compare_at", "option1", "option2", "option3", "variant_image")
TEXT_FIELDS = ("handle", "sku", "option1", "option2", "option3", "image_src", "image_alt", "variant_image",
               "vendor", "category", "tags", "option1_name", "option2_name", "option3_name", "title")

HTML_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6",
             "blockquote", "a", "span", "table", "thead", "tbody", "tr", "th", "td", "hr"}
HTML_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_WEB_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (empty, not a product CSV)."""


def sanitize_html(html: str) -> str:
    """Keep basic formatting and safe links; drop scripts, event handlers and everything else."""
    if not html:
        return ""
    return nh3.clean(html, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def slugify(handle: str) -> str:
    text = unicodedata.normalize("NFKC", handle).lower()
    slug = re.sub(r"[\W_]+", "-", text).strip("-")[:200].strip("-")
    return slug or "product"


def parse_price(text: str, currency: str) -> int | None:
    """A spreadsheet price in minor units, or None when it is not a positive amount we can store."""
    value = money.to_minor(text, currency) if text else None
    if value is None or value <= 0 or value >= MAX_AMOUNT:
        return None
    return value


def parse_stock(text: str) -> int | None:
    """A stock count from a spreadsheet ("10.0", "1,200", "1.2E+01"); None when blank; ValueError(message)."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Stock must be a whole number of 0 or more.")) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(_("Stock must be a whole number of 0 or more."))
    if value < 0:
        raise ValueError(_("Stock cannot be negative."))
    if value >= MAX_STOCK:
        raise ValueError(_("Stock is too large."))
    return int(value)


def _published(cells: dict) -> tuple[bool | None, str | None]:
    status = cells["status"].lower()
    if status:
        if status == "active":
            return True, None
        if status in ("draft", "archived"):
            return False, None
        return None, _("Status must be active, draft or archived.")
    published = cells["published"].lower()
    if published in _TRUE:
        return True, None
    if published in _FALSE:
        return False, None
    if published:
        return None, _("Published must be TRUE or FALSE.")
    return None, None


@dataclass
class Row:
    number: int
    cells: dict
    label: str = ""  # names the part of a JSON item the row came from


@dataclass
class _Product:
    """What this import knows about one handle."""

    product_id: int | None
    is_new: bool
    failed_row: int | None = None
    variants: int = 0
    images: int = 0
    images_reset: bool = False


@dataclass
class _Chunk:
    products: int = 0
    new_products: dict = field(default_factory=dict)  # handle -> insert params
    product_updates: list = field(default_factory=list)
    new_variants: list = field(default_factory=list)  # (handle, params without product_id)
    variant_updates: list = field(default_factory=list)
    new_images: list = field(default_factory=list)  # (handle, params without product_id)
    reset_images: set = field(default_factory=set)


class CatalogImport:
    """One import run for one supplier: validates rows, remembers what it saw, writes a chunk at a time."""

    def __init__(self, supplier_id: int, currency: str, progress: Callable[[int], None] | None = None,
                 chunk_products: int = CHUNK_PRODUCTS, error_key: str = "row"):
        self.supplier_id = supplier_id
        self.currency = currency
        self.progress = progress
        self.chunk_products = chunk_products
        self.error_key = error_key
        self.known: dict[str, _Product] = {}
        self.skus_in_file: dict[str, int] = {}
        self.chunk = _Chunk()
        self.rows_done = 0
        self.report = {"products_created": 0, "products_updated": 0, "variants_created": 0,
                       "variants_updated": 0, "errors": []}
        self.handles: dict[str, int] = {}
        self.skus: dict[str, tuple[int, int]] = {}  # sku -> (variant id, product id)
        rows = db.session.execute(
            select(Product.id, Product.handle, Variant.id, Variant.sku)
            .outerjoin(Variant, Variant.product_id == Product.id)
            .where(Product.supplier_id == supplier_id)
        )
        for product_id, handle, variant_id, sku in rows:
            self.handles[handle] = product_id
            if variant_id is not None:
                self.skus[sku] = (variant_id, product_id)

    def error(self, row: Row, messages: list[str] | str) -> None:
        text = messages if isinstance(messages, str) else " ".join(messages)
        self.report["errors"].append({self.error_key: row.number, "message": row.label + text})

    def take(self, handle: str, rows: list[Row], atomic: bool = False) -> None:
        """Import the rows of one handle; with atomic, any bad row rejects them all."""
        if self.chunk.products >= self.chunk_products:
            self.flush()
        known = self.known.get(handle)
        if known and known.failed_row is not None:
            for row in rows:
                self.error(row, self._skipped(known))
            return
        pending: dict[str, int] = {}
        checked = []
        for index, row in enumerate(rows):
            first = known is None and index == 0
            checked.append((row, first, *self._check(handle, row, first, pending)))
        if atomic and any(errors for *_ignored, errors in checked):
            for row, _first, _product, _variant, _image, errors in checked:
                if errors:
                    self.error(row, errors)
            if known is None:
                self.known[handle] = _Product(None, True, failed_row=rows[0].number)
            return
        self.chunk.products += 1
        for row, first, product, variant, image, errors in checked:
            if known is not None and known.failed_row is not None:
                self.error(row, self._skipped(known))
                continue
            if errors:
                self.error(row, errors)
                if first:
                    known = self.known[handle] = _Product(None, handle not in self.handles, failed_row=row.number)
                continue
            if first:
                known = self._start_product(handle, product)
            if variant:
                self._add_variant(handle, known, variant, row)
            if image:
                self._add_image(handle, known, image)

    def _skipped(self, known: _Product) -> str:
        if self.error_key == "item":
            return _("Skipped: item %(item)s, which has the same handle, has an error.", item=known.failed_row)
        return _("Skipped: this product's first row (row %(row)s) has an error.", row=known.failed_row)

    def _check(self, handle: str, row: Row, first: bool, pending: dict) -> tuple:
        """Validate one row: (product fields, variant fields, image fields, error messages)."""
        cells = row.cells
        errors: list[str] = []
        product = variant = image = None
        if first:
            product, product_errors = self._check_product(handle, cells)
            errors += product_errors
        if first or any(cells[name] for name in VARIANT_FIELDS):
            variant, variant_errors = self._check_variant(handle, cells, pending)
            errors += variant_errors
            if not variant_errors:
                pending[variant["sku"]] = row.number
        if cells["image_src"]:
            image, image_errors = self._check_image(cells)
            errors += image_errors
        return product, variant, image, errors

    def _check_product(self, handle: str, cells: dict) -> tuple[dict, list[str]]:
        errors = []
        if len(handle) > 255:
            errors.append(_("Handle is longer than 255 characters."))
        if not cells["title"]:
            errors.append(_("Title is missing on the product's first row."))
        published, problem = _published(cells)
        if problem:
            errors.append(problem)
        product = {
            "title": cells["title"][:255], "body_html": sanitize_html(cells["body"]),
            "vendor": cells["vendor"][:255], "category": cells["category"][:255], "tags": cells["tags"],
            "option1_name": cells["option1_name"][:255], "option2_name": cells["option2_name"][:255],
            "option3_name": cells["option3_name"][:255], "published": published,
        }
        return product, errors

    def _check_variant(self, handle: str, cells: dict, pending: dict) -> tuple[dict, list[str]]:
        errors = []
        sku = cells["sku"]
        if not sku:
            errors.append(_("SKU is missing."))
        elif len(sku) > 255:
            errors.append(_("SKU is longer than 255 characters."))
        elif sku in self.skus_in_file or sku in pending:
            where = self.skus_in_file[sku] if sku in self.skus_in_file else pending[sku]
            if self.error_key == "item":
                errors.append(_("SKU %(sku)s is already used by item %(item)s.", sku=sku, item=where))
            else:
                errors.append(_("SKU %(sku)s is already used on row %(row)s of this file.", sku=sku, row=where))
        elif sku in self.skus and self.skus[sku][1] != self.handles.get(handle):
            errors.append(_("SKU %(sku)s already belongs to another of your products.", sku=sku))
        price = parse_price(cells["price"], self.currency)
        if price is None:
            errors.append(_("Price must be a positive number, like 12.50."))
        retail = None
        if cells["compare_at"]:
            retail = money.to_minor(cells["compare_at"], self.currency)
            if retail is None or retail < 0 or retail >= MAX_AMOUNT:
                errors.append(_("Compare-at price must be a number, like 19.99."))
            retail = retail or None
        stock = None
        try:
            stock = parse_stock(cells["qty"])
        except ValueError as exc:
            errors.append(str(exc))
        variant_image = cells["variant_image"]
        if variant_image and not (_WEB_URL.fullmatch(variant_image) and len(variant_image) <= 2048):
            errors.append(_("Variant Image must be a web address starting with https:// or http://."))
        variant = {
            "sku": sku, "option1": cells["option1"][:255], "option2": cells["option2"][:255],
            "option3": cells["option3"][:255], "wholesale_minor": price, "retail_minor": retail,
            "stock": stock, "image_src": variant_image,
        }
        return variant, errors

    def _check_image(self, cells: dict) -> tuple[dict, list[str]]:
        src = cells["image_src"]
        if not _WEB_URL.fullmatch(src) or len(src) > 2048:
            return None, [_("Image Src must be a web address starting with https:// or http://.")]
        try:
            position = int(Decimal(cells["image_position"]))
        except (InvalidOperation, ValueError, OverflowError):
            position = None
        return {"src": src, "position": position, "alt": cells["image_alt"][:512]}, []

    def _start_product(self, handle: str, fields: dict) -> _Product:
        product_id = self.handles.get(handle)
        if product_id is None:
            params = {**fields, "supplier_id": self.supplier_id, "handle": handle}
            params["published"] = True if fields["published"] is None else fields["published"]
            self.chunk.new_products[handle] = params
            self.report["products_created"] += 1
        else:
            params = {key: value for key, value in fields.items() if value is not None}
            self.chunk.product_updates.append({"id": product_id, **params})
            self.report["products_updated"] += 1
        known = self.known[handle] = _Product(product_id, product_id is None)
        return known

    def _add_variant(self, handle: str, known: _Product, fields: dict, row: Row) -> None:
        known.variants += 1
        self.skus_in_file[fields["sku"]] = row.number
        existing = self.skus.get(fields["sku"])
        if existing:
            params = {key: value for key, value in fields.items() if value is not None or key == "retail_minor"}
            self.chunk.variant_updates.append({"id": existing[0], "position": known.variants, **params})
            self.report["variants_updated"] += 1
        else:
            params = {**fields, "supplier_id": self.supplier_id, "position": known.variants,
                      "stock": fields["stock"] or 0}
            self.chunk.new_variants.append((handle, params))
            self.report["variants_created"] += 1

    def _add_image(self, handle: str, known: _Product, fields: dict) -> None:
        if not known.is_new and not known.images_reset:
            # The file is the truth for a product's outside images; uploaded /media ones are kept.
            known.images_reset = True
            self.chunk.reset_images.add(known.product_id)
        known.images += 1
        self.chunk.new_images.append((handle, {**fields, "position": fields["position"] or known.images}))

    def flush(self) -> None:
        """Write the chunk with a few bulk statements, then report progress."""
        chunk, self.chunk = self.chunk, _Chunk()
        if chunk.new_products:
            self._assign_slugs(list(chunk.new_products.values()))
            created = db.session.execute(insert(Product).returning(Product.id, Product.handle),
                                         list(chunk.new_products.values()))
            for product_id, handle in created:
                self.known[handle].product_id = product_id
        if chunk.product_updates:
            db.session.execute(update(Product), chunk.product_updates)
        if chunk.new_variants:
            db.session.execute(insert(Variant), [{**params, "product_id": self.known[handle].product_id}
                                                 for handle, params in chunk.new_variants])
        if chunk.variant_updates:
            db.session.execute(update(Variant), chunk.variant_updates)
        copies = {}
        if chunk.reset_images:
            copies = _fetched_copies(chunk.reset_images)
            db.session.execute(delete(ProductImage).where(
                ProductImage.product_id.in_(chunk.reset_images),
                ~ProductImage.src.startswith("/media/") | ProductImage.remote_src.is_not(None),
            ))
        if chunk.new_images:
            rows = [{**params, "product_id": self.known[handle].product_id, "remote_src": None, "fetch_attempts": 0,
                     "fetch_error": ""} for handle, params in chunk.new_images]
            for row in rows:
                # A photo named again keeps its /media copy (or its failure) instead of being fetched anew.
                row.update(copies.get((row["product_id"], row["src"]), {}))
            db.session.execute(insert(ProductImage), rows)
        if self.progress:
            self.progress(self.rows_done)

    def _assign_slugs(self, products: list[dict]) -> None:
        """Slugs are public URLs shared by every supplier: the handle's, or with a suffix when taken."""
        bases = [slugify(p["handle"]) for p in products]
        taken = set(db.session.scalars(select(Product.slug).where(Product.slug.in_(set(bases)))))
        used: set[str] = set()
        clashes = []
        for params, base in zip(products, bases):
            if base in taken or base in used:
                clashes.append((params, base))
            else:
                params["slug"] = base
                used.add(base)
        if not clashes:
            return
        candidates = {f"{base}-{n}" for _params, base in clashes for n in range(2, 10)}
        taken |= set(db.session.scalars(select(Product.slug).where(Product.slug.in_(candidates))))
        for params, base in clashes:
            free = [f"{base}-{n}" for n in range(2, 10) if f"{base}-{n}" not in taken | used]
            params["slug"] = free[0] if free else f"{base}-{secrets.token_hex(4)}"
            used.add(params["slug"])

    def finish(self) -> dict:
        self.flush()
        db.session.expire_all()
        return self.report


def _fetched_copies(product_ids: set[int]) -> dict[tuple[int, str], dict]:
    """{(product id, outside address): fetch state} of photos copied, or given up on, for these products."""
    rows = db.session.execute(
        select(ProductImage.product_id, ProductImage.src, ProductImage.remote_src, ProductImage.fetch_attempts,
               ProductImage.fetch_error)
        .where(ProductImage.product_id.in_(product_ids),
               ProductImage.remote_src.is_not(None) | (ProductImage.fetch_attempts >= MAX_FETCH_ATTEMPTS))
    )
    return {
        (row.product_id, row.remote_src or row.src): {"src": row.src, "remote_src": row.remote_src,
                                                      "fetch_attempts": row.fetch_attempts,
                                                      "fetch_error": row.fetch_error}
        for row in rows
    }


def _currency() -> str:
    return current_app.config.get("CURRENCY", "USD") if has_app_context() else "USD"


def _text_stream(stream) -> io.TextIOBase:
    if isinstance(stream, io.TextIOBase):
        return stream
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")


def _header_index(header: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        key = COLUMNS.get(" ".join(name.replace("\ufeff", "").lower().split()))
        if key and key not in index:
            index[key] = position
    missing = [label for key, label in REQUIRED.items() if key not in index]
    if "handle" not in index:
        raise ImportFileError(_("This file has no Handle column. Upload a Shopify product CSV "
                                "(the template shows the columns)."))
    if missing:
        raise ImportFileError(_("This file lacks the columns: %(columns)s.", columns=", ".join(missing)))
    return index


def _records(stream):
    """(spreadsheet row number, fields) for each CSV record after the header; the header index first."""
    csv.field_size_limit(16 * 1024 * 1024)
    reader = csv.reader(_text_stream(stream))
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeError) as exc:
        raise ImportFileError(_("This file is not a CSV file.")) from exc
    if not header:
        raise ImportFileError(_("The file is empty."))
    yield _header_index(header)
    number = 1
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, exc
            continue
        yield number, record


def check_csv_header(stream) -> None:
    """Raise ImportFileError unless the stream starts with a usable Shopify product header."""
    next(_records(stream))


def import_csv(supplier_id: int, stream, progress: Callable[[int], None] | None = None,
               chunk_products: int = CHUNK_PRODUCTS) -> dict:
    """Import a Shopify product CSV (a binary or text stream) for one supplier; flushes, never commits."""
    records = _records(stream)
    index = next(records)
    run = CatalogImport(supplier_id, _currency(), progress, chunk_products)
    blank = dict.fromkeys(COLUMNS.values(), "")
    handle, group = None, []
    number = 1
    for number, record in records:
        if isinstance(record, Exception):
            run.error(Row(number, blank), _("This row could not be read: %(problem)s", problem=str(record)))
            continue
        cells = blank.copy()
        size = len(record)
        for key, position in index.items():
            if position < size:
                cells[key] = record[position].strip()
        if not any(cells.values()):
            continue
        if not cells["handle"]:
            run.error(Row(number, cells), _("Handle is missing."))
            continue
        if cells["handle"] != handle and group:
            run.take(handle, group)
            run.rows_done, group = number - 2, []
        handle = cells["handle"]
        group.append(Row(number, cells))
    if group:
        run.take(handle, group)
    run.rows_done = number - 1
    return run.finish()


def count_csv_rows(path: str) -> int:
    """The number of data records in a CSV file, for a progress bar."""
    with open(path, "rb") as raw:
        try:
            return max(sum(1 for _record in csv.reader(_text_stream(raw))) - 1, 0)
        except csv.Error:
            raw.seek(0)
            return max(sum(1 for _line in raw) - 1, 0)


def _item_rows(index: int, item: dict) -> list[Row]:
    """One JSON product as rows shaped like a Shopify CSV's: product and first variant, more variants, images."""

    def text(mapping, *names) -> str:
        for name in names:
            value = mapping.get(name)
            if value is None:
                continue
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, list):
                return ", ".join(str(v) for v in value)
            return str(value).strip()
        return ""

    blank = dict.fromkeys(COLUMNS.values(), "")
    options = item.get("options") or []
    options = [o.get("name", "") if isinstance(o, dict) else o for o in options] if isinstance(options, list) else []
    product = {
        "handle": text(item, "handle"), "title": text(item, "title"),
        "body": text(item, "body_html", "body", "description"), "vendor": text(item, "vendor"),
        "category": text(item, "category", "type", "product_type"), "tags": text(item, "tags"),
        "status": text(item, "status"), "published": text(item, "published"),
        **{f"option{n}_name": str(options[n - 1]).strip() if len(options) >= n else "" for n in (1, 2, 3)},
    }
    rows = []
    variants = item.get("variants") or [{}]
    for position, variant in enumerate(variants, start=1):
        variant = variant if isinstance(variant, dict) else {}
        cells = {**blank, "handle": product["handle"],
                 "sku": text(variant, "sku"), "price": text(variant, "price", "wholesale"),
                 "compare_at": text(variant, "compare_at_price", "compare_at", "retail"),
                 "qty": text(variant, "inventory_quantity", "inventory_qty", "stock"),
                 "option1": text(variant, "option1"), "option2": text(variant, "option2"),
                 "option3": text(variant, "option3"), "variant_image": text(variant, "image", "image_src")}
        if position == 1:
            cells.update(product)
        label = _("Variant %(n)s: ", n=position) if len(variants) > 1 else ""
        rows.append(Row(index, cells, label))
    for position, image in enumerate(item.get("images") or [], start=1):
        image = {"src": image} if isinstance(image, str) else image if isinstance(image, dict) else {}
        cells = {**blank, "handle": product["handle"], "image_src": text(image, "src"),
                 "image_position": text(image, "position") or str(position), "image_alt": text(image, "alt")}
        rows.append(Row(index, cells, _("Image %(n)s: ", n=position)))
    return rows


def import_items(supplier_id: int, items: Iterable, progress: Callable[[int], None] | None = None,
                 chunk_products: int = CHUNK_PRODUCTS) -> dict:
    """Import products given as JSON objects (each with variants and images); a bad item is skipped whole.

    Errors name the item by its index in the list: {"item": 0, "message": ...}.
    """
    run = CatalogImport(supplier_id, _currency(), progress, chunk_products, error_key="item")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            run.error(Row(index, {}), _("Each product must be a JSON object."))
            continue
        if not isinstance(item.get("variants") or [], list) or not isinstance(item.get("images") or [], list):
            run.error(Row(index, {}), _("Variants and images must be lists."))
            continue
        rows = _item_rows(index, item)
        if not rows[0].cells["handle"]:
            run.error(rows[0], _("Handle is missing."))
            continue
        if not item.get("variants"):
            run.error(Row(index, {}), _("A product needs at least one variant."))
            continue
        run.take(rows[0].cells["handle"], rows, atomic=True)
        run.rows_done = index + 1
    return run.finish()

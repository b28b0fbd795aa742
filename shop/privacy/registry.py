"""Where personal data lives: every column that names, reaches or locates a person, and how it is erased.

tests/privacy/test_registry.py walks the whole metadata: a column whose name suggests personal data must be
listed here, in NOT_PERSONAL (with the reason) or in SECRETS, so a new model cannot slip past export and erasure.
Personal details copied into a JSON document (PERSONAL_JSON) are listed by their path inside it.
"""
import re
from dataclasses import dataclass, field


class Blank:
    """How a column is overwritten on erasure."""

    TEXT = "text"  # "Erased": the column may not be empty
    EMPTY = "empty"  # ""
    NULL = "null"  # NULL
    EMAIL = "email"  # erased-<id>@erased.invalid: still unique, never deliverable (RFC 2606)
    SLUG = "slug"  # erased-<id>: still unique, names no one


ERASED_TEXT = "Erased"
ERASED_DOMAIN = "@erased.invalid"


@dataclass(frozen=True)
class Entry:
    """A table's personal columns, and the columns that say whose they are (user, supplier, store or email)."""

    columns: dict[str, str]
    owners: dict[str, str] = field(default_factory=dict)


PERSONAL: dict[str, Entry] = {
    "users": Entry({"email": Blank.EMAIL, "name": Blank.EMPTY}, {"user": "id"}),
    "suppliers": Entry({"name": Blank.TEXT, "email": Blank.EMAIL}, {"user": "user_id"}),
    # A store's name and address often carry the reseller's own name ("Mei's Picks").
    "stores": Entry({"name": Blank.TEXT, "slug": Blank.SLUG, "tagline": Blank.EMPTY, "logo_src": Blank.EMPTY},
                    {"user": "user_id"}),
    "orders": Entry(
        {"customer_name": Blank.TEXT, "email": Blank.EMAIL, "phone": Blank.EMPTY, "address1": Blank.TEXT,
         "address2": Blank.EMPTY, "city": Blank.TEXT, "region": Blank.EMPTY, "postcode": Blank.EMPTY},
        {"email": "email"},
    ),
    "erasure_requests": Entry({"email": Blank.EMAIL}, {"email": "email", "user": "user_id"}),
    # Payout details (shop/earnings): the IBAN goes too; money still due keeps the account from erasure anyway.
    "bank_accounts": Entry({"holder": Blank.TEXT, "iban": Blank.TEXT, "bic": Blank.EMPTY},
                           {"store": "store_id", "supplier": "supplier_id"}),
}


@dataclass(frozen=True)
class JsonEntry:
    """Personal fields inside a JSON text column, on rows that reach their owner only through other tables."""

    column: str
    # A dotted path of keys inside the JSON document, and how its value is overwritten (as on the owner's row).
    fields: dict[str, str]
    # Foreign-key columns followed from this table to the owner's table, one per hop.
    via: tuple[str, ...]
    # As Entry.owners, on the owner's table.
    owners: dict[str, str]


# The event a webhook supplier receives copies the customer's ship-to address (shop/fulfillment/webhooks.py
# event_body) and keeps it after the order is erased; it reaches the order through its purchase order.
PERSONAL_JSON: dict[str, JsonEntry] = {
    "webhook_deliveries": JsonEntry(
        "payload",
        {f"data.purchase_order.ship_to.{key}": blank for key, blank in (
            ("name", Blank.TEXT), ("phone", Blank.EMPTY), ("address1", Blank.TEXT), ("address2", Blank.EMPTY),
            ("city", Blank.TEXT), ("region", Blank.EMPTY), ("postcode", Blank.EMPTY),
        )},
        via=("purchase_order_id", "order_id"),
        owners=PERSONAL["orders"].owners,
    ),
}

# Columns whose names look personal but are not, and why.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("products", "option1_name"): "an option's label, such as Size",
    ("products", "option2_name"): "an option's label, such as Colour",
    ("products", "option3_name"): "an option's label, such as Material",
    ("import_jobs", "filename"): "the name of a catalog file the supplier uploaded",
    ("orders", "country"): "kept for tax records; a country alone names no one",
    ("clicks", "visitor"): "a random cookie id, never joined to an email or account; counts visits",
    ("notices", "key"): "which mail was sent for which order, by number",
    ("api_keys", "name"): "the label a supplier gave an API key, such as Warehouse",
}

# Credentials: never exported, destroyed on erasure.
SECRETS: dict[str, Entry] = {
    "users": Entry({"password_hash": Blank.TEXT, "totp_secret": Blank.NULL, "totp_last_step": Blank.NULL},
                   {"user": "id"}),
    "api_keys": Entry({"key_hash": Blank.TEXT}, {"supplier": "supplier_id"}),
    "supplier_channels": Entry({"webhook_secret": Blank.EMPTY}, {"supplier": "supplier_id"}),
}
# Sign-in rows deleted on erasure (by their user_id column), which ends every session of the account.
SIGN_IN_TABLES = ("user_sessions", "recovery_codes")

# Words in a column name that suggest personal data; a name is split on "_" and digits are ignored.
PERSONAL_WORDS = {
    "email", "mail", "name", "phone", "mobile", "address", "addr", "street", "city", "postcode",
    "zip", "region", "country", "ip", "agent", "bank", "iban", "bic", "swift", "holder", "sort",
    "routing", "birth", "tax", "vat", "passport", "visitor", "contact", "recipient", "person",
}
PERSONAL_PHRASES = ("user_agent", "account_holder", "account_number", "line1", "line2", "post_code")


def looks_personal(column: str) -> bool:
    """Whether a column's name suggests it holds personal data."""
    name = column.lower()
    words = {re.sub(r"\d+", "", word) for word in name.split("_")}
    return bool(words & PERSONAL_WORDS) or any(phrase in name for phrase in PERSONAL_PHRASES)


def is_classified(table: str, column: str) -> bool:
    entry = PERSONAL.get(table)
    return (
        (entry is not None and column in entry.columns)
        or (table, column) in NOT_PERSONAL
        or (table in SECRETS and column in SECRETS[table].columns)
        or (table in PERSONAL_JSON and column == PERSONAL_JSON[table].column)
    )


def field_at(document, path: str):
    """The value at a dotted path of keys inside a JSON document; None when the path is not there."""
    for key in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def replace_field(document, path: str, value) -> None:
    """Overwrite the value at a dotted path of keys, only where the document has it."""
    *parents, last = path.split(".")
    for key in parents:
        document = document.get(key) if isinstance(document, dict) else None
    if isinstance(document, dict) and last in document:
        document[last] = value

"""Operator settings kept in the database, falling back to the app's config."""
from flask import current_app
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class Setting(db.Model):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


def platform_fee_bp() -> int:
    """The platform fee in basis points of the retail price."""
    row = db.session.get(Setting, "platform_fee_bp")
    return int(row.value) if row else current_app.config["PLATFORM_FEE_BP"]


def set_platform_fee_bp(value: int) -> None:
    row = db.session.get(Setting, "platform_fee_bp") or Setting(key="platform_fee_bp")
    row.value = str(value)
    db.session.add(row)


# Referral and attribution rules the operator may change; the defaults hold until they do.
REFERRAL_DEFAULTS = {
    "attribution_days": 30,  # how long a click binds a visitor to a reseller's link
    "override_level1_bp": 1000,  # the inviter's share of the platform fee on an invitee's sales (10 %)
    "override_level2_bp": 500,  # the inviter's inviter's share (5 %); there is never a third level
    "override_months": 12,  # how long after the invitee opened their store overrides are earned
    "self_purchase_margin": 1,  # a reseller buying in their own store keeps the margin (1) or not (0)
}


def get_int(key: str) -> int:
    row = db.session.get(Setting, key)
    return int(row.value) if row else REFERRAL_DEFAULTS[key]


def set_int(key: str, value: int) -> None:
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = str(int(value))
    db.session.add(row)

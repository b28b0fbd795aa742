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

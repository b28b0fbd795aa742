"""Small helpers shared by every package: time and tokens."""
import secrets
from datetime import datetime, timezone


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_token() -> str:
    """An unguessable id for public URLs."""
    return secrets.token_urlsafe(18)

"""Signed, expiring links that let the holder of an email address reach the data under it."""
import time

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

SALT = "sharestall.privacy.data-link"
MAX_AGE_HOURS = 24


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return clock()


def clock() -> int:
    """Seconds since the epoch; tests move it."""
    return int(time.time())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_Signer)


def make_key(email: str) -> str:
    return _serializer().dumps({"email": email.strip().lower()})


def email_for(key: str | None) -> str | None:
    """The email a key was made for, or None when it is forged, mangled or older than MAX_AGE_HOURS."""
    if not key:
        return None
    max_age = current_app.config.get("PRIVACY_LINK_HOURS", MAX_AGE_HOURS) * 3600
    try:
        payload = _serializer().loads(key, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return payload.get("email") if isinstance(payload, dict) else None

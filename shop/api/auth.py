"""Who is calling: a Bearer API key, never a session cookie; and the rate-limit bucket per key."""
from flask import g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from shop.catalog.models import SupplierStatus
from shop.extensions import db

from .errors import ApiError
from .models import hash_key
from .services import key_for_secret, touch_api_key

PUBLIC_ENDPOINTS = {"api.openapi"}


def bearer_secret() -> str:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def rate_limit_key() -> str:
    """One bucket per key (by its hash, so no database read); callers without a key share one per address."""
    secret = bearer_secret()
    return f"api-key:{hash_key(secret)[:32]}" if secret else f"api-ip:{get_remote_address()}"


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def authenticate() -> None:
    """Find the supplier behind the Bearer key, or answer 401 with a stable code."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    secret = bearer_secret()
    if not secret:
        raise _unauthorized("unauthenticated", _("Send your API key as a Bearer token in the Authorization header."))
    key = key_for_secret(secret)
    if key is None:
        raise _unauthorized("invalid_api_key", _("This API key is not valid."))
    if key.revoked_at is not None:
        raise _unauthorized("api_key_revoked", _("This API key was revoked. Make a new one in your settings."))
    if key.supplier.status is SupplierStatus.suspended:
        raise ApiError(403, "supplier_suspended", _("Your supplier account is suspended."))
    if touch_api_key(key):
        # Its own small commit: the last-used time is bookkeeping, not part of what the request does.
        db.session.commit()
    g.api_key, g.supplier = key, key.supplier

"""Writes through the API: JSON in, one commit, and an Idempotency-Key that makes a retried POST safe."""
import functools
import hashlib
import json

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select, update

from shop.extensions import db
from shop.util import insert_once, now_utc

from .errors import ApiError
from .models import IdempotentRequest

MAX_KEY_LENGTH = 255
MAX_BODY = 5 * 1024 * 1024


def json_body() -> dict:
    """The request's JSON object, or a clear error."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "payload_too_large", _("The request body is too large."))
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send the body as JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("The body must be a JSON object."))
    if not _storable(data):
        raise ApiError(400, "invalid_json", _("Text in the body must be valid UTF-8 without NUL characters."))
    return data


def _storable(value) -> bool:
    """No NUL and no lone surrogate anywhere: neither PostgreSQL nor UTF-8 can keep them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def after_commit(task) -> None:
    """Run `task` once the request's work is committed (jobs must not see uncommitted rows)."""
    g.setdefault("api_after_commit", []).append(task)


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(key: str, fingerprint: str):
    stored = db.session.scalar(
        select(IdempotentRequest).where(IdempotentRequest.api_key_id == g.api_key.id, IdempotentRequest.key == key)
    )
    if stored is None or not stored.status_code:
        raise ApiError(409, "idempotency_key_in_use", _("A request with this Idempotency-Key is still running."))
    if stored.request_hash != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       _("This Idempotency-Key was used with a different request. Use a new key."))
    response = current_app.response_class(stored.response_body, status=stored.status_code,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def write_endpoint(view):
    """A POST view returning (body, status): runs once per Idempotency-Key, commits once, then its jobs."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is not None:
            key = key.strip()
            if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
                raise ApiError(400, "invalid_idempotency_key",
                               _("An Idempotency-Key is 1 to 255 printable characters."))
            fingerprint = _fingerprint()
            # The key row is claimed in the transaction of the work itself: a racing twin waits on it, and a
            # request that fails rolls it back, so a retry runs afresh.
            if not insert_once(IdempotentRequest, ["api_key_id", "key"], api_key_id=g.api_key.id, key=key,
                               request_hash=fingerprint, status_code=0, response_body="", created_at=now_utc()):
                db.session.rollback()
                return _replay(key, fingerprint)
        body, status = view(*args, **kwargs)
        if key is not None:
            db.session.execute(
                update(IdempotentRequest)
                .where(IdempotentRequest.api_key_id == g.api_key.id, IdempotentRequest.key == key)
                .values(status_code=status, response_body=json.dumps(body))
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        for task in g.pop("api_after_commit", []):
            task()
        response = jsonify(body)
        response.status_code = status
        return response

    return wrapped

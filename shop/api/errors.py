"""JSON errors for the API: one shape, stable codes, whatever went wrong."""
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from shop.extensions import db

API_PREFIX = "/api/"

# HTTP errors raised by Flask, Werkzeug or Flask-Limiter -> the code the client can rely on.
HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable",
    429: "rate_limited", 500: "internal_error",
}


class ApiError(Exception):
    """An answer that is not a success: HTTP status, stable code, message for people, details per item."""

    def __init__(self, status: int, code: str, message: str, details: list | None = None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, details: list | None = None, headers=None):
    body = {"error": {"code": code, "message": message, "details": details or []}}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Send your API key as a Bearer token in the Authorization header."),
        403: _("This key may not do that."),
        404: _("Nothing was found here."),
        405: _("This method is not allowed here."),
        409: _("The request conflicts with the current state."),
        413: _("The request body is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
        422: _("The request could not be processed."),
        429: _("Too many requests: slow down and retry after the time in Retry-After."),
        500: _("Something went wrong on our side. It has been logged."),
    }


def _api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.details, error.headers)


def _http_error(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return error_response(status, HTTP_CODES.get(status, "error"), _messages().get(status, error.name), [], headers)


def _database_unavailable(error):
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it on the next checkout
        pass
    return error_response(503, "service_unavailable", _("The service is briefly unavailable. Retry shortly."),
                          headers={"Retry-After": "30"})


def _unmatched_route():
    """A URL under /api/ that names no route gets JSON too (the app's error pages are HTML)."""
    error = request.routing_exception
    if error is not None and request.path.startswith(API_PREFIX) and getattr(error, "code", 0) >= 400:
        return _http_error(error)
    return None


def register(bp: Blueprint) -> None:
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(OperationalError, _database_unavailable)
    # By status code: the app's own handlers are by code too, and Flask looks up codes before classes.
    for status in HTTP_CODES:
        bp.register_error_handler(status, _http_error)
    bp.before_app_request(_unmatched_route)

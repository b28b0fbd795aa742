"""Smaller responses: brotli or gzip for text, and ETags that let a phone reuse a page it already has."""
import gzip
import hashlib

import brotli
from flask import Flask, g, request, session
from werkzeug.http import parse_accept_header

COMPRESSIBLE = {
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
    "image/svg+xml", "text/plain", "application/xml", "text/xml",
}
MIN_SIZE = 500
# Public pages worth revalidating: what a shared link opens.
CONDITIONAL_ENDPOINTS = {"stores.home", "stores.storefront", "stores.product"}

# (etag, encoding) -> compressed static file; static files are few, so this stays small.
_static_cache: dict[tuple[str, str], bytes] = {}


def init_app(app: Flask) -> None:
    # Registered before the app's other hooks, so it runs after them (Flask calls them in reverse).
    app.after_request(_shrink)


def _shrink(response):
    if request.endpoint in CONDITIONAL_ENDPOINTS:
        response = _conditional_page(response)
    return _compress(response)


def _conditional_page(response):
    """Tag a public page by its content and answer 304 when the browser already has it."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return response
    body = response.get_data()
    # The signed CSRF token changes every second for the same session; the page's content does not.
    # The session's own secret goes into the tag instead, so a browser that lost its session never
    # reuses a page carrying a token that no longer matches.
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), b"")
    tag = hashlib.sha256(body)
    tag.update(session.get("csrf_token", "").encode())
    response.set_etag(tag.hexdigest()[:32])
    if "Cache-Control" not in response.headers:
        # Pages carry a per-session token: a shared cache must not keep them, the browser must ask again.
        response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _encoding() -> str | None:
    return choose_encoding(request.headers.get("Accept-Encoding", ""))


def choose_encoding(accept_encoding: str) -> str | None:
    """brotli, else gzip, else none, as the browser accepts; also shop.edge's choice of a page copy."""
    accepted = parse_accept_header(accept_encoding)
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _compressible(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype in COMPRESSIBLE
        and "Content-Encoding" not in response.headers
        and not (response.is_streamed and not response.direct_passthrough)
        and request.method != "HEAD"
    )


def _compress(response):
    if not _compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    encoding = _encoding()
    if encoding is None:
        return response
    static = request.endpoint == "static"
    etag, weak = response.get_etag()
    response.direct_passthrough = False  # a static file: read it to compress it
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    packed = _static_cache.get((etag, encoding)) if static and etag else None
    if packed is None:
        packed = squeeze(data, encoding, best=static)
        if static and etag:
            _static_cache[(etag, encoding)] = packed
    response.set_data(packed)
    response.headers["Content-Encoding"] = encoding
    if etag:
        # The compressed bytes differ from the plain ones: a weak tag still matches If-None-Match.
        response.set_etag(etag, weak=True)
    return response


def squeeze(data: bytes, encoding: str, best: bool) -> bytes:
    """Static files get the strongest setting once; pages a fast one on every request."""
    if encoding == "br":
        return brotli.compress(data, quality=11 if best else 5)
    return gzip.compress(data, compresslevel=9 if best else 6, mtime=0)


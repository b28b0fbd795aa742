"""First visits to a store's page answered from a copy at most PUBLIC_PAGE_SECONDS old, ahead of Flask.

A reseller's link posted in a busy group brings many first visits at once: no session, no account, the
same page for all (the storefront renders a shared copy for them, without a form token; see
stores.views.storefront). The first such request in a process goes through Flask as usual, and the view
marks its response shareable; the response is kept per address, language and encoding, and the next first
visits within the window get the same bytes with their own request id and visitor cookie, and their visit
counted (shop.stores.clicks), without a database query, a template or Flask's request machinery.

Nothing personal can leak: only a 200 that the view itself called shareable, whose only cookie is the
visitor cookie, is kept; a request with a session or remember cookie, a query string, an htmx header or
credentials never reads a copy. A change to the store shows within the window (a second by default) in
each process; every other page, and everything a signed-in user sees, is unaffected. With 0 (the tests'
default) this layer does nothing.
"""
import hashlib
import io
import logging
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections import OrderedDict
from typing import NamedTuple

from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import dump_cookie, parse_cookie, parse_etags, unquote_etag

from shop.compression import squeeze, choose_encoding
from shop.i18n import choose_locale
from shop.observability import LATENCY, REQUEST_ID_RE, REQUESTS, access_log

PATH_RE = re.compile(r"/s/[^/]+(?:/p/[^/]+)?")
VIA_RE = re.compile(r"via=[A-Za-z0-9_-]{1,16}")  # a share link's landing page: the only query string kept
MARK = "sharestall.shareable"
REFRESH = "sharestall.refresh"  # set on the requests that rebuild a copy: nobody's visit
KEPT_FOR_REFRESH = (
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
    "REMOTE_ADDR", "wsgi.version", "wsgi.url_scheme", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
    "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING",
)
TOKEN = "__sharestall_form_token__"  # where a shared page's form token goes; nothing else looks like it
SIZE = 512  # copies per process, ~20 KB each
STALE_LIMIT = 10  # seconds past its window after which a copy whose rebuilding has not come back is not served
log = logging.getLogger(__name__)
DROPPED_ON_304 = {"content-length", "content-type", "content-encoding"}
# A page minted per visit gets its own length, encoding and cookies; its tag would name another visit's token.
DROPPED_ON_MINT = {"content-length", "content-encoding", "etag", "set-cookie", "x-request-id"}


class Via(NamedTuple):
    """The share link a page's ?via= names (what shop.referrals.rebind needs of it), and the binding's days."""

    id: int
    store_id: int
    channel: str
    days: int


def shareable(environ: dict, endpoint: str, store_id: int, product_id: int | None, template: str | None = None,
              via: Via | None = None) -> None:
    """Called by a view whose response is the same for every first visit: it may be served from a copy.

    A page with a form gives `template`: the page with TOKEN where its form token goes. Each visit served
    from the copy then gets a session of its own, with a new token in the page (see PublicPages._mint).
    A page opened through a share link gives `via`: each visit is counted for the link and bound to it.
    """
    environ[MARK] = (endpoint, store_id, product_id, template, via)


class Copy(NamedTuple):
    status: str
    headers: list
    body: bytes
    etag: str | None
    endpoint: str
    store_id: int
    product_id: int | None
    template: str | None
    via: Via | None
    expires: float


class PublicPages:
    """WSGI middleware in front of the Flask app (inside ProxyFix, so it sees the client's host and scheme)."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app
        self.seconds = float(app.config.get("PUBLIC_PAGE_SECONDS", 0))
        self.private_cookies = (app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME",
                                                                                   "remember_token"))
        self.languages = tuple(app.config["LANGUAGES"])
        self._copies: OrderedDict[tuple, Copy] = OrderedDict()
        self._lock = threading.Lock()
        self._locales: dict[tuple, str] = {}
        self._encodings: dict[str, str | None] = {}
        self._refreshing: set[tuple] = set()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._refresher_pid = None
        # What flask_wtf.csrf.generate_csrf and Flask's cookie session would write (tests check a form posted
        # with a minted session and token is accepted).
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self._token_signer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        self._token_field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        self._session_signer = app.session_interface.get_signing_serializer(app)
        interface = app.session_interface
        self._session_cookie = dict(
            key=interface.get_cookie_name(app), domain=interface.get_cookie_domain(app),
            path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app),
            httponly=interface.get_cookie_httponly(app), samesite=interface.get_cookie_samesite(app),
        )

    def __call__(self, environ, start_response):
        if (
            self.seconds <= 0
            or environ.get("REQUEST_METHOD") != "GET"
            or (environ.get("QUERY_STRING") and not VIA_RE.fullmatch(environ["QUERY_STRING"]))
            or "HTTP_HX_REQUEST" in environ
            or "HTTP_AUTHORIZATION" in environ
            or not PATH_RE.fullmatch(environ.get("PATH_INFO", ""))
        ):
            return self.wsgi_app(environ, start_response)
        cookies = parse_cookie(environ) if environ.get("HTTP_COOKIE") else {}
        if any(name in cookies for name in self.private_cookies):
            return self.wsgi_app(environ, start_response)
        key = (
            environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
            environ["PATH_INFO"], environ.get("QUERY_STRING", ""), self._locale(cookies.get("lang"), environ.get("HTTP_ACCEPT_LANGUAGE", "")),
            self._encoding(environ.get("HTTP_ACCEPT_ENCODING", "")),
        )
        now = time.monotonic()
        with self._lock:
            copy = self._copies.get(key)
            if copy is not None and copy.expires + STALE_LIMIT < now:
                copy = None  # its rebuilding is stuck: this visit waits for Flask rather than see an old page
            stale = copy is not None and copy.expires < now and key not in self._refreshing
            if stale:
                self._refreshing.add(key)
        if copy is None:
            return self._through_flask(key, environ, start_response)
        if stale:
            # This visit gets the copy at once; a thread of this process builds the next one (RFC 5861's
            # stale-while-revalidate), so no visitor waits for a page to be built once the first one was.
            self._queue.put((key, self._refresh_environ(environ)))
            self._ensure_refresher()
        return self._serve(copy, cookies, environ, start_response)

    def settle(self, timeout: float = 10) -> bool:
        """Wait until the copies being rebuilt are done (tests; a graceful stop); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._refreshing:
                    return True
            time.sleep(0.01)
        return False

    @staticmethod
    def _refresh_environ(environ) -> dict:
        """A request for the same page as a new visitor in the same language, counted as nobody's visit."""
        fresh = {name: environ[name] for name in KEPT_FOR_REFRESH if name in environ}
        fresh["wsgi.input"] = io.BytesIO()
        fresh["wsgi.errors"] = environ.get("wsgi.errors", sys.stderr)
        lang = parse_cookie(environ).get("lang") if environ.get("HTTP_COOKIE") else None
        if lang:
            fresh["HTTP_COOKIE"] = dump_cookie("lang", lang)
        fresh[REFRESH] = True
        return fresh

    def _ensure_refresher(self) -> None:
        with self._lock:
            if self._refresher_pid == os.getpid():
                return
            self._refresher_pid = os.getpid()  # a forked worker starts its own thread
        threading.Thread(target=self._refresh_forever, name="page-refresher", daemon=True).start()

    def _refresh_forever(self) -> None:
        while True:
            key, environ = self._queue.get()
            try:
                response = self._through_flask(key, environ, lambda status, headers, exc_info=None: None)
                if hasattr(response, "close"):
                    response.close()
            except Exception:  # the next stale visit asks again
                log.exception("could not refresh %s", environ.get("PATH_INFO"))
            finally:
                with self._lock:
                    self._refreshing.discard(key)

    def _locale(self, cookie: str | None, header: str) -> str:
        """The language shop.i18n.select_locale chooses for this request (it has no ?lang=), memoised."""
        if cookie in self.languages:
            return cookie
        found = self._locales.get(header)
        if found is None:
            found = choose_locale(None, header, self.languages)
            if len(self._locales) > 1000:
                self._locales.clear()
            self._locales[header] = found
        return found

    def _encoding(self, header: str) -> str | None:
        """The encoding shop.compression chooses for this request, memoised."""
        if header not in self._encodings:
            if len(self._encodings) > 1000:
                self._encodings.clear()
            self._encodings[header] = choose_encoding(header)
        return self._encodings[header]

    def _through_flask(self, key: tuple, environ, start_response):
        """Let Flask answer, and keep the answer when the view said every first visit gets the same."""
        seen: dict = {}

        def remember_start(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        started = time.monotonic()
        response = self.wsgi_app(environ, remember_start)
        mark = environ.get(MARK)
        if mark is None or not seen.get("status", "").startswith("200 "):
            # Not shareable (any more): a product taken off sale, a store closed, an error. The old copy goes.
            self._forget(key)
            return response
        try:
            body = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()
        template, via = mark[3], mark[4]
        allowed = ("visitor=",)
        if template is not None:
            allowed += (self._session_cookie["key"] + "=",)
        if via is not None:
            allowed += ("via=",)
        kept = []
        for name, value in seen["headers"]:
            lower = name.lower()
            if lower == "set-cookie":
                if not value.startswith(allowed):
                    self._forget(key)
                    return [body]  # something of this visitor's own: never shared
                continue
            if lower not in (DROPPED_ON_MINT if template is not None else ("x-request-id",)):
                kept.append((name, value))
        etag = next((value for name, value in kept if name.lower() == "etag"), None)
        # A page minted per visit keeps only its template; this visit's own bytes carry its own token.
        copy = Copy(seen["status"], kept, body if template is None else b"", etag, *mark, started + self.seconds)
        with self._lock:
            self._copies[key] = copy
            self._copies.move_to_end(key)
            while len(self._copies) > SIZE:
                self._copies.popitem(last=False)
        return [body]

    def _mint(self, template: str, headers: list, environ) -> bytes:
        """The page for one visit: a new session whose form token is in the page, compressed like the copy was."""
        raw = hashlib.sha1(os.urandom(64), usedforsecurity=False).hexdigest()  # as flask_wtf makes it
        session = self._session_signer.dumps({self._token_field: raw})
        headers.append(("Set-Cookie", dump_cookie(value=session, **self._session_cookie)))
        body = template.replace(TOKEN, self._token_signer.dumps(raw)).encode()
        encoding = self._encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))  # the copy's key has the same
        if encoding:
            body = squeeze(body, encoding, best=False)
            headers.append(("Content-Encoding", encoding))
        headers.append(("Content-Length", str(len(body))))
        return body

    def _forget(self, key: tuple) -> None:
        with self._lock:
            self._copies.pop(key, None)

    def _serve(self, copy: Copy, cookies: dict, environ, start_response):
        started = time.perf_counter()
        from shop.referrals import services as referrals
        from shop.stores import clicks, services
        from shop.stores.models import Channel

        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        headers = [*copy.headers, ("X-Request-ID", request_id)]
        if not services.is_bot(environ.get("HTTP_USER_AGENT")):
            visitor, new = clicks.visitor_in(cookies), False
            if visitor is None:
                (visitor, cookie), new = clicks.new_visitor(), True
                headers.append(("Set-Cookie", cookie))
            channel = Channel.direct.value
            if copy.via is not None:
                channel = copy.via.channel
                with self.app.app_context():  # the binding is signed with the app's secret
                    bound = referrals.rebind(copy.via, cookies.get(referrals.COOKIE), days=copy.via.days)
                if bound:
                    headers.append(("Set-Cookie", referrals.binding_cookie(bound, copy.via.days)))
            batch = clicks.buffer(self.app)
            batch.add(clicks.visit_row(copy.store_id, copy.product_id, visitor, copy.via and copy.via.id, channel,
                                       new))
            if batch.seconds <= 0:
                batch.flush()
        status, body = copy.status, [copy.body]
        if copy.template is not None:
            body = [self._mint(copy.template, headers, environ)]
        elif copy.etag and "HTTP_IF_NONE_MATCH" in environ:
            tag, _weak = unquote_etag(copy.etag)
            if parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(tag):
                status, body = "304 NOT MODIFIED", []
                headers = [(name, value) for name, value in headers if name.lower() not in DROPPED_ON_304]
        start_response(status, headers)
        elapsed = time.perf_counter() - started
        REQUESTS.labels(copy.endpoint, "GET", status[:3]).inc()
        LATENCY.labels(copy.endpoint).observe(elapsed)
        if self.app.config.get("ACCESS_LOG"):
            access_log.info("GET %s %s", environ["PATH_INFO"], status[:3], extra={
                "method": "GET", "endpoint": copy.endpoint, "status": int(status[:3]), "request_id": request_id,
                "path": environ["PATH_INFO"], "duration_ms": round(elapsed * 1000, 2)})
        return body

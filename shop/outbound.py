"""HTTP to suppliers' servers (webhooks, feeds, photos): public addresses only, no redirects, short timeouts, capped bodies."""
import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _


class OutboundError(Exception):
    """A supplier's server could not be reached or answered badly; the message is shown to people."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could point a request we sign (or a feed we fetch) at an address we refused to call.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def url_problem(url: str) -> str | None:
    """Why this address may not be called (not http(s), or a private or loopback host); None when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("The address must start with https:// or http://.")
    if current_app.config.get("PIPELINE_ALLOW_PRIVATE_URLS"):
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        return _("The host name %(host)s was not found.", host=parts.hostname)
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return _("The address points to a private network, which Sharestall does not call.")
    return None


def _read_capped(response, limit: int) -> bytes:
    # A declared length says no before anything is read; a missing or false one is caught by reading one byte more.
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise OutboundError(_("The answer was larger than %(kb)d KB and was refused.", kb=limit // 1024))
    body = response.read(limit + 1)
    if len(body) > limit:
        raise OutboundError(_("The answer was larger than %(kb)d KB and was refused.", kb=limit // 1024))
    return body


def call(url: str, limit: int, data: bytes | None = None, headers: dict | None = None) -> bytes:
    """GET (or POST `data` to) a supplier's URL and return at most `limit` bytes of the answer."""
    if problem := url_problem(url):
        raise OutboundError(problem)
    request = urllib.request.Request(url, data=data, headers={"User-Agent": "Sharestall/1", **(headers or {})},
                                     method="POST" if data is not None else "GET")
    timeout = current_app.config["PIPELINE_HTTP_TIMEOUT"]
    try:
        with _opener.open(request, timeout=timeout) as response:
            return _read_capped(response, limit)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise OutboundError(_("The server answered HTTP %(code)d.", code=exc.code)) from exc
    except (TimeoutError, socket.timeout) as exc:
        raise OutboundError(_("The server did not answer within %(s)d seconds.", s=timeout)) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise OutboundError(_("The server could not be reached (%(reason)s).", reason=str(reason)[:120])) from exc

"""Installable app: the manifest's start page, the service worker at the root scope, the offline page."""
import hashlib
import hmac
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from shop.assets import static_url

bp = Blueprint("pwa", __name__)

# The pages a signed-in user may see again, read-only, when the network drops; nothing else private is kept.
DASHBOARDS = {"earnings.dashboard", "fulfillment.to_ship"}
PRECACHE = ("app.css", "app.js", "vendor/htmx-2.0.8.min.js", "favicon.svg", "icons/icon-192.png")
# Stamped on every page so the service worker knows whose pages these are ("-": nobody is signed in).
ACCOUNT_HEADER = "X-Account-Key"


def account_key() -> str:
    """A per-user value the service worker keys its offline copy by; it reveals nothing about the user."""
    if not current_user.is_authenticated:
        return "-"
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"offline-copy:{current_user.get_id()}".encode(), hashlib.sha256).hexdigest()[:24]


@bp.get("/app")
def start():
    """The installed app's start page: the signed-in user's dashboard, else the login form."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("pwa.start")))
    home = {"reseller": "earnings.dashboard", "supplier": "fulfillment.to_ship"}.get(current_user.role.value,
                                                                                 "admin.index")
    return redirect(url_for(home))


@bp.get("/offline")
def offline():
    return render_template("offline.html")


@bp.get("/sw.js")
def service_worker():
    """The worker script, served from the root so it may control every page, with this release's file list."""
    files = [static_url(name) for name in PRECACHE] + [url_for("pwa.offline")]
    version = hashlib.sha256("\n".join(files).encode()).hexdigest()[:10]
    settings = {"version": version, "precache": files, "offline": url_for("pwa.offline"),
                "signing": [url_for("accounts.login"), url_for("accounts.logout")], "header": ACCOUNT_HEADER}
    source = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    body = f"self.SHARESTALL = {json.dumps(settings)};\n{source}"
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"  # the browser checks for a new release on every visit
    return response


@bp.after_app_request
def stamp_account(response: Response) -> Response:
    """Tell the service worker whose page this is, and whether it may keep a copy for offline use."""
    if response.mimetype == "text/html" and request.method == "GET":
        response.headers[ACCOUNT_HEADER] = account_key()
        if request.endpoint in DASHBOARDS and response.status_code == 200 and current_user.is_authenticated:
            response.headers["X-Offline-Copy"] = "1"
    return response

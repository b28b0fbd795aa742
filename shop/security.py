"""Headers that lock the browser down on every response, and the template helpers that keep pages CSP-clean."""
import functools

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup

# base.html loads htmx from this address (with SRI) when HTMX_CDN is on; tests check the two agree.
HTMX_CDN_URL = "https://unpkg.com/htmx.org@2.0.8/dist/htmx.min.js"
# Stripe Checkout is reached by a redirect from our checkout form, and form-action also governs redirects.
STRIPE_CHECKOUT = "https://checkout.stripe.com"
# Pages anyone may keep in a browser cache: nothing in them belongs to a signed-in user or a private link.
PUBLIC_PAGES = {"stores.home", "stores.storefront", "stores.product", "stores.public_poster", "referrals.terms"}
# Files with their own long-lived caching; they never carry a user's data, so the session is not even read.
FILE_ENDPOINTS = {"static", "media.media"}
# Features the app never uses are switched off; fullscreen stays for the QR page, Web Share is left alone.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), midi=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), fullscreen=(self)"
)
HSTS = "max-age=63072000"


def content_security_policy(config) -> str:
    """The policy for this configuration: nothing inline, scripts and styles from this site only."""
    scripts = ["'self'", HTMX_CDN_URL] if config["HTMX_CDN"] else ["'self'"]
    forms = ["'self'", STRIPE_CHECKOUT] if config["STRIPE_SECRET_KEY"] else ["'self'"]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'"],
        # Supplier photos are copied to /media by catalog.photos, but until then (or when the copy failed, and for
        # variant images, which are not copied) they are shown from the supplier's own host, which can be any.
        "img-src": ["'self'", "data:", "blob:", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": forms,
        "frame-ancestors": ["'none'"],
    }
    if config["BASE_URL"].startswith("https://"):
        directives["upgrade-insecure-requests"] = []
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def is_private() -> bool:
    """Whether this response may show someone's own data: any signed-in page, and every non-public page."""
    return request.endpoint not in PUBLIC_PAGES or current_user.is_authenticated


@functools.lru_cache(maxsize=16)
def _fixed_headers(htmx_cdn: bool, stripe: bool, base_url: str) -> tuple[tuple[str, str, str], ...]:
    """(lower-case name, name, value) of the headers every response gets, for this configuration; built once."""
    policy = content_security_policy({"HTMX_CDN": htmx_cdn, "STRIPE_SECRET_KEY": stripe, "BASE_URL": base_url})
    fixed = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate it
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if base_url.startswith("https://"):
        fixed.append(("Strict-Transport-Security", HSTS))
    return tuple((name.lower(), name, value) for name, value in fixed)


def secure_headers(response):
    """Add the security headers; runs on every response, including error pages and cached ones."""
    config = current_app.config
    headers = response.headers
    # A header the view set itself is kept (setdefault, once per header, would scan the list each time).
    present = {name.lower() for name in headers.keys()}
    fixed = _fixed_headers(bool(config["HTMX_CDN"]), bool(config["STRIPE_SECRET_KEY"]), config["BASE_URL"])
    headers.extend([(name, value) for key, name, value in fixed if key not in present])
    # A view that chose long caching (a poster under a content-hashed URL) has decided what may be kept;
    # one that already said no-store needs nothing more.
    decided = any(word in headers.get("Cache-Control", "") for word in ("public", "immutable", "no-store"))
    if request.endpoint not in FILE_ENDPOINTS and not decided and is_private():
        # Orders, carts, dashboards: never written to disk by the browser or kept by a proxy.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def colour_classes(colour: str) -> str:
    """CSS classes that paint a #rrggbb store colour without a style attribute (the CSP forbids those).

    Each hex digit gets a class setting one custom property (c0-0 … c5-f, 96 rules in app.css) and
    `.store-colour` adds them back up into --store. Unlike a hash or nonce for a <style> element, this
    survives hx-boost navigation (the first page's CSP stays in force) and page caches, and keeps every
    colour a reseller can choose.
    """
    digits = colour[1:].lower() if len(colour) == 7 and colour.startswith("#") else ""
    if len(digits) != 6 or any(d not in "0123456789abcdef" for d in digits):
        return "store-colour"
    return "store-colour " + " ".join(f"c{i}-{d}" for i, d in enumerate(digits))


def clean_html(html: str | None) -> Markup:
    """Supplier HTML sanitised again as it is shown, so rows stored before today's rules are safe too."""
    from shop.catalog.importer import sanitize_html

    # Reviewed: nh3 leaves only the tight list of tags in the importer, so the result may be trusted.
    return Markup(sanitize_html(html or ""))  # nosec B704  # nh3 allow-list output


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
    app.jinja_env.globals["colour_classes"] = colour_classes
    app.jinja_env.filters["clean_html"] = clean_html

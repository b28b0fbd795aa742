"""Sharestall: micro-stores that sell a shared supplier catalog."""
import os

from flask import Flask, g, jsonify, render_template
from jinja2 import StrictUndefined
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from shop import config as config_module
from shop.extensions import babel, bind_job_app, csrf, db, huey, limiter, login, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then the caller's overrides."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance"),
        template_folder="../templates",
        static_folder="../static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(config or {})
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.add_extension("jinja2.ext.do")
    from shop.observability import configure_logging

    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    _init_extensions(app)
    _init_serving(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_errors(app)
    from shop.cli import register as register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from shop.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login.init_app(app)
    limiter.init_app(app)
    login.login_view = "accounts.login"
    huey.immediate = app.config["HUEY_IMMEDIATE"]
    bind_job_app(app)

    from shop.accounts.sessions import load_signed_in_user

    # Only while the browser's server-side session exists and its timeouts allow (shop.accounts.sessions).
    login.user_loader(load_signed_in_user)


def _init_serving(app: Flask) -> None:
    """Proxy headers, request ids, metrics, compression and content-hashed static files."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from shop import assets, compression, edge, observability, security

    # First visits to a store's page, answered from a copy before Flask (inside ProxyFix: it sees the client).
    app.wsgi_app = edge.PublicPages(app.wsgi_app, app)
    if hops := app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    # Flask runs after_request hooks last-registered first: metrics (registered first) time everything.
    observability.init_app(app)
    compression.init_app(app)
    assets.init_app(app)
    security.init_app(app)  # registered last, so its headers are set before compression and metrics run


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers run beside the one writer; the busy timeout makes writers queue instead of failing.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode NORMAL syncs at checkpoints, not on every commit: a crash may lose the last commits,
        # never corrupt the file. The page cache and memory map keep the hot pages off the read path.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    import shop.models  # noqa: F401  (the complete metadata)
    from shop import accounts, admin, catalog, earnings, fulfillment, orders, payments, referrals, stores

    from shop import images

    for package in (accounts, catalog, stores, referrals, orders, payments, fulfillment, earnings, admin, images):
        app.register_blueprint(package.bp)
    app.register_blueprint(fulfillment.links_bp)  # the signed tracking links, outside /supplier/
    from shop import privacy

    app.register_blueprint(privacy.bp)
    from shop import api

    app.register_blueprint(api.bp)  # the supplier JSON API under /api/v1 (Bearer keys, CSRF-exempt)
    app.register_blueprint(api.keys_bp)
    from shop import pwa

    app.register_blueprint(pwa.bp)  # /app, /offline and the service worker at /sw.js (installable app)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
            ok = True
        except Exception:  # any failure means the database does not answer
            db.session.rollback()
            ok = False
        return jsonify(status="ok" if ok else "error", database=ok), 200 if ok else 503


def _register_template_helpers(app: Flask) -> None:
    from flask_wtf.csrf import generate_csrf

    from shop import i18n, images

    app.jinja_env.filters["money"] = i18n.money_filter
    app.jinja_env.filters["datetime"] = i18n.date_filter
    app.jinja_env.filters["country_name"] = i18n.country_name
    app.jinja_env.globals["sized"] = images.sized
    app.jinja_env.globals["srcset"] = images.srcset

    @app.context_processor
    def helpers():
        return {
            "html_lang": i18n.html_lang,
            "locale_code": i18n.locale_code,
            "languages": app.config["LANGUAGES"],
            "htmx_cdn": app.config["HTMX_CDN"],
            "csrf_value": generate_csrf,
        }

    @app.after_request
    def remember_language(response):
        if g.get("set_lang_cookie"):
            response.set_cookie("lang", g.set_lang_cookie, max_age=365 * 86400, samesite="Lax")
        return response


def _register_errors(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, lambda e, code=code: (render_template("error.html", code=code), code))

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        # The database went away (a restart, a failover): a calm 503 the browser may retry, not a stack trace.
        app.logger.warning("database unavailable: %s", getattr(error, "orig", error))
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool replaces it on the next checkout
            pass
        # Who is signed in cannot be looked up now; anonymous keeps templates and hooks off the database.
        g._login_user = login.anonymous_user()
        return render_template("unavailable.html"), 503, {"Retry-After": "30"}

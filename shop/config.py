"""Settings read from the environment, with development defaults."""
import os
import secrets
from decimal import Decimal
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """Use SECRET_KEY, or one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _engine_options(db_url: str) -> dict:
    """Connection pool settings; SQLite keeps SQLAlchemy's own pool."""
    env = os.environ.get
    options = {"pool_pre_ping": True, "pool_recycle": int(env("DB_POOL_RECYCLE", "1800"))}
    if not db_url.startswith("sqlite"):
        options.update(
            pool_size=int(env("DB_POOL_SIZE", "5")),
            max_overflow=int(env("DB_MAX_OVERFLOW", "10")),
            pool_timeout=int(env("DB_POOL_TIMEOUT", "10")),
        )
    return options


def from_environment(instance_path: str) -> dict:
    """Build the config mapping from environment variables."""
    env = os.environ.get
    db_url = env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'sharestall.db'}"
    fee = Decimal(env("PLATFORM_FEE_PERCENT", "10"))
    base_url = env("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = base_url.startswith("https://")
    log_format = env("LOG_FORMAT", "text").lower()
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(db_url),
        "STRIPE_SECRET_KEY": env("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": env("STRIPE_WEBHOOK_SECRET", ""),
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": int(env("MAIL_PORT", "587")),
        "MAIL_USERNAME": env("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": env("MAIL_USE_TLS", "1") == "1",
        "MAIL_FROM": env("MAIL_FROM", "Sharestall <no-reply@sharestall.local>"),
        "REDIS_URL": env("REDIS_URL", ""),
        # Rate-limit counters live in Redis in production so every app server shares them.
        "RATELIMIT_STORAGE_URI": env("REDIS_URL") or "memory://",
        "RATELIMIT_ENABLED": env("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_HEADERS_ENABLED": True,
        "API_RATE_LIMIT": env("API_RATE_LIMIT", "120 per minute"),  # per supplier API key
        "BASE_URL": base_url,
        # Behind https the cookies never travel in clear, and url_for(_external=True) says https.
        "SESSION_COOKIE_SECURE": https,
        # __Host- pins the cookie to this host and path; browsers only accept it when it is Secure.
        "SESSION_COOKIE_NAME": "__Host-session" if https else "session",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "TRUST_PROXY": int(env("TRUST_PROXY", "0") or 0),
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": env("LOG_LEVEL", "INFO"),
        # The app writes one access line per request; gunicorn.conf.py turns it off (gunicorn writes its own).
        "ACCESS_LOG": env("ACCESS_LOG", "1" if log_format == "json" else "0") == "1",
        "METRICS_TOKEN": env("METRICS_TOKEN", ""),
        # First visits to a store's page share a copy this many seconds old at most (shop.edge); 0 turns it off.
        "PUBLIC_PAGE_SECONDS": float(env("PUBLIC_PAGE_SECONDS", "1")),
        # The catalog's category and supplier menus are read again after this many seconds (per process).
        "CATALOG_MENU_SECONDS": float(env("CATALOG_MENU_SECONDS", "30")),
        # Visits are written in one transaction per process this often (shop.stores.clicks); 0: one by one.
        "CLICK_BUFFER_SECONDS": float(env("CLICK_BUFFER_SECONDS", "0.5")),
        "PLATFORM_FEE_BP": int(fee * 100),
        "CURRENCY": env("CURRENCY", "USD").upper(),
        "EARNINGS_HOLD_DAYS": int(env("EARNINGS_HOLD_DAYS", "7")),
        "DEFAULT_MARKUP_PERCENT": int(env("DEFAULT_MARKUP_PERCENT", "50")),
        "HTMX_CDN": env("HTMX_CDN", "1") == "1",
        "UPLOAD_FOLDER": env("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "MAIL_FOLDER": env("MAIL_FOLDER", str(Path(instance_path) / "mail")),
        # The largest request body (a photo or a catalog CSV); larger ones get the friendly 413 page.
        "MAX_CONTENT_LENGTH": int(env("MAX_UPLOAD_MB", "16")) * 1024 * 1024,
        # Supplier webhooks and feeds: private addresses are refused unless this is 1 (tests, a private network).
        "PIPELINE_ALLOW_PRIVATE_URLS": env("PIPELINE_ALLOW_PRIVATE_URLS", "0") == "1",
        "PIPELINE_HTTP_TIMEOUT": int(env("PIPELINE_HTTP_TIMEOUT", "10")),
        # A webhook attempt or photo fetch claimed by a worker that died is tried again after this many seconds.
        "PIPELINE_LEASE_SECONDS": int(env("PIPELINE_LEASE_SECONDS", "120")),
        "FEED_MAX_BYTES": int(env("FEED_MAX_MB", "8")) * 1024 * 1024,
        "SHIP_ON_TIME_HOURS": int(env("SHIP_ON_TIME_HOURS", "72")),
        # Suppliers' outside photos (CSV "Image Src", API images) are fetched once and stored like uploads.
        "IMAGE_FETCH_ENABLED": env("IMAGE_FETCH_ENABLED", "1") == "1",
        "IMAGE_FETCH_MAX_BYTES": int(env("IMAGE_FETCH_MAX_MB", "10")) * 1024 * 1024,
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    "LANGUAGES": {"en": "English", "zh": "简体中文"},
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    # Sign-in sessions: suppliers and the operator move money and goods, so theirs end sooner.
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 7 * 24,
    "SESSION_IDLE_MINUTES_STAFF": 30,
    "SESSION_MAX_HOURS_STAFF": 12,
    "PERMANENT_SESSION_LIFETIME": 7 * 24 * 3600,
    "REAUTH_MINUTES": 10,
    "SECOND_FACTOR_MINUTES": 10,
    "HUEY_IMMEDIATE": False,
    "PASSWORD_HASH_FAST": False,
    "PER_PAGE": 24,
}

"""Rate-limit rules and the keys they count by, in one place; views apply them with `@limiter.limit`."""
from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user



def _rule(name: str, default: str):
    """A limit read from the config when a request is checked (RATELIMIT_<NAME>), so operators can tune it."""
    return lambda: current_app.config.get(f"RATELIMIT_{name}", default)


# Failed sign-ins: a few per account stops guessing one password; more per address allows a shared office.
LOGIN_PER_ACCOUNT = _rule("LOGIN_PER_ACCOUNT", "5 per 15 minutes")
LOGIN_PER_ADDRESS = _rule("LOGIN_PER_ADDRESS", "20 per 15 minutes")
SECOND_FACTOR = _rule("SECOND_FACTOR", "5 per 5 minutes")
CONFIRM_PASSWORD = _rule("CONFIRM_PASSWORD", "5 per 15 minutes")
SIGNUP = _rule("SIGNUP", "10 per hour")
CHECKOUT = _rule("CHECKOUT", "20 per 10 minutes")
SHARE_LINKS = _rule("SHARE_LINKS", "60 per minute")
CATALOG_IMPORT = _rule("CATALOG_IMPORT", "20 per hour")
# Stripe retries and bursts after an outage; the limit only stops a flood from one address.
STRIPE_WEBHOOK = _rule("STRIPE_WEBHOOK", "600 per minute")


def by_address() -> str:
    return get_remote_address() or "unknown"


def by_account() -> str:
    """The email typed into the login form, so spreading guesses over many addresses doesn't help."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def by_pending_user() -> str:
    """The user between password and second factor: six digits must not be guessed by retrying."""
    return f"second-factor:{session.get('pending_user_id') or by_address()}"


def by_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else by_address()


def failed(response) -> bool:
    """Only a form shown again counts: a success redirects."""
    return response.status_code == 200

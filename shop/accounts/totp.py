"""Two-factor sign-in: TOTP codes from an authenticator app (RFC 6238) and single-use recovery codes."""
import hashlib
import hmac
import secrets
import time

import pyotp
import qrcode
from flask import current_app
from qrcode.image.svg import SvgPathImage
from sqlalchemy import delete, func, or_, select, update

from shop.extensions import db
from shop.util import now_utc

from .models import RecoveryCode, User

ISSUER = "Sharestall"
RECOVERY_CODES = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i), read off paper and typed on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An <svg> of the otpauth:// URI for the authenticator app to scan; the secret is written beside it."""
    svg = qrcode.make(uri, image_factory=SvgPathImage, box_size=8, border=2).to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg aria-hidden="true" ', 1)


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code this is (now, or one step either side for clock drift), else None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((time.time() if at is None else at) // totp.interval)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp_code(user: User, code: str) -> bool:
    """Accept a code once: a conditional UPDATE moves the last used step on, so a replay or a race fails."""
    step = matching_step(user.totp_secret or "", code) if user.totp_secret else None
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return claimed.rowcount == 1


def _code_hash(code: str) -> str:
    # Keyed with SECRET_KEY: the codes are short, so a copy of the table alone must not allow guessing them.
    normal = "".join(code.lower().split()).replace("-", "")
    return hmac.new(current_app.config["SECRET_KEY"].encode(), normal.encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def issue_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones, returned in clear this once; flushes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code; flushes."""
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now_utc())
    )
    return spent.rowcount == 1


def verify_second_factor(user: User, code: str) -> bool:
    """A code from the app, or else one of the recovery codes."""
    return use_totp_code(user, code) or use_recovery_code(user, code)


def enable_totp(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor sign-in on once the app shows the right code; returns the recovery codes; flushes."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret, user.totp_last_step = secret, step
    return issue_recovery_codes(user)


def disable_totp(user: User) -> None:
    """Turn two-factor sign-in off (resellers only: staff can't go without it); flushes."""
    user.totp_secret, user.totp_last_step = None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def unused_recovery_codes(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )

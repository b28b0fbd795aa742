"""Short share links, the invite link and page, and the referral terms."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.access import own, role_required
from shop.accounts.models import Role
from shop.settings import platform_fee_bp
from shop.stores.forms import OpenStoreForm
from shop.stores.models import Store
from shop.stores.qr import qr_svg

from . import services

bp = Blueprint("referrals", __name__)


def _rules() -> dict:
    """The operator's rules, with the shares written as percentages for the reader."""
    rules = services.rules()
    return {
        "rules": rules,
        "level1": services.percent(rules["override_level1_bp"]),
        "level2": services.percent(rules["override_level2_bp"]),
    }


@bp.get(services.SHORT_PATH + "<code>")
def short_link(code: str):
    link = services.resolve(code)
    if link is None:
        abort(404)
    return redirect(services.landing_path(link), 302)


@bp.get("/join/<code>")
def join(code: str):
    inviter = services.inviter_for(code)
    if inviter is None:
        abort(404)
    if current_user.is_authenticated:
        flash(_("You are signed in already. Log out first to open another store."), "warning")
        return redirect(url_for("stores.home"))
    form = OpenStoreForm(invite=inviter.invite_code)
    return render_template("referrals/join.html", form=form, inviter=inviter, **_rules())


@bp.get("/my/invite")
@role_required(Role.reseller)
def invite():
    store = own(Store)
    url = services.invite_url(store)
    return render_template(
        "referrals/invite.html", store=store, url=url, svg=qr_svg(url), invitees=services.invitees(store), **_rules()
    )


@bp.get("/terms/referrals")
def terms():
    return render_template(
        "referrals/terms.html", fee=services.percent(platform_fee_bp()),
        hold_days=current_app.config["EARNINGS_HOLD_DAYS"], **_rules(),
    )

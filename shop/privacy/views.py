"""Data rights: a customer's data by signed email link, an account holder's export, erasure requests."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shop.accounts import limits
from shop.accounts.access import role_required
from shop.accounts.models import Role
from shop.extensions import db, limiter
from shop.i18n import locale_code

from . import links
from .accounts import account_export
from .erasure import blockers, carry_out, request_erasure, subject_of
from .exports import as_csv, as_json, as_zip, customer_export
from .forms import AccountEraseForm, CarryOutForm, CustomerEraseForm, DataLinkForm
from .models import ErasureRequest, RequestKind, RequestStatus
from .tasks import send_data_link

bp = Blueprint("privacy", __name__)
# The key is in the address: never send it on as a Referer, never keep the page in a shared cache.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
# Each role's own data page, download and erase request (the same screens under its own prefix).
PAGES = {
    role: {"page": f"privacy.{role.value}_data", "export": f"privacy.{role.value}_export",
           "erase": f"privacy.{role.value}_erase"}
    for role in (Role.reseller, Role.supplier)
}


def _email_key() -> str:
    return "privacy-email:" + (request.form.get("email") or "").strip().lower()


@bp.route("/privacy", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_email_key, methods=["POST"])
def request_link():
    form = DataLinkForm()
    if form.validate_on_submit():
        send_data_link(form.email.data, locale_code())
        # The same words whether or not the address has orders: the page must not tell.
        flash(_("If orders were placed with %(email)s, a link to their data is on its way there.",
                email=form.email.data.strip().lower()))
        return redirect(url_for(".request_link"))
    return render_template("privacy/request.html", form=form)


def _key_email() -> str | None:
    email = links.email_for(request.values.get("key"))
    if email is None:
        flash(_("This link is not valid or has expired. Ask for a new one below."), "warning")
    return email


@bp.get("/privacy/data")
def data():
    email = _key_email()
    if email is None:
        return redirect(url_for(".request_link"))
    form = CustomerEraseForm(key=request.args["key"])
    latest = _latest_request(RequestKind.customer, email)
    body = render_template("privacy/data.html", email=email, key=request.args["key"], form=form, latest=latest)
    return body, 200, PRIVATE


@bp.get("/privacy/data.json")
def download_json():
    email = _key_email()
    if email is None:
        return redirect(url_for(".request_link"))
    return _attachment(as_json(customer_export(email)), "application/json", "sharestall-data.json")


@bp.get("/privacy/data.csv")
def download_csv():
    email = _key_email()
    if email is None:
        return redirect(url_for(".request_link"))
    return _attachment(as_csv(customer_export(email)), "text/csv", "sharestall-data.csv")


@bp.post("/privacy/erase")
def erase_customer():
    form = CustomerEraseForm()
    email = links.email_for(form.key.data)
    if email is None:
        abort(404)
    if form.validate_on_submit():
        request_erasure(RequestKind.customer, email)
        db.session.commit()
        flash(_("We have your request. Your details will be removed from your orders; orders still on their way "
                "keep them until they are shipped."))
    else:
        flash(_("Please tick the box to confirm."), "warning")
    return redirect(url_for(".data", key=form.key.data))


@bp.get("/my/data")
@role_required(Role.reseller)
def reseller_data():
    return _account_page()


@bp.get("/supplier/data")
@role_required(Role.supplier)
def supplier_data():
    return _account_page()


@bp.get("/my/data/export.zip")
@role_required(Role.reseller)
def reseller_export():
    return _account_zip()


@bp.get("/supplier/data/export.zip")
@role_required(Role.supplier)
def supplier_export():
    return _account_zip()


@bp.post("/my/data/erase")
@limiter.limit(limits.CONFIRM_PASSWORD, key_func=limits.by_user, methods=["POST"], deduct_when=limits.failed)
@role_required(Role.reseller)
def reseller_erase():
    return _account_erase()


@bp.post("/supplier/data/erase")
@limiter.limit(limits.CONFIRM_PASSWORD, key_func=limits.by_user, methods=["POST"], deduct_when=limits.failed)
@role_required(Role.supplier)
def supplier_erase():
    return _account_erase()


def _account_page(form: AccountEraseForm | None = None):
    latest = _latest_request(RequestKind.account, user_id=current_user.id)
    reasons = blockers(subject_of(latest)) if latest and latest.status is not RequestStatus.done else []
    urls = {name: url_for(endpoint) for name, endpoint in PAGES[current_user.role].items()}
    return render_template("privacy/account.html", form=form or AccountEraseForm(), latest=latest,
                           reasons=reasons, urls=urls)


def _account_zip():
    return _attachment(as_zip(account_export(current_user)), "application/zip", "sharestall-account.zip")


def _account_erase():
    form = AccountEraseForm()
    if form.validate_on_submit():
        if current_user.check_password(form.password.data):
            request_erasure(RequestKind.account, current_user.email, current_user.id)
            db.session.commit()
            flash(_("We have your request. The operator will close your account and remove your details."))
            return redirect(url_for(PAGES[current_user.role]["page"]))
        form.password.errors.append(_("That password is not right."))
    return _account_page(form)


@bp.get("/admin/privacy")
@role_required(Role.admin)
def requests():
    page = db.paginate(
        select(ErasureRequest).order_by(ErasureRequest.status != RequestStatus.requested, ErasureRequest.id.desc()),
        per_page=current_app.config["PER_PAGE"], error_out=False,
    )
    return render_template("privacy/requests.html", page=page)


@bp.post("/admin/privacy/erase")
@role_required(Role.admin)
def carry_out_request():
    form = CarryOutForm()
    if not form.validate_on_submit():
        abort(404)
    found = db.get_or_404(ErasureRequest, form.request_id.data)
    if found.status is RequestStatus.done:
        flash(_("Request #%(id)s was already carried out.", id=found.id), "warning")
        return redirect(url_for(".requests"))
    reasons = carry_out(found)
    db.session.commit()
    if reasons:
        flash(_("Request #%(id)s has to wait: %(reasons)s", id=found.id, reasons=" ".join(reasons)), "warning")
    else:
        flash(_("Request #%(id)s is done: the details are erased.", id=found.id))
    return redirect(url_for(".requests"))


def _latest_request(kind: RequestKind, email: str | None = None, user_id: int | None = None):
    match = ErasureRequest.user_id == user_id if user_id is not None else ErasureRequest.email == email
    return db.session.scalar(
        select(ErasureRequest).where(ErasureRequest.kind == kind, match).order_by(ErasureRequest.id.desc()).limit(1)
    )


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, mimetype=mimetype, headers=headers)

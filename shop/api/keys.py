"""The supplier's page for API keys: make one (shown once), see when each was last used, revoke."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from shop.accounts.access import own, role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Supplier
from shop.extensions import db
from shop.htmx import is_fragment_request, render

from .forms import ApiKeyForm
from .models import ApiKey
from .services import create_api_key, revoke_api_key, supplier_keys

keys_bp = Blueprint("api_keys", __name__, url_prefix="/supplier/api-keys")
PAGE = "api/keys.html"


def _page(supplier: Supplier, form: ApiKeyForm, new_secret: str | None = None):
    body, status, headers = render(PAGE, "keys", supplier=supplier, keys=supplier_keys(supplier.id), form=form,
                                   revoke_form=EmptyForm(), new_secret=new_secret)
    # A page that may hold a secret is never stored by the browser or a proxy.
    return body, status, {**headers, "Cache-Control": "no-store"}


@keys_bp.get("")
@role_required(Role.supplier)
def index():
    return _page(own(Supplier), ApiKeyForm(formdata=None))


@keys_bp.post("")
@role_required(Role.supplier)
def create():
    supplier = own(Supplier)
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _page(supplier, form)
    _key, secret = create_api_key(supplier, form.name.data)
    db.session.commit()
    # Rendered, not redirected: the secret must not travel through the session cookie of a redirect.
    return _page(supplier, ApiKeyForm(formdata=None), new_secret=secret)


@keys_bp.post("/<token>/revoke")
@role_required(Role.supplier)
def revoke(token):
    supplier = own(Supplier)
    key = None if "\x00" in token else db.session.scalar(
        select(ApiKey).where(ApiKey.token == token, ApiKey.supplier_id == supplier.id))
    if key is None or not EmptyForm().validate_on_submit():
        abort(404)
    revoke_api_key(key)
    db.session.commit()
    if is_fragment_request():
        return _page(supplier, ApiKeyForm(formdata=None))
    flash(_("Key %(name)s revoked: it no longer works.", name=key.name))
    return redirect(url_for(".index"))

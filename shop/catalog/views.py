"""Supplier catalog pages: products, stock and prices, photos, CSV import."""
import csv
import io

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop import money
from shop.accounts import limits
from shop.accounts.access import own, role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.extensions import db, limiter
from shop.htmx import is_fragment_request, render
from shop.images import ImageError, ImageTooLarge, save_upload

from . import services
from .forms import ImportForm, PhotoForm, VariantForm
from .importer import ImportFileError
from .models import ImportJob, ImportStatus, Product, Supplier, Variant
from .tasks import run_import

bp = Blueprint("catalog", __name__, url_prefix="/supplier")
supplier_only = role_required(Role.supplier)


@bp.context_processor
def helpers():
    return {"amount_text": lambda minor: money.plain(minor, current_app.config["CURRENCY"])}


def _own_product(supplier: Supplier, product_id: int) -> Product:
    return db.first_or_404(
        select(Product).where(Product.id == product_id, Product.supplier_id == supplier.id)
        .options(selectinload(Product.variants), selectinload(Product.images))
    )


def _safe_next(target: str | None, default: str) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else default


@bp.get("/products")
@supplier_only
def products():
    supplier = own(Supplier)
    query = request.args.get("q", "")
    page = db.paginate(services.supplier_products(supplier, query), per_page=20, error_out=False)
    return render("catalog/products.html", "results", supplier=supplier, page=page, q=query,
                  next_url=request.full_path)


@bp.get("/products/<int:product_id>")
@supplier_only
def product(product_id: int):
    supplier = own(Supplier)
    return render_template("catalog/product.html", supplier=supplier, product=_own_product(supplier, product_id),
                           photo_form=PhotoForm(), forms={}, next_url=request.path)


@bp.post("/variants/<int:variant_id>")
@supplier_only
def update_variant(variant_id: int):
    supplier = own(Supplier)
    variant = db.first_or_404(select(Variant).where(Variant.id == variant_id, Variant.supplier_id == supplier.id))
    form = VariantForm()
    product_url = url_for("catalog.product", product_id=variant.product_id)
    next_url = _safe_next(form.next.data, product_url)
    if form.validate_on_submit():
        services.set_stock_and_price(variant, form.stock_value, form.wholesale_minor)
        db.session.commit()
        if not is_fragment_request():
            flash(_("Saved %(sku)s.", sku=variant.sku))
            return redirect(next_url)
        form = None
    if is_fragment_request():
        return render("catalog/product.html", "variant_row", variant=variant, forms={variant.id: form},
                      saved=form is None, next_url=next_url)
    # Without JavaScript a mistake is shown on the product page, with what was typed kept.
    return render_template("catalog/product.html", supplier=supplier,
                           product=_own_product(supplier, variant.product_id), photo_form=PhotoForm(),
                           forms={variant.id: form}, next_url=next_url)


@bp.post("/products/<int:product_id>/photos")
@supplier_only
def add_photo(product_id: int):
    supplier = own(Supplier)
    product = _own_product(supplier, product_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            services.add_photo(product, save_upload(form.photo.data))
        except ImageTooLarge as exc:
            form.photo.errors.append(str(exc))
        except ImageError:
            form.photo.errors.append(_("That file is not a photo we can use. Upload a JPEG, PNG, WebP or GIF."))
        else:
            db.session.commit()
            flash(_("Photo added."))
            return redirect(url_for("catalog.product", product_id=product.id))
    return render_template("catalog/product.html", supplier=supplier, product=product, photo_form=form,
                           forms={}, next_url=url_for("catalog.product", product_id=product.id))


@bp.post("/products/<int:product_id>/published")
@supplier_only
def toggle_published(product_id: int):
    product = _own_product(own(Supplier), product_id)
    if EmptyForm().validate_on_submit():
        product.published = not product.published
        db.session.commit()
        flash(_("Published.") if product.published else _("Hidden from stores."))
    return redirect(url_for("catalog.product", product_id=product.id))


@bp.route("/import", methods=["GET", "POST"])
@limiter.limit(limits.CATALOG_IMPORT, key_func=limits.by_user, methods=["POST"])
@supplier_only
def upload():
    supplier = own(Supplier)
    form = ImportForm()
    if form.validate_on_submit():
        try:
            job = services.start_import(supplier, form.file.data)
        except ImportFileError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            db.session.commit()
            run_import(job.id)
            return redirect(url_for("catalog.import_job", token=job.token))
    jobs = db.session.scalars(
        select(ImportJob).where(ImportJob.supplier_id == supplier.id).order_by(ImportJob.id.desc()).limit(5)
    )
    return render_template("catalog/upload.html", supplier=supplier, form=form, jobs=list(jobs))


@bp.get("/import/<token>")
@supplier_only
def import_job(token: str):
    supplier = own(Supplier)
    job = db.first_or_404(select(ImportJob).where(ImportJob.token == token, ImportJob.supplier_id == supplier.id))
    running = job.status in (ImportStatus.queued, ImportStatus.running)
    return render("catalog/job.html", "progress", supplier=supplier, job=job, running=running)


TEMPLATE_ROWS = [
    ["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Option1 Name", "Option1 Value", "Variant SKU",
     "Variant Inventory Qty", "Variant Price", "Variant Compare At Price", "Image Src", "Image Position",
     "Image Alt Text", "Variant Image", "Status"],
    ["cotton-tee", "Cotton tee", "<p>Soft organic cotton.</p>", "Your brand", "Shirts", "cotton, summer", "Size",
     "S", "TEE-S", "25", "8.50", "19.90", "https://example.com/tee-front.jpg", "1", "Front", "", "active"],
    ["cotton-tee", "", "", "", "", "", "", "M", "TEE-M", "40", "8.50", "19.90",
     "https://example.com/tee-back.jpg", "2", "Back", "", ""],
    ["cotton-tee", "", "", "", "", "", "", "L", "TEE-L", "10", "9.00", "21.90", "", "", "", "", ""],
    ["enamel-mug", "Enamel mug", "<p>Camping mug, 350 ml.</p>", "Your brand", "Kitchen", "camping", "", "",
     "MUG-1", "100", "4.20", "12.00", "https://example.com/mug.jpg", "1", "Mug", "", "active"],
]


@bp.get("/import/template.csv")
@supplier_only
def template_csv():
    out = io.StringIO()
    csv.writer(out).writerows(TEMPLATE_ROWS)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=sharestall-products-template.csv"})

"""Suppliers' outside photos: fetched once, re-encoded like uploads, then served from /media."""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from shop.extensions import db
from shop.images import ImageError, ImageTooLarge, open_checked, save_image
from shop.outbound import OutboundError, call

from .models import MAX_FETCH_ATTEMPTS, Product, ProductImage


def due_images(supplier_id: int | None = None, limit: int = 500) -> list[int]:
    """Ids of outside photos not yet copied and not given up on (one supplier's, or all), oldest first."""
    query = select(ProductImage.id).where(
        ~ProductImage.src.startswith("/media/"), ProductImage.fetch_attempts < MAX_FETCH_ATTEMPTS
    ).order_by(ProductImage.id).limit(limit)
    if supplier_id is not None:
        query = query.join(Product).where(Product.supplier_id == supplier_id)
    return list(db.session.scalars(query))


def fetch_image(image_id: int) -> bool:
    """Copy one outside photo into /media and point the image at it; record why when it fails. Flushes."""
    image = db.session.get(ProductImage, image_id)
    if image is None or image.is_local or image.fetch_attempts >= MAX_FETCH_ATTEMPTS:
        return False
    url = image.src
    image.fetch_attempts += 1
    try:
        data = call(url, current_app.config["IMAGE_FETCH_MAX_BYTES"], headers={"Accept": "image/*"})
        local = save_image(open_checked(data))
    except OutboundError as exc:
        image.fetch_error = str(exc)[:500]
        db.session.flush()
        return False
    except ImageError as exc:
        # The same bytes would fail again: no more attempts.
        image.fetch_attempts = MAX_FETCH_ATTEMPTS
        image.fetch_error = (str(exc) if isinstance(exc, ImageTooLarge)
                             else _("The file at this address is not a JPEG, PNG, WebP or GIF picture."))[:500]
        db.session.flush()
        return False
    image.src, image.remote_src, image.fetch_error = local, url, ""
    db.session.flush()
    return True

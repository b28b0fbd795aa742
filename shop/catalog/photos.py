"""Suppliers' outside photos: fetched once, re-encoded like uploads, then served from /media."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from shop.extensions import db
from shop.images import ImageError, ImageTooLarge, open_checked, save_image
from shop.outbound import OutboundError, call
from shop.util import now_utc

from .models import MAX_FETCH_ATTEMPTS, Product, ProductImage


def due_images(supplier_id: int | None = None, limit: int = 500) -> list[int]:
    """Ids of outside photos not yet copied, not given up on and not being fetched (one supplier's, or all)."""
    query = select(ProductImage.id).where(
        ~ProductImage.src.startswith("/media/"), ProductImage.fetch_attempts < MAX_FETCH_ATTEMPTS, _unleased(now_utc())
    ).order_by(ProductImage.id).limit(limit)
    if supplier_id is not None:
        query = query.join(Product).where(Product.supplier_id == supplier_id)
    return list(db.session.scalars(query))


def _unleased(now):
    return or_(ProductImage.fetch_lease_until.is_(None), ProductImage.fetch_lease_until <= now)


def claim_image(image_id: int) -> bool:
    """Take the lease on one due photo's fetch and count the attempt; False when it is copied, given up on
    or another worker holds it. Commits, so the other workers see the claim before the fetch starts."""
    now = now_utc()
    lease = timedelta(seconds=current_app.config["PIPELINE_LEASE_SECONDS"])
    claimed = db.session.execute(
        update(ProductImage)
        .where(ProductImage.id == image_id, ~ProductImage.src.startswith("/media/"),
               ProductImage.fetch_attempts < MAX_FETCH_ATTEMPTS, _unleased(now))
        .values(fetch_attempts=ProductImage.fetch_attempts + 1, fetch_lease_until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def fetch_image(image_id: int) -> bool:
    """Copy one outside photo into /media and point the image at it; record why when it fails.
    Commits the claim (it talks to the world), then flushes the outcome."""
    if not claim_image(image_id):
        return False
    image = db.session.get(ProductImage, image_id)
    db.session.refresh(image)
    url = image.src
    try:
        data = call(url, current_app.config["IMAGE_FETCH_MAX_BYTES"], headers={"Accept": "image/*"})
        local = save_image(open_checked(data))
    except OutboundError as exc:
        image.fetch_error = str(exc)[:500]
    except ImageError as exc:
        # The same bytes would fail again: no more attempts.
        image.fetch_attempts = MAX_FETCH_ATTEMPTS
        image.fetch_error = (str(exc) if isinstance(exc, ImageTooLarge)
                             else _("The file at this address is not a JPEG, PNG, WebP or GIF picture."))[:500]
    else:
        image.src, image.remote_src, image.fetch_error = local, url, ""
    # The outcome ends the lease: a host that failed is tried again by the next sweep, not after the lease.
    image.fetch_lease_until = None
    db.session.flush()
    return image.is_local

"""Background catalog import."""
import json
import logging

from flask import current_app
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import update

from shop.extensions import db, huey, job
from shop.util import now_utc

from .importer import ImportFileError, count_csv_rows, import_csv
from .models import ImportJob, ImportStatus
from .photos import due_images, fetch_image

log = logging.getLogger(__name__)


@job(retries=0)
def run_import(job_id: int) -> None:
    """Run a queued import, committing progress per chunk; a job already claimed or finished is left alone."""
    claimed = db.session.execute(
        update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == ImportStatus.queued)
        .values(status=ImportStatus.running)
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    import_job = db.session.get(ImportJob, job_id)
    try:
        import_job.total_rows = count_csv_rows(import_job.path)
        db.session.commit()

        def progress(rows: int) -> None:
            import_job.processed_rows = rows
            db.session.commit()

        with open(import_job.path, "rb") as stream:
            report = import_csv(import_job.supplier_id, stream, progress=progress)
        import_job.processed_rows = import_job.total_rows
        import_job.status = ImportStatus.done
    except ImportFileError as exc:
        db.session.rollback()
        report, import_job.status = {"error": str(exc)}, ImportStatus.failed
    except OSError:
        db.session.rollback()
        message = _("The uploaded file could not be read. Please upload it again.")
        report, import_job.status = {"error": message}, ImportStatus.failed
    except Exception:
        # Rows committed so far stay; importing the file again updates them rather than duplicating.
        log.exception("catalog import %s failed", job_id)
        db.session.rollback()
        message = _("The import stopped unexpectedly. Please upload the file again.")
        report, import_job.status = {"error": message}, ImportStatus.failed
    import_job.report_json = json.dumps(report)
    import_job.finished_at = now_utc()
    db.session.commit()
    fetch_photos(import_job.supplier_id)


@job(retries=0)
def fetch_photos(supplier_id: int | None = None) -> None:
    """Copy due outside photos (one supplier's, or everyone's) into /media, committing each."""
    if not current_app.config["IMAGE_FETCH_ENABLED"]:
        return
    for image_id in due_images(supplier_id):
        fetch_image(image_id)
        # One commit per photo: each is a call to the outside world, and a later failure must not undo it.
        db.session.commit()


@huey.periodic_task(crontab(minute="23"), name="shop.catalog.tasks.hourly")
def hourly():
    # Catches photos of feeds, the command line and hosts that were down; a failing one stops after MAX_ATTEMPTS.
    fetch_photos()

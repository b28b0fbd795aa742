"""Background catalog import."""
import json
import logging

from flask_babel import gettext as _
from sqlalchemy import update

from shop.extensions import db, job
from shop.util import now_utc

from .importer import ImportFileError, count_csv_rows, import_csv
from .models import ImportJob, ImportStatus

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

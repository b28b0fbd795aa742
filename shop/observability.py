"""Request ids, logs as JSON lines, readiness and Prometheus metrics."""
import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

from flask import Blueprint, Flask, abort, current_app, g, has_request_context, jsonify, request
from huey.signals import SIGNAL_ERROR
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from shop.extensions import db, huey

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("shop.access")

REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes these write to files shared by all workers (and the job
# worker), so one scrape sees every process.
REQUESTS = Counter("sharestall_http_requests", "HTTP requests served.", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "sharestall_http_request_duration_seconds", "Time to build a response.", ["endpoint"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0),
)
FAILED_JOBS = Counter("sharestall_jobs_failed", "Background jobs that raised an error.", ["task"])


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id and path when there is a request."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "path", "method", "endpoint", "status", "duration_ms"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RequestContextFilter(logging.Filter):
    """Stamp every record made during a request with its id and path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(record, "request_id", None) or g.get("request_id")
            record.path = getattr(record, "path", None) or request.path
        return True


def configure_logging(log_format: str, level: str) -> None:
    """Send the root logger's lines to stderr, as JSON when log_format is "json"."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s", defaults={"request_id": "-"})
    )
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_sharestall", False)]
    handler._sharestall = True
    root.addHandler(handler)
    root.setLevel(level.upper())


def init_app(app: Flask) -> None:
    """Request ids, access lines, metrics and the readiness endpoint."""
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.register_blueprint(bp)
    _watch_jobs()


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("started")
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    # Unmatched URLs share one label, so random paths cannot grow the series without bound.
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(elapsed)
    if current_app.config.get("ACCESS_LOG"):
        access_log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"method": request.method, "endpoint": endpoint, "status": response.status_code,
                   "duration_ms": round(elapsed * 1000, 2)},
        )
    return response


_jobs_watched = False


def _watch_jobs() -> None:
    """Count failed jobs; the handler runs in whichever process executes the job."""
    global _jobs_watched
    if _jobs_watched:
        return
    _jobs_watched = True

    @huey.signal(SIGNAL_ERROR)
    def count_failure(signal, task, exc=None):
        FAILED_JOBS.labels(task.name).inc()


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means the database does not answer
        db.session.rollback()
        return False


def _queue_depth() -> int | None:
    """Jobs waiting in the queue, or None when its storage does not answer."""
    try:
        return huey.pending_count()
    except Exception:  # a refused connection, a locked or missing file: the queue is not usable
        return None


@bp.get("/readyz")
def readyz():
    checks = {"database": _database_answers(), "queue": _queue_depth() is not None}
    failed = [name for name, ok in checks.items() if not ok]
    return jsonify(status="error" if failed else "ok", failed=failed, **checks), 503 if failed else 200


class QueueCollector:
    """The job queue's depth, read when Prometheus scrapes."""

    def collect(self):
        depth = _queue_depth()
        gauge = GaugeMetricFamily("sharestall_queue_depth", "Jobs waiting in the queue (-1: queue unreachable).")
        gauge.add_metric([], -1 if depth is None else depth)
        yield gauge


def _scrape_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    # A proxy on the same host makes every visitor look local; a forwarded request is never "local".
    if request.headers.get("X-Forwarded-For") and not current_app.config.get("TRUST_PROXY"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _process_metrics() -> bytes:
    """This process's metrics, or every process's when gunicorn's workers share a multiprocess folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


_scrape_time = CollectorRegistry()
_scrape_time.register(QueueCollector())


@bp.get("/metrics")
def metrics():
    if not _scrape_allowed():
        abort(403)
    return _process_metrics() + generate_latest(_scrape_time), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}

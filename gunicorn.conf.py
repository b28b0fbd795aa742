"""gunicorn settings for production: gunicorn -c gunicorn.conf.py app:app (every value can come from the environment)."""
import json
import logging
import multiprocessing
import os
import tempfile
from datetime import datetime, timezone

from gunicorn.glogging import Logger

env = os.environ.get

bind = env("BIND") or f"0.0.0.0:{env('PORT', '8000')}"
# A request is mostly Python (CPU, under one GIL per process) with short waits on the database: one
# process per core plus one keeps every core busy while a process waits. One thread each (sync workers):
# threads of one process share its GIL, and a request waited for its siblings' Python. Measured at 32
# connections on 2 cores (bench/README.md), 3 sync workers against 3 × 4 threads: store page p95 9 vs 20 ms,
# product page 19 vs 26-42 ms, add to cart 65 vs 70 ms, same throughput. Sync workers need a buffering
# proxy in front for slow clients (nginx, as README's Deploying says). Jobs do the slow outside calls; where
# requests must wait on one (Stripe at checkout), raise WEB_CONCURRENCY or set GUNICORN_THREADS (gthread).
workers = int(env("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
threads = int(env("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(env("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(env("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(env("GUNICORN_KEEPALIVE", "5"))
# Recycling workers now and then bounds any slow leak; the jitter keeps them from restarting together.
# Rarely, though: a new worker spends about a second of CPU importing the app, starts with empty page
# copies, and resets the connections it held. Store pages from copies run at ~1,400 requests a second per
# worker on two cores, so 50,000 meant a restart every ~35 s under load; a million is ~12 minutes at that
# rate (the caches a worker keeps are bounded: shop/edge.py, shop/pagecache.py, shop/stores/clicks.py).
max_requests = int(env("GUNICORN_MAX_REQUESTS", "1000000"))
max_requests_jitter = int(env("GUNICORN_MAX_REQUESTS_JITTER", "50000"))
# Each worker imports the app itself: no database connection or file handle is shared across a fork.
preload_app = False
accesslog = env("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = env("LOG_LEVEL", "info").lower()
forwarded_allow_ips = env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Under gunicorn the app logs JSON lines and leaves the access line to gunicorn (below).
os.environ.setdefault("LOG_FORMAT", "json")
os.environ.setdefault("ACCESS_LOG", "0")
# Metrics from every worker go to files in one folder, so any worker can answer /metrics for all.
# It must be set before prometheus_client is first imported; `make serve-prod` empties it at each start
# and hands the same folder to the job worker, whose failed-job counter then shows up too.
if not env("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sharestall-metrics-")

# Imported here, once the folder is known, and not inside child_exit, which runs in a signal handler.
from prometheus_client import multiprocess  # noqa: E402


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)


class JsonLines(logging.Formatter):
    """gunicorn's own lines (start, stop, worker timeouts) in the app's JSON shape."""

    def format(self, record):
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class JsonAccessLogger(Logger):
    """gunicorn's access line as one JSON object, with the request id the app sent back."""

    def setup(self, cfg):
        super().setup(cfg)
        if os.environ.get("LOG_FORMAT") == "json":
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonLines())

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = dict((name.lower(), value) for name, value in resp.headers)
        line = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "level": "info",
            "logger": "gunicorn.access",
            "msg": f"{req.method} {req.path} {status}",
            "request_id": headers.get("x-request-id", ""),
            "method": req.method,
            "path": req.path,
            "status": int(status),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "bytes": getattr(resp, "sent", None),
            "remote": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # a log line must never break a response
            self.exception("access log failed")


logger_class = JsonAccessLogger

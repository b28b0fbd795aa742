"""Visits to stores and products, counted in batches.

A link posted in a busy group brings hundreds of visits a second, each worth one row in `clicks`. Written
one by one, every page view would be a write transaction (on SQLite, one writer at a time for the whole
site). With CLICK_BUFFER_SECONDS above zero each process keeps the visits of the last fraction of a second
and writes them in one transaction; a crash loses at most that fraction, which a visit counter can afford
(an order never depends on it). With 0 (the tests) each visit is written in the request's own transaction.
"""
import atexit
import logging
import os
import re
import threading
import time
import uuid

from flask import Flask, current_app
from sqlalchemy import insert
from werkzeug.http import dump_cookie

from shop.extensions import db
from shop.util import now_utc

from . import services
from .models import Click

log = logging.getLogger(__name__)

VISITOR_COOKIE = "visitor"
VISITOR_RE = re.compile(r"[0-9a-f]{32}")
VISITOR_MAX_AGE = 2 * 365 * 86400
# Past this many waiting visits (the database has been away for a while) the oldest are dropped.
BACKLOG = 100_000


def visitor_in(cookies) -> str | None:
    """The visitor id the browser sent, when it is one of ours."""
    value = cookies.get(VISITOR_COOKIE, "")
    return value if VISITOR_RE.fullmatch(value) else None


def new_visitor() -> tuple[str, str]:
    """A new visitor id and the Set-Cookie header value that gives it to the browser."""
    visitor = uuid.uuid4().hex
    return visitor, dump_cookie(VISITOR_COOKIE, visitor, max_age=VISITOR_MAX_AGE, httponly=True, samesite="Lax")


def visit_row(store_id: int, product_id: int | None, visitor: str, link_id: int | None, channel: str,
              new: bool = False) -> dict:
    """A visit to count; `new`: the visitor id was made for this very visit, so it cannot have been counted."""
    now = now_utc()
    return {"store_id": store_id, "product_id": product_id, "visitor": visitor, "now": now,
            "since": now - services.CLICK_WINDOW, "link_id": link_id, "channel": channel, "new": new}


def record(row: dict) -> bool:
    """Count a visit into this process's batch, or at once; True when it went into the request's
    transaction, which the caller then commits."""
    batch = buffer(current_app._get_current_object())
    if batch.seconds > 0:
        batch.add(row)
        return False
    db.session.execute(services.click_insert(row["product_id"] is not None), row)
    return True


def buffer(app: Flask) -> "ClickBuffer":
    found = app.extensions.get("sharestall_clicks")
    if found is None:
        found = app.extensions.setdefault("sharestall_clicks", ClickBuffer(app))
    return found


def _columns(row: dict) -> dict:
    return {"store_id": row["store_id"], "product_id": row["product_id"], "visitor": row["visitor"],
            "created_at": row["now"], "link_id": row["link_id"], "channel": row["channel"]}


class ClickBuffer:
    """The visits a process has counted and not yet written; a daemon thread writes them every `seconds`."""

    def __init__(self, app: Flask):
        self.app = app
        self.seconds = float(app.config.get("CLICK_BUFFER_SECONDS", 0))
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._writer_pid = None  # the process whose thread writes; a forked worker starts its own

    def add(self, row: dict) -> None:
        with self._lock:
            self._rows.append(row)
            if len(self._rows) > BACKLOG:
                del self._rows[: len(self._rows) - BACKLOG]
            start = self._writer_pid != os.getpid()
            if start:
                self._writer_pid = os.getpid()
        if start:
            threading.Thread(target=self._write_forever, name="click-writer", daemon=True).start()
            atexit.register(self.flush)  # a graceful stop (gunicorn's SIGTERM) writes what is left

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write the waiting visits in one transaction; how many were written (0 when it failed)."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        with self.app.app_context():
            try:
                # Visitors whose id was made for this visit: a plain insert of them all (most of a busy
                # link's visits; the dedupe below costs an index probe each, ~10x the insert on SQLite).
                fresh = [_columns(row) for row in rows if row["new"]]
                if fresh:
                    db.session.execute(insert(Click.__table__), fresh)
                for on_product in (False, True):
                    group = [row for row in rows if not row["new"] and (row["product_id"] is not None) is on_product]
                    if group:
                        # One executemany; each row still skips a visitor counted within the window.
                        db.session.execute(services.click_insert(on_product), group)
                db.session.commit()
            except Exception:  # the database is away: keep the visits for the next round
                db.session.rollback()
                log.warning("could not write %d visits; trying again", len(rows), exc_info=True)
                with self._lock:
                    self._rows[:0] = rows
                    del self._rows[: max(0, len(self._rows) - BACKLOG)]
                return 0
            finally:
                db.session.remove()
        return len(rows)

    def _write_forever(self) -> None:
        while True:
            time.sleep(self.seconds)
            try:
                self.flush()
            except Exception:  # never let the writer die: the next round tries again
                log.exception("click writer failed")

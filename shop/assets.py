"""Static files under content-hashed names (app.3f2a9c1b0d.css), cached by browsers for a year."""
import hashlib
import os
import re
from pathlib import Path

from flask import Flask, abort, current_app, send_from_directory, url_for
from werkzeug.security import safe_join

HASHED_RE = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
IMMUTABLE = "public, max-age=31536000, immutable"

# (folder, filename) -> (mtime_ns, size, digest); kept per process so each file is read once.
_digests: dict[tuple[str, str], tuple[int, int, str]] = {}


def digest(folder: str, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256; None when there is no such file."""
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    known = _digests.get((folder, filename))
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    value = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    _digests[(folder, filename)] = (stat.st_mtime_ns, stat.st_size, value)
    return value


def hashed_name(filename: str) -> str:
    """app.css -> app.<digest>.css; a missing file keeps its name."""
    # In debug the file may have just been edited; digest() notices through its mtime.
    value = None if current_app.debug else _hashes(current_app).get(filename)
    value = value or digest(current_app.static_folder, filename)
    if value is None:
        return filename
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}.{value}.{ext}" if dot else f"{filename}.{value}"


def static_url(filename: str) -> str:
    """The URL of a static file under its content-hashed name."""
    return url_for("static", filename=hashed_name(filename))


def _hashes(app: Flask) -> dict[str, str]:
    return app.extensions["sharestall_assets"]


def _hash_all(folder: str) -> dict[str, str]:
    """Digest the stylesheet and scripts once at start-up (fonts and other files are digested on first use)."""
    found = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith((".css", ".js", ".svg")):
                rel = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
                found[rel] = digest(folder, rel)
    return found


def serve_static(filename: str):
    """Flask's static view, also answering hashed names; only the current digest is cached for good."""
    folder = current_app.static_folder
    match = HASHED_RE.match(filename)
    path = safe_join(folder, filename)
    if path is None:
        abort(404)
    if match and not os.path.isfile(path):
        original = match["stem"] + match["ext"]
        response = send_from_directory(folder, original)
        # An old or future digest (a rolling deploy) gets the current file, but must not be cached for good.
        current = digest(folder, original) == match["digest"]
        response.headers["Cache-Control"] = IMMUTABLE if current else "no-cache"
        return response
    return send_from_directory(folder, filename, max_age=current_app.get_send_file_max_age(filename))


def init_app(app: Flask) -> None:
    app.extensions["sharestall_assets"] = _hash_all(app.static_folder)
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["static_url"] = static_url

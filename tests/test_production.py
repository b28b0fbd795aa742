"""Production mode: request ids, JSON logs, readiness, metrics and settings from the environment."""
import json
import re

import pytest
from huey.storage import RedisStorage

from shop import config
from shop.extensions import huey

FAR_AWAY = {"REMOTE_ADDR": "203.0.113.7"}


def _sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text output (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    match = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.M) if labels else re.search(
        rf"^{re.escape(name)} (\S+)$", text, re.M
    )
    return float(match.group(1)) if match else 0.0


def test_a_request_id_is_made_when_none_is_sent(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_sane_incoming_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize("sent", ["short", "has spaces in it", "x" * 200, "evil\"quote'id", "ünïcode-id-1234"])
def test_an_insane_request_id_is_replaced(client, sent):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"])


def test_json_log_lines_carry_the_request_id(make_app, capsys):
    app = make_app(LOG_FORMAT="json", ACCESS_LOG=True)

    @app.get("/__log_something")
    def log_something():
        app.logger.warning("stock is low")
        return "ok"

    capsys.readouterr()
    app.test_client().get("/__log_something", headers={"X-Request-ID": "req-0123456789"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    warning = next(line for line in lines if line["msg"] == "stock is low")
    assert warning["level"] == "warning" and warning["request_id"] == "req-0123456789"
    assert warning["path"] == "/__log_something" and "ts" in warning and warning["logger"] == app.logger.name
    access = next(line for line in lines if line["logger"] == "shop.access")
    assert access["request_id"] == "req-0123456789" and access["status"] == 200
    assert access["path"] == "/__log_something" and isinstance(access["duration_ms"], float)


def test_plain_text_logs_by_default(make_app, capsys):
    app = make_app()
    assert app.config["LOG_FORMAT"] == "text" and app.config["ACCESS_LOG"] is False
    with app.test_request_context("/x", headers={"X-Request-ID": "plain-0123456789"}):
        app.preprocess_request()
        app.logger.warning("hello")
    assert "[plain-0123456789] hello" in capsys.readouterr().err


def test_readyz_is_ready_when_database_and_queue_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "failed": [], "database": True, "queue": True}


def test_readyz_names_a_queue_that_does_not_answer(client, monkeypatch):
    # Nothing listens on port 1: the queue's storage refuses every connection.
    monkeypatch.setattr(huey, "storage", RedisStorage("sharestall", url="redis://127.0.0.1:1/0"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["queue"] and response.json["database"] is True


def test_readyz_names_a_database_that_does_not_answer(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"] and response.json["status"] == "error"
    assert app.test_client().get("/healthz").status_code == 503


def test_metrics_count_requests_and_time_them(client):
    before = client.get("/metrics").text
    for _ in range(3):
        client.get("/readyz")
    client.get("/no/such/page")
    text = client.get("/metrics").text
    count = "sharestall_http_requests_total"
    assert _sample(text, count, endpoint="ops.readyz", method="GET", status="200") == _sample(
        before, count, endpoint="ops.readyz", method="GET", status="200"
    ) + 3
    assert _sample(text, count, endpoint="unmatched", method="GET", status="404") >= 1
    histogram = "sharestall_http_request_duration_seconds"
    assert _sample(text, f"{histogram}_count", endpoint="ops.readyz") >= 3
    assert _sample(text, f"{histogram}_bucket", endpoint="ops.readyz", le="+Inf") >= 3
    assert "# TYPE sharestall_http_request_duration_seconds histogram" in text
    assert _sample(text, "sharestall_queue_depth") == 0


@huey.task(retries=0, name="tests.always_fails")
def always_fails():
    raise RuntimeError("supplier webhook down")


def test_metrics_show_the_queue_depth_and_failed_jobs(app, client, monkeypatch):
    before = _sample(client.get("/metrics").text, "sharestall_jobs_failed_total", task="tests.always_fails")
    always_fails()
    text = client.get("/metrics").text
    assert _sample(text, "sharestall_jobs_failed_total", task="tests.always_fails") == before + 1

    monkeypatch.setattr(huey, "immediate", False)  # queue for real, in the test's SQLite queue file
    huey.storage.flush_queue()
    always_fails()
    always_fails()
    assert _sample(client.get("/metrics").text, "sharestall_queue_depth") == 2
    huey.storage.flush_queue()


def test_metrics_are_refused_from_afar_without_the_token(client):
    assert client.get("/metrics", environ_base=FAR_AWAY).status_code == 403
    # A proxy on this host makes the visitor look local; its forwarding header gives it away.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403


def test_metrics_token_lets_a_remote_scraper_in(make_app):
    client = make_app(METRICS_TOKEN="scrape-secret").test_client()
    assert client.get("/metrics", environ_base=FAR_AWAY).status_code == 403
    wrong = {"Authorization": "Bearer guess"}
    assert client.get("/metrics", environ_base=FAR_AWAY, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer scrape-secret"}
    response = client.get("/metrics", environ_base=FAR_AWAY, headers=right)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"


def test_https_base_url_makes_cookies_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://shop.example.com")
    settings = config.from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["PREFERRED_URL_SCHEME"] == "https"
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")
    assert config.from_environment(str(tmp_path))["SESSION_COOKIE_SECURE"] is False


def test_postgresql_gets_a_connection_pool_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db/sharestall")
    monkeypatch.setenv("DB_POOL_SIZE", "12")
    options = config.from_environment(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 12 and options["max_overflow"] == 10 and options["pool_pre_ping"]
    assert options["pool_recycle"] == 1800
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    assert "pool_size" not in config.from_environment(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]


def test_trusted_proxy_sets_the_client_address_and_scheme(make_app):
    app = make_app(TRUST_PROXY=1)

    @app.get("/__who")
    def who():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    forwarded = {"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}
    assert app.test_client().get("/__who", headers=forwarded).text == "198.51.100.4 https"
    # Behind a trusted proxy the real address decides: a visitor far away is refused the metrics.
    assert app.test_client().get("/metrics", headers=forwarded).status_code == 403

"""Rate limits per key, answered in JSON."""
from shop.api.services import create_api_key
from shop.extensions import db


def test_each_key_has_its_own_limit_and_429_is_json(make_app, make_supplier):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        supplier = make_supplier()
        secrets = [create_api_key(supplier, name)[1] for name in ("one", "two")]
        db.session.commit()
        client = app.test_client()

        def call(secret):
            return client.get("/api/v1/supplier", headers={"Authorization": f"Bearer {secret}"})

        assert [call(secrets[0]).status_code for _ in range(3)] == [200, 200, 200]
        limited = call(secrets[0])
        assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) > 0
        assert call(secrets[1]).status_code == 200
        db.session.remove()

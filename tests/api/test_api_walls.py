"""Tenant walls of the supplier API, swept route by route from app.url_map with real Bearer keys.

tests/test_walls.py sweeps session routes; here each supplier's key names the other's purchase orders, SKUs and
handles, a revoked key and plain browser sessions knock on every route, and nothing may change or leak.
"""
from sqlalchemy import select

from shop.api.services import create_api_key, revoke_api_key
from shop.catalog.models import Product, Supplier, Variant
from shop.extensions import db
from tests.fulfillment.conftest import make_paid_order  # noqa: F401
from tests.walls_world import OTHER, build_world, changed_tables, snapshot

# The key's last-used time is bookkeeping written by any authenticated call.
BOOKKEEPING = {"api_keys"}


def _api_rules(app):
    rules = (r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and r.endpoint != "api.openapi")
    return sorted(rules, key=lambda r: r.rule)


def _variant_state(supplier_id):
    rows = db.session.execute(select(Variant.sku, Variant.stock, Variant.wholesale_minor, Product.title)
                              .join(Product).where(Variant.supplier_id == supplier_id).order_by(Variant.id))
    return [tuple(row) for row in rows]


def _body(world, foreign):
    """A plausible body naming the other supplier's things, so a missing wall would really write."""
    skus = [db.session.get(Variant, v).sku for v in world["suppliers"][foreign]["variants"]]
    handle = db.session.get(Product, world["suppliers"][foreign]["products"][0]).handle
    return {"products": [{"handle": handle, "title": "Hacked", "variants": [{"sku": skus[0], "price": "0.01"}]}],
            "items": [{"sku": sku, "stock": 0, "price": "0.01"} for sku in skus], "carrier": "DHL",
            "tracking_number": "HACK1", "line_ids": list(range(1, world["missing"])), "reason": "Hacked"}


def test_api_walls_hold(app, client, login, make_user, make_supplier, make_product, make_store, make_pick,
                        make_paid_order):  # noqa: F811
    world, clients = build_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order,
                                 login, client)
    suppliers = {k: db.session.get(Supplier, v["id"]) for k, v in world["suppliers"].items()}
    secrets = {k: create_api_key(supplier, "sweep")[1] for k, supplier in suppliers.items()}
    revoked, revoked_secret = create_api_key(suppliers["X"], "old")
    revoke_api_key(revoked)
    db.session.commit()
    failures, cases = [], 0
    before = snapshot()

    def check(where, response, actor, expected, allowed_changes=frozenset()):
        nonlocal before, cases
        cases += 1
        body = response.get_data(as_text=True)
        if response.status_code != expected:
            failures.append(f"{where}: {response.status_code}, expected {expected}")
        if not response.is_json or (expected >= 400 and "error" not in response.json):
            failures.append(f"{where}: not a JSON error")
        leaks = [t for t, allowed in world["markers"].items() if actor not in allowed and t in body]
        failures.extend(f"{where}: shows {t!r}" for t in leaks)
        after = snapshot()
        if changed := changed_tables(before, after) - BOOKKEEPING - allowed_changes:
            failures.append(f"{where}: changed {sorted(changed)}")
        before = after

    for rule in _api_rules(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            for actor in ("X", "Y"):
                foreign = OTHER[actor]
                headers = {"Authorization": f"Bearer {secrets[actor]}"}
                body = _body(world, foreign)
                theirs = _variant_state(world["suppliers"][foreign]["id"])
                if "token" in rule.arguments:
                    for token in (*world["suppliers"][foreign]["pos"], "x" * 24):
                        url = rule.rule.replace("<token>", token)
                        response = app.test_client().open(url, method=method, headers=headers,
                                                          json=body if method == "POST" else None)
                        check(f"{actor} {method} {url}", response, actor, 404)
                else:
                    response = app.test_client().open(rule.rule, method=method, headers=headers,
                                                      json=body if method == "POST" else None)
                    # Their own catalog may change (a product under the same handle is theirs); the other's not.
                    own_writes = {"products", "variants", "product_images"} if method == "POST" else set()
                    check(f"{actor} {method} {rule.rule}", response, actor, 200, own_writes)
                if _variant_state(world["suppliers"][foreign]["id"]) != theirs:
                    failures.append(f"{actor} {method} {rule.rule}: changed the other supplier's catalog")
            own_token = world["suppliers"]["X"]["pos"][0]
            url = rule.rule.replace("<token>", own_token)
            for actor, session in (("anon", app.test_client()), ("X", clients["X"]), ("admin", clients["admin"]),
                                   ("A", clients["A"])):
                response = session.open(url, method=method, json=_body(world, "Y") if method == "POST" else None)
                check(f"{actor} session {method} {url}", response, actor, 401)
            revoked_call = {"Authorization": f"Bearer {revoked_secret}"}
            response = app.test_client().open(url, method=method, headers=revoked_call,
                                              json=_body(world, "Y") if method == "POST" else None)
            check(f"revoked key {method} {url}", response, "X", 401)
    print(f"{cases} API wall requests")
    assert cases > 60
    assert not failures, f"{len(failures)} API wall failures:\n" + "\n".join(failures)

"""Tenant walls, swept route by route from app.url_map: what is not yours answers 404 and changes nothing.

Every rule is visited as anonymous, resellers A and B, suppliers X and Y, the operator and a guest customer
who knows their own order token, with the URL filled with the other tenant's objects (and missing ids).
A new route is swept without anyone adding it; one the sweep cannot fill fails test_every_route_is_classified.
"""
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

from tests.fulfillment.conftest import make_paid_order  # noqa: F401
from tests.walls_world import OTHER, build_world, changed_tables, snapshot

# Not swept: files, and the webhook whose only key is the provider's signature (tested in tests/payments).
SKIPPED = {"static", "media.media", "payments.stripe_webhook"}
# The supplier API takes Bearer keys, never a session: tests/api/test_api_walls.py sweeps it with each key.
SKIPPED |= {"api.supplier", "api.upsert_products", "api.set_inventory", "api.purchase_orders", "api.purchase_order",
            "api.acknowledge", "api.add_shipment", "api.cancel_lines"}

# Anyone may open these; their parameters are public (store slugs, share codes) or a private token.
PUBLIC = {
    "stores.home", "stores.open_store", "stores.storefront", "stores.product", "stores.public_poster",
    "orders.cart", "orders.cart_badge", "orders.add_to_cart", "orders.update_line", "orders.checkout",
    "orders.show", "payments.demo_pay", "accounts.login", "accounts.logout", "accounts.supplier_signup",
    "referrals.join", "referrals.short_link", "referrals.terms", "healthz", "ops.readyz", "ops.metrics",
    "api.openapi",
    # Data rights: the request form, and pages opened only with a signed link (?key=) mailed to the address.
    "privacy.request_link", "privacy.data", "privacy.download_json", "privacy.download_csv",
    "privacy.erase_customer",
    # A supplier's signed one-click link to enter tracking (tests/fulfillment/test_channel_pages.py).
    "po_links.tracking_link",
}
# Sign-in steps and each person's own account settings: no URL parameter names anyone, so there is nothing
# of another's to reach; swept like public pages (tests/accounts covers who gets in).
PUBLIC |= {
    "accounts.second_factor", "accounts.security", "accounts.confirm_password", "accounts.change_email",
    "accounts.change_password", "accounts.set_up_two_factor", "accounts.new_recovery_codes",
    "accounts.turn_off_two_factor", "accounts.sign_out_everywhere",
}
# The installable app: the start page redirects to one's own dashboard; the offline page and worker are static.
PUBLIC |= {"pwa.start", "pwa.offline", "pwa.service_worker"}
# Every other route belongs to one role, by where it lives.
OWNER_BY_PREFIX = (("/admin/", "admin"), ("/supplier/", "supplier"), ("/my/", "reseller"), ("/catalog", "reseller"))
ROLE = {"A": "reseller", "B": "reseller", "X": "supplier", "Y": "supplier", "admin": "admin"}
ACTORS = ("anon", "customer", "A", "B", "X", "Y", "admin")

# GETs that write, on purpose (all else must leave the database as it was):
GET_WRITES = {
    # A cheap click row per visitor and page every 30 minutes: the reseller's numbers count them.
    "stores.storefront": {"clicks"},
    "stores.product": {"clicks"},
    # Share links are made on first view (get-or-create, one per store, product and channel), so every link,
    # QR code and poster the reseller sees has a code that attributes sales; posters carry a QR link too.
    "stores.share": {"share_links"},
    "stores.share_pick": {"share_links"},
    "stores.share_qr": {"share_links"},
    "stores.share_qr_full": {"share_links"},
    "stores.share_poster": {"share_links"},
    "stores.public_poster": {"share_links"},
}

# A plausible body for every form a POST route reads, so a missing wall would really write.
def _body(world, foreign):
    supplier = world["suppliers"].get(foreign) or world["suppliers"]["Y"]
    return {
        "price": "1.00", "quantity": "3", "direction": "up", "carrier": "DHL", "tracking_number": "HACK1",
        "reason": "Out of stock", "line_ids": [str(i) for i in range(1, world["missing"])], "stock": "0",
        "wholesale": "0.01", "variant_id": str(supplier["variants"][-1]), "percent": "50", "name": "Hacked",
        "tagline": "hacked", "colour": "#000000", "attribution_days": "1", "override_level1_bp": "5000",
        "override_level2_bp": "5000", "override_months": "99",
    }


def owner_of(rule) -> str | None:
    if rule.endpoint in PUBLIC:
        return "public"
    return next((role for prefix, role in OWNER_BY_PREFIX if rule.rule.startswith(prefix)), None)


def _store_of(actor: str) -> str:
    return actor if actor in ("A", "B") else "A"


def own_values(world, actor, endpoint) -> dict:
    """The actor's own (or public) value for each URL parameter; None where the actor has nothing of its own."""
    store = world["stores"][_store_of(actor)]
    supplier = world["suppliers"].get(actor, {})
    customer = world["customer"]
    token = {"catalog": supplier.get("job_token"), "fulfillment": (supplier.get("pos") or [None])[0],
             "api_keys": supplier.get("api_key"), "po_links": supplier.get("po_link")}
    return {
        **world["admin_ids"], "action": "approve", "locale": "en", "digest": "0",
        "pick_id": store["picks"][0] if actor in ("A", "B") else None,
        "product_id": supplier.get("products", [None])[0], "variant_id": supplier.get("variants", [None])[0],
        "token": token.get(endpoint.split(".")[0], customer["order"]["token"] if actor == "customer" else None),
        "slug": store["slug"], "product_slug": store["pick_slugs"][0],
        "line_id": customer["own_line"] if actor == "customer" else None,
        "code": store["invite"] if endpoint == "referrals.join" else store["links"][0],
    }


def hostile_values(world, actor, endpoint, owner) -> dict[str, list]:
    """For each parameter, values that are not the actor's: the other tenant's objects and missing ids."""
    foreign = OTHER.get(actor) if ROLE.get(actor) == owner else {"reseller": "B", "supplier": "Y"}.get(owner)
    store = world["stores"].get(foreign) or world["stores"]["B"]
    supplier = world["suppliers"].get(foreign) or world["suppliers"]["Y"]
    missing = world["missing"]
    hidden = [s["hidden_id"] for s in world["suppliers"].values()] + [world["pending_product"]]
    def near_miss(token: str) -> str:
        return token[:-1] + ("y" if token.endswith("x") else "x")  # never the real token itself

    tokens = {
        "catalog": [supplier["job_token"]], "fulfillment": supplier["pos"],
        "api_keys": [supplier["api_key"]],
        # Public by token: only guesses, so a short, numeric or near-miss token finds nothing.
        "orders": [str(store["orders"][0]["id"]), near_miss(store["orders"][0]["token"]), "x" * 24],
        "payments": [str(store["orders"][0]["id"]), near_miss(store["orders"][0]["token"])],
    }
    mine = _store_of(actor)
    other_slugs = [s for k, v in world["stores"].items() if k != mine for s in v["pick_slugs"]]
    admin_ids = [missing] if actor == "admin" else [v for v in world["admin_ids"].values()][:1]
    return {
        "pick_id": [*store["picks"], missing],
        "product_id": [*supplier["products"], missing] if owner != "reseller" else [*hidden, missing],
        "variant_id": [*supplier["variants"], missing],
        "token": tokens.get(endpoint.split(".")[0], ["x" * 24]),
        "order_id": admin_ids, "store_id": admin_ids, "supplier_id": admin_ids,
        "slug": ["no-such-store"],
        "product_slug": [*other_slugs, world["suppliers"]["X"]["hidden_slug"]],
        "line_id": [world["customer"]["other_line"], missing],
        "code": ["nosuchcode"],
    }


FIXED = {"action", "locale", "digest"}  # parameters that name no tenant's object


def test_every_route_is_classified(app):
    """A new route must be public (listed above) or live under an owner's prefix, with parameters we can fill."""
    known = set(own_values_keys())
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        if owner_of(rule) is None:
            problems.append(f"{rule.endpoint} ({rule.rule}): neither public nor under an owner's prefix")
        for name in rule.arguments - known:
            problems.append(f"{rule.endpoint} ({rule.rule}): the sweep cannot fill <{name}>")
    assert not problems, "look at these routes and teach tests/test_walls.py about them:\n" + "\n".join(problems)


def own_values_keys():
    return ("order_id", "store_id", "supplier_id", "action", "locale", "digest", "pick_id", "product_id",
            "variant_id", "token", "slug", "product_slug", "line_id", "code")


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED and owner_of(r)),
                  key=lambda r: (r.rule, r.endpoint))


def _methods(rule):
    return sorted(rule.methods & {"GET", "POST"})


def _url(app, rule, values):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}) if rule.arguments else rule.rule


def _request(app, clients, actor, method, url, data):
    client = clients[actor] or app.test_client()
    response = client.open(url, method=method, data=data if method == "POST" else None)
    body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
    return response, body


def _same_endpoint_redirect(app, rule, response) -> str | None:
    """Where a redirect to the same route goes (a poster's current hash), so that page is checked too."""
    if response.status_code != 302:
        return None
    target = urlsplit(response.headers["Location"])
    try:
        endpoint, _args = app.url_map.bind("localhost").match(target.path)
    except HTTPException:
        return None
    return target.path + (f"?{target.query}" if target.query else "") if endpoint == rule.endpoint else None


def _leaks(world, actor, body, url="") -> list[str]:
    """Private text of others in the page; what the requester typed in the URL (a login ?next=) tells them nothing."""
    if actor == "admin":
        return []
    return [t for t, allowed in world["markers"].items() if actor not in allowed and t in body and t not in url]


def _expected_hostile(actor, owner) -> set[int]:
    if owner == "public":
        return {404}
    if actor in ("anon", "customer"):
        return {302}  # to the login page
    return {404}


def test_walls_hold(app, client, login, make_user, make_supplier, make_product, make_store, make_pick,
                    make_paid_order):  # noqa: F811
    world, clients = build_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order,
                                 login, client)
    failures, cases = [], 0
    before = snapshot()
    for rule in _rules(app):
        owner = owner_of(rule)
        for actor in ACTORS:
            own = own_values(world, actor, rule.endpoint)
            hostile = hostile_values(world, actor, rule.endpoint, owner)
            entitled = owner == "admin" and actor == "admin" or ROLE.get(actor) == owner
            variants = []
            for name in sorted(rule.arguments - FIXED):
                base = {k: (v if v is not None else hostile[k][0]) for k, v in own.items()}
                variants += [(name, {**base, name: value}) for value in hostile[name]]
            if not variants and not (owner != "public" and not entitled):
                # Nothing of anyone else's to name: the page is the actor's own; only its text is checked below.
                if "GET" in rule.methods:
                    response, body = _request(app, clients, actor, "GET", rule.rule, None)
                    cases += 1
                    failures += [f"{actor} GET {rule.rule}: shows {t!r}" for t in _leaks(world, actor, body)]
                    before = snapshot()
                continue
            if not variants:
                variants = [("-", {k: (v if v is not None else hostile[k][0]) for k, v in own.items()})]
            for name, values in variants:
                url = _url(app, rule, values)
                for method in _methods(rule):
                    response, body = _request(app, clients, actor, method, url, _body(world, OTHER.get(actor)))
                    cases += 1
                    where = f"{actor} {method} {url} ({rule.endpoint}, <{name}>)"
                    expected = _expected_hostile(actor, owner)
                    if response.status_code not in expected:
                        failures.append(f"{where}: {response.status_code}, expected {sorted(expected)}")
                    elif response.status_code == 302 and "/login" not in response.headers["Location"]:
                        failures.append(f"{where}: redirected to {response.headers['Location']}, not to login")
                    failures += [f"{where}: shows {t!r}" for t in _leaks(world, actor, body, url)]
                    after = snapshot()
                    if changed := changed_tables(before, after):
                        failures.append(f"{where}: changed {sorted(changed)}")
                    before = after
    print(f"{cases} hostile (route, role) requests")
    assert cases > 300
    assert not failures, f"{len(failures)} wall failures:\n" + "\n".join(failures)


def test_get_never_changes_state(app, client, login, make_user, make_supplier, make_product, make_store, make_pick,
                                 make_paid_order):  # noqa: F811
    """Every GET, by everyone entitled to it with their own objects, leaves the database as it was."""
    world, clients = build_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order,
                                 login, client)
    failures, cases = [], 0
    before = snapshot()
    for rule in _rules(app):
        if "GET" not in rule.methods:
            continue
        owner = owner_of(rule)
        for actor in ACTORS:
            if owner != "public" and owner != ROLE.get(actor):
                continue
            values = own_values(world, actor, rule.endpoint)
            if any(values[name] is None for name in rule.arguments):
                continue  # the actor owns nothing this route could show (a customer's token is the customer's)
            url = _url(app, rule, values)
            for _hop in range(2):  # the page, then where a same-route redirect sends it
                if url is None:
                    break
                response, body = _request(app, clients, actor, "GET", url, None)
                cases += 1
                where = f"{actor} GET {url} ({rule.endpoint})"
                if response.status_code not in (200, 302):
                    failures.append(f"{where}: {response.status_code}")
                failures += [f"{where}: shows {t!r}" for t in _leaks(world, actor, body, url)]
                after = snapshot()
                if changed := changed_tables(before, after) - GET_WRITES.get(rule.endpoint, set()):
                    failures.append(f"{where}: changed {sorted(changed)}")
                before = after
                url = _same_endpoint_redirect(app, rule, response)
    print(f"{cases} own GET (route, role) requests")
    assert cases > 60
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)

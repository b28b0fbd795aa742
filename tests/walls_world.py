"""One world of two resellers (A, B), two suppliers (X, Y), an operator and a guest customer, for the wall sweep."""
import hashlib

from sqlalchemy import func, select

from shop.accounts.models import Role
from shop.api.services import create_api_key
from shop.catalog.models import ImportJob, ImportStatus, SupplierStatus
from shop.extensions import db
from shop.fulfillment.links import link_token
from shop.fulfillment.models import DeliveryStatus, OrderChannel, PurchaseOrder, SupplierChannel, WebhookDelivery
from shop.orders.models import Cart, CartLine
from shop.stores.models import Channel, ShareLink

RESELLERS = ("A", "B")
SUPPLIERS = ("X", "Y")
OTHER = {"A": "B", "B": "A", "X": "Y", "Y": "X"}


def build_world(make_user, make_supplier, make_product, make_store, make_pick, make_paid_order, login, client):
    """Rows for every tenant, returned as plain values (ids, tokens, slugs) plus a signed-in client per actor."""
    stores, suppliers = {}, {}
    for key in SUPPLIERS:
        supplier = make_supplier(name=f"Supplier {key}", email=f"supplier-{key.lower()}@example.com")
        public = [make_product(supplier, title=f"{key} product {i}") for i in (1, 2)]
        hidden = make_product(supplier, title=f"{key} draft secret lamp")
        hidden.published = False
        job = ImportJob(supplier_id=supplier.id, filename=f"{key.lower()}-private-catalog.csv", path="/nowhere",
                        status=ImportStatus.done,
                        report_json='{"products_created": 3, "products_updated": 0, "variants_created": 3, '
                                    '"variants_updated": 0, "errors": []}')
        db.session.add(job)
        api_key, _secret = create_api_key(supplier, f"{key} private key name")
        db.session.commit()
        suppliers[key] = {
            "id": supplier.id, "user": supplier.user, "products": [p.id for p in (*public, hidden)],
            "variants": [v.id for p in (*public, hidden) for v in p.variants], "public": public,
            "hidden_id": hidden.id, "hidden_slug": hidden.slug, "hidden_title": hidden.title,
            "job_token": job.token, "job_file": job.filename, "email": supplier.email, "pos": [],
            "api_key": api_key.token, "api_key_name": api_key.name,
        }
    pending = make_product(make_supplier(name="Pending Z", status=SupplierStatus.pending))
    for index, key in enumerate(RESELLERS):
        user = make_user(Role.reseller, email=f"reseller-{key.lower()}@example.com")
        store = make_store(user=user, name=f"Store {key}", slug=f"store-{key.lower()}")
        picks = [make_pick(store, suppliers[s]["public"][index]) for s in SUPPLIERS]
        links = [ShareLink(store_id=store.id, channel=Channel.copy.value),
                 ShareLink(store_id=store.id, product_id=picks[0].product_id, channel=Channel.whatsapp.value)]
        db.session.add_all(links)
        db.session.commit()
        orders = []
        for s in SUPPLIERS:
            variant = suppliers[s]["public"][index].variants[0]
            name = f"Cust{key}{s} Privateperson"
            order = make_paid_order(store, [(variant, 1)], customer_name=name,
                                    email=f"cust-{key.lower()}{s.lower()}@example.com")
            orders.append({"id": order.id, "token": order.token, "name": name, "email": order.email,
                           "supplier": s})
        stores[key] = {
            "id": store.id, "slug": store.slug, "user": user, "email": user.email, "invite": store.invite_code,
            "picks": [p.id for p in picks], "pick_slugs": [p.product.slug for p in picks],
            "links": [link.code for link in links], "orders": orders,
        }
    for po in db.session.scalars(select(PurchaseOrder)):
        key = next(k for k in SUPPLIERS if suppliers[k]["id"] == po.supplier_id)
        suppliers[key]["pos"].append(po.token)
    for key in SUPPLIERS:  # a webhook, its secret, and a dead-lettered event that "send again" could revive
        channel = SupplierChannel(supplier_id=suppliers[key]["id"], channel=OrderChannel.webhook,
                                  webhook_url=f"https://hooks-{key.lower()}.example.com/private-hook")
        po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.token == suppliers[key]["pos"][0]))
        db.session.add_all([channel, WebhookDelivery(
            key=f"{po.id}:created", supplier_id=po.supplier_id, purchase_order_id=po.id, payload="{}",
            event_type="purchase_order.created", status=DeliveryStatus.dead, attempts=8, last_error="HTTP 500")])
        db.session.commit()
        suppliers[key].update(webhook_secret=channel.webhook_secret, webhook_url=channel.webhook_url,
                              po_link=link_token(po))
    admin = make_user(Role.admin, email="operator@example.com")

    # The guest customer: bought order A/X, and has a cart in store A. Someone else has another cart there.
    customer = client
    variant_id = suppliers["X"]["public"][0].variants[0].id
    assert customer.post("/s/store-a/cart/add", data={"variant_id": variant_id, "quantity": 1}).status_code == 302
    own_line = db.session.scalar(select(CartLine.id).order_by(CartLine.id.desc()))
    stranger = Cart(store_id=stores["A"]["id"], lines=[CartLine(variant_id=variant_id, quantity=2)])
    db.session.add(stranger)
    db.session.commit()

    world = {
        "stores": stores, "suppliers": suppliers, "pending_product": pending.id,
        "customer": {"order": stores["A"]["orders"][0], "own_line": own_line, "other_line": stranger.lines[0].id},
        "admin_ids": {"order_id": stores["A"]["orders"][0]["id"], "store_id": stores["A"]["id"],
                      "supplier_id": suppliers["X"]["id"]},
        "missing": 1 + max(db.session.scalar(select(func.max(t.c.id))) or 0
                           for t in db.metadata.sorted_tables if "id" in t.c),
    }
    clients = {
        "anon": None, "customer": customer, "admin": login(admin),
        **{k: login(stores[k]["user"]) for k in RESELLERS}, **{k: login(suppliers[k]["user"]) for k in SUPPLIERS},
    }
    for value in (*stores.values(), *suppliers.values()):
        value.pop("user"), value.pop("public", None)
    world["markers"] = _markers(world)
    return world, clients


def _markers(world) -> dict[str, set[str]]:
    """Private text → the actors allowed to see it (the operator sees everything)."""
    found = {}
    for key, store in world["stores"].items():
        found[store["email"]] = {key}
        for order in store["orders"]:
            buyer = {"customer"} if order is world["customer"]["order"] else set()
            for text in (order["name"], order["email"]):
                found[text] = {key, order["supplier"]} | buyer
            found[order["token"]] = {key} | buyer
    for key, supplier in world["suppliers"].items():
        for text in (supplier["email"], supplier["hidden_title"], supplier["job_token"], supplier["job_file"],
                     supplier["api_key"], supplier["api_key_name"], supplier["webhook_secret"],
                     supplier["webhook_url"], *supplier["pos"]):
            found[text] = {key}
    return found


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows, read on a fresh connection."""
    db.session.remove()
    state = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}

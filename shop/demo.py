"""Demo data, made locally: flask --app app demo load"""
import random
from datetime import timedelta

import click
from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import insert, select

from shop import money
from shop.accounts.models import Role, User
from shop.accounts.services import create_supplier, create_user
from shop.catalog.models import Product, ProductImage, Supplier, SupplierStatus, Variant
from shop.earnings.models import LedgerTransaction
from shop.extensions import db
from shop.fulfillment.models import POStatus, PurchaseOrder
from shop.fulfillment.services import close_if_cancelled, ship_purchase_order
from shop.images import save_image
from shop.orders.models import Order
from shop.orders.services import add_to_cart, load_cart, place_order
from shop.payments.models import Refund
from shop.payments.providers import DemoProvider
from shop.payments.services import complete_payment, refund_lines
from shop.settings import platform_fee_bp
from shop.stores.models import Click, Pick, Store
from shop.util import new_token, now_utc

PASSWORD = "demo-pass-123"
# Demo suppliers and the operator sign in with two factors like real ones; a fixed, published key keeps them
# usable: `flask --app app users totp EMAIL` prints the current code, or add the key to an authenticator app.
DEMO_TOTP_SECRET = "SHARESTALLDEMOTOTPSECRETKEYAAAAA"
ADMIN = "admin@demo.sharestall"
LOGINS = [
    ("admin", ADMIN, "operator pages: /admin/"),
    ("reseller", "mei@demo.sharestall", "Mei's Picks: /s/meis-picks"),
    ("reseller", "second@demo.sharestall", "Lin's Tea Corner: /s/lins-tea-corner"),
    ("supplier", "harbour@demo.sharestall", "Harbour Home Goods"),
    ("supplier", "hangzhou@demo.sharestall", "杭州优品供应链"),
    ("supplier", "pending@demo.sharestall", "Blue Ridge Pottery (awaiting approval)"),
]

# handle, title, category, initials, shape, colour, description, option name, [(option, wholesale, stock)]
HARBOUR = [
    ("linen-tea-towel", "Linen Tea Towel", "Kitchen", "LT", "square", "#7c9a92",
     "Stonewashed European linen that dries glasses without lint.", "Colour",
     [("Oat", 450, 40), ("Sage", 450, 35), ("Charcoal", 450, 3)]),
    ("enamel-camp-mug", "Enamel Camp Mug", "Kitchen", "EM", "circle", "#1e6091",
     "A light steel mug with a glossy enamel coat, for the porch or the trail.", "Colour",
     [("White", 520, 60), ("Navy", 520, 48)]),
    ("olive-wood-board", "Olive Wood Serving Board", "Kitchen", "OB", "diamond", "#8d6e4c",
     "Cut from one piece of olive wood; every grain is different.", "Size",
     [("Small", 1450, 12), ("Large", 2100, 7)]),
    ("stoneware-ramen-bowl", "Stoneware Ramen Bowl", "Kitchen", "RB", "circle", "#5b6770",
     "Deep, heavy and dishwasher safe, with a glaze that pools at the rim.", "Colour",
     [("Speckled", 890, 30), ("Slate", 890, 22), ("Moss", 890, 2)]),
    ("glass-water-carafe", "Glass Water Carafe", "Kitchen", "GC", "triangle", "#3a86a8",
     "One litre of mouth-blown glass with a cup that doubles as a lid.", "", [("", 1200, 25)]),
    ("soy-candle-amber-jar", "Soy Candle in Amber Jar", "Home decor", "SC", "circle", "#c17c3a",
     "Forty hours of slow, clean burn from a cotton wick.", "Scent",
     [("Fig", 780, 50), ("Sea Salt", 780, 45), ("Cedar", 780, 40)]),
    ("merino-wool-throw", "Merino Wool Throw", "Textiles", "MW", "square", "#a0522d",
     "Soft, warm and light enough to carry from sofa to garden.", "Colour",
     [("Cream", 3900, 10), ("Rust", 3900, 8)]),
    ("linen-cushion-cover", "Washed Linen Cushion Cover", "Textiles", "CC", "square", "#9c8f7a",
     "Pre-washed so it never shrinks, with a hidden zip.", "Size",
     [("45 cm", 950, 30), ("60 cm", 1250, 20)]),
    ("rattan-storage-basket", "Rattan Storage Basket", "Home decor", "RS", "triangle", "#b5894f",
     "Hand-woven rattan for blankets, toys or the week's shopping.", "Size",
     [("Small", 1100, 15), ("Medium", 1500, 12), ("Large", 1900, 6)]),
    ("ceramic-planter", "Ceramic Planter", "Garden", "CP", "circle", "#4f7942",
     "Matte glaze outside, drainage hole and saucer included.", "Size",
     [("Small", 800, 26), ("Medium", 1200, 18), ("Large", 1700, 9)]),
    ("brass-watering-can", "Brass Watering Can", "Garden", "WC", "diamond", "#b08d3c",
     "A long, narrow spout that reaches the back of the shelf.", "", [("", 2600, 6)]),
    ("kitchen-herb-seed-kit", "Kitchen Herb Seed Kit", "Garden", "HK", "triangle", "#6a994e",
     "Basil, chives, parsley and thyme, with pots and soil discs.", "", [("", 650, 80)]),
    ("beeswax-food-wraps", "Beeswax Food Wraps (3 pack)", "Kitchen", "BW", "square", "#e0a526",
     "Wrap cheese, bread and half a lemon instead of using cling film.", "Pattern",
     [("Lemons", 560, 70), ("Waves", 560, 64)]),
    ("minimal-wall-clock", "Minimal Wall Clock", "Home decor", "MC", "circle", "#37474f",
     "A silent sweep movement behind a plain face.", "Colour", [("Oak", 1850, 0), ("Black", 1850, 0)]),
    ("waffle-bath-towel", "Waffle Bath Towel", "Textiles", "WT", "square", "#8aa29e",
     "Quick-drying waffle cotton that gets softer with every wash.", "Colour",
     [("White", 1300, 40), ("Clay", 1300, 33), ("Sage", 1300, 27)]),
    ("oak-picture-frame", "Oak Picture Frame", "Home decor", "PF", "diamond", "#a47148",
     "Solid oak with real glass and a hook for hanging or a stand for the shelf.", "Size",
     [("A5", 700, 50), ("A4", 900, 44), ("A3", 1300, 21)]),
]
HANGZHOU = [
    ("celadon-tea-set", "龙泉青瓷茶具套装", "Tea", "QC", "circle", "#5f8d7e",
     "龙泉窑青瓷，一壶四杯，釉色温润如玉。", "颜色", [("粉青", 4200, 12), ("梅子青", 4200, 9)]),
    ("glass-teapot", "耐热玻璃泡茶壶", "Tea", "BL", "triangle", "#4a90a4",
     "高硼硅玻璃，可直接明火加热，附不锈钢滤网。", "容量", [("600ml", 880, 40), ("1000ml", 1100, 30)]),
    ("longjing-green-tea", "西湖龙井绿茶 100克", "Tea", "LJ", "diamond", "#7a9a3a",
     "明前采摘，手工炒制，豆香清新。", "等级", [("一级", 1500, 50), ("特级", 2600, 2)]),
    ("bamboo-tea-tray", "竹制茶盘", "Tea", "CP", "square", "#9b7a4a",
     "整竹拼接，带储水层，简单好清洗。", "尺寸", [("小号", 1600, 14), ("大号", 2300, 10)]),
    ("silk-print-scarf", "真丝印花丝巾", "Accessories", "SJ", "diamond", "#b5446e",
     "百分百桑蚕丝，手工卷边，轻盈透气。", "颜色", [("青花", 1800, 25), ("桃红", 1800, 20), ("墨黑", 1800, 18)]),
    ("silk-eye-mask", "桑蚕丝眼罩", "Accessories", "YZ", "circle", "#6d597a",
     "双面真丝，弹力松紧带，安睡一整晚。", "颜色", [("香槟", 520, 60), ("藏青", 520, 55)]),
    ("hand-painted-paper-fan", "手绘油纸扇", "Accessories", "ZS", "triangle", "#d17a22",
     "竹骨油纸，匠人手绘山水图案。", "", [("", 600, 35)]),
    ("xuan-paper-notebook", "宣纸线装笔记本", "Stationery", "BJ", "square", "#c2a878",
     "传统线装，宣纸内页，适合钢笔与毛笔。", "尺寸", [("A5", 480, 80), ("A6", 380, 90)]),
    ("calligraphy-brush-set", "毛笔书法套装", "Stationery", "MB", "diamond", "#3d405b",
     "大中小三支兼毫毛笔，配砚台与墨条。", "", [("", 1350, 16)]),
    ("carved-bamboo-pen-holder", "竹雕笔筒", "Stationery", "BT", "square", "#8c6d46",
     "整节楠竹雕刻，书桌上的一抹自然。", "", [("", 720, 28)]),
    ("porcelain-chopsticks-gift-box", "青花瓷筷子礼盒 5双", "Kitchen", "KZ", "circle", "#2b59a0",
     "青花瓷筷头，合金筷身，可进洗碗机。", "", [("", 990, 45)]),
    ("cotton-linen-slippers", "棉麻居家拖鞋", "Textiles", "TX", "square", "#a3a380",
     "棉麻鞋面，软底静音，可机洗。", "尺码", [("36-37", 650, 30), ("38-39", 650, 34), ("40-41", 650, 26)]),
    ("ceramic-incense-holder", "陶瓷香插", "Home decor", "XC", "circle", "#8e8d8a",
     "手捏陶瓷，线香与盘香皆可用。", "颜色", [("米白", 420, 50), ("青灰", 420, 42)]),
    ("palace-lantern-lamp", "宫灯造型台灯", "Home decor", "GD", "triangle", "#b23a48",
     "木框绢面，暖光 LED，可调光。", "", [("", 2900, 8)]),
]

# store slug -> handles it picks
PICKS = {
    "meis-picks": ["linen-tea-towel", "enamel-camp-mug", "soy-candle-amber-jar", "merino-wool-throw",
                   "linen-cushion-cover", "ceramic-planter", "beeswax-food-wraps", "minimal-wall-clock",
                   "silk-print-scarf", "glass-teapot", "longjing-green-tea"],
    "lins-tea-corner": ["celadon-tea-set", "glass-teapot", "longjing-green-tea", "bamboo-tea-tray",
                        "porcelain-chopsticks-gift-box", "ceramic-incense-holder", "xuan-paper-notebook",
                        "stoneware-ramen-bowl", "glass-water-carafe"],
}

CUSTOMERS = [
    dict(customer_name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0001",
         address1="12 Marine Parade", city="Brighton", postcode="BN2 1TL", country="GB"),
    dict(customer_name="王小明", email="xiaoming@example.com", phone="+86 138 0000 0001",
         address1="文三路 90 号", city="杭州", region="浙江", postcode="310012", country="CN"),
    dict(customer_name="Sam Rivera", email="sam@example.com", phone="+1 555 0100",
         address1="401 Pine Street", city="Seattle", region="WA", postcode="98101", country="US"),
    dict(customer_name="Priya Nair", email="priya@example.com", phone="+61 2 5550 0002",
         address1="8 Harbour Road", city="Sydney", region="NSW", postcode="2000", country="AU"),
]

# store, [(sku, qty)], customer, locale, days ago, shipped days ago (None: not shipped), what to refund
ORDERS = [
    ("meis-picks", [("HHG-01-1", 2), ("HHG-06-2", 1)], 0, "en", 25, 21, None),
    ("meis-picks", [("HHG-07-1", 1)], 2, "en", 15, 12, None),
    ("meis-picks", [("HHG-02-2", 2), ("HZ-05-1", 1)], 1, "zh", 9, None, "all"),
    ("meis-picks", [("HHG-10-2", 1), ("HHG-13-1", 2)], 3, "en", 6, 4, None),
    ("meis-picks", [("HZ-02-1", 1), ("HHG-08-1", 2)], 2, "en", 2, None, None),
    ("meis-picks", [("HZ-03-1", 1)], 1, "zh", 0, None, None),
    ("lins-tea-corner", [("HZ-01-1", 1), ("HZ-03-1", 2)], 1, "zh", 18, 16, None),
    ("lins-tea-corner", [("HZ-04-1", 1), ("HZ-13-2", 2)], 0, "en", 8, 7, "first"),
    ("lins-tea-corner", [("HHG-04-1", 2), ("HZ-11-1", 1)], 3, "en", 1, None, None),
]
PENDING_ORDER = ("meis-picks", [("HHG-08-2", 1)], 0, "en")


@click.group("demo", help="Demo data.")
def demo_cli():
    pass


@demo_cli.command("load")
def load_command():
    """Load demo suppliers, products, stores, orders and visits (once)."""
    if demo_loaded():
        click.echo("demo already loaded")
    else:
        load_demo()
        db.session.commit()
        click.echo("demo loaded")
    click.echo(logins_table())


def demo_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == ADMIN)) is not None


def logins_table() -> str:
    rows = [f"Demo logins (every password: {PASSWORD})", f"{'role':<9} {'email':<26} what"]
    rows += [f"{role:<9} {email:<26} {what}" for role, email, what in LOGINS]
    rows += ["Admin and supplier logins then ask for a code: flask --app app users totp EMAIL prints it",
             f"(or add the key {DEMO_TOTP_SECRET} to an authenticator app)."]
    return "\n".join(rows)


def load_demo() -> None:
    """Build the whole demo through the real services; flushes, the caller commits."""
    create_user(ADMIN, PASSWORD, Role.admin, name="Demo operator")
    harbour = _supplier("Harbour Home Goods", "harbour@demo.sharestall", "HHG", HARBOUR)
    hangzhou = _supplier("杭州优品供应链", "hangzhou@demo.sharestall", "HZ", HANGZHOU)
    create_supplier("Blue Ridge Pottery", "pending@demo.sharestall", PASSWORD)
    stores = {
        "meis-picks": _store("mei@demo.sharestall", "Mei", "Mei's Picks", "meis-picks", "#be185d",
                             "Little things that make a home feel like yours", featured=True),
        "lins-tea-corner": _store("second@demo.sharestall", "Lin", "Lin's Tea Corner", "lins-tea-corner",
                                  "#0f766e", "Tea, paper and quiet afternoons"),
    }
    products = {p.handle: p for s in (harbour, hangzhou) for p in s.products}
    for slug, handles in PICKS.items():
        _picks(stores[slug], [products[h] for h in handles])
    db.session.flush()
    variants = {v.sku: v for p in products.values() for v in p.variants}
    now = now_utc()
    for slug, items, customer, locale, days, shipped, refund in ORDERS:
        _paid_order(stores[slug], variants, items, CUSTOMERS[customer], locale, now - timedelta(days=days, hours=3),
                    shipped, refund, now)
    slug, items, customer, locale = PENDING_ORDER
    _place(stores[slug], variants, items, CUSTOMERS[customer], locale)
    for store, visits in zip(stores.values(), (240, 90)):
        _clicks(store, visits, now)
    for user in db.session.scalars(select(User).where(User.role != Role.reseller)):
        user.totp_secret = DEMO_TOTP_SECRET
    db.session.flush()


def _supplier(name: str, email: str, prefix: str, rows: list) -> Supplier:
    supplier = create_supplier(name, email, PASSWORD)
    supplier.status = SupplierStatus.approved
    supplier.user.locale = "zh" if prefix == "HZ" else "en"
    for n, (handle, title, category, initials, shape, colour, body, option, variants) in enumerate(rows, 1):
        product = Product(
            supplier_id=supplier.id, handle=handle, slug=_free_slug(handle), title=title, category=category,
            body_html=f"<p>{body}</p>", vendor=name, tags=category.lower(), option1_name=option,
        )
        for i, (value, wholesale, stock) in enumerate(variants, 1):
            product.variants.append(Variant(
                supplier_id=supplier.id, sku=f"{prefix}-{n:02d}-{i}", option1=value, wholesale_minor=wholesale,
                retail_minor=_ends_99(wholesale * 21 // 10), stock=stock, position=i,
            ))
        src = save_image(draw_picture(initials, shape, colour))
        product.images.append(ProductImage(src=src, position=1, alt=title))
        supplier.products.append(product)
    db.session.flush()
    return supplier


def _free_slug(handle: str) -> str:
    slug, n = handle, 1
    while db.session.scalar(select(Product.id).where(Product.slug == slug)):
        n += 1
        slug = f"{handle}-{n}"
    return slug


def _ends_99(amount: int) -> int:
    """A shop-window price: the amount rounded down to a whole unit, then .99."""
    return max(amount // 100, 1) * 100 - 1


def _store(email, name, store_name, slug, colour, tagline, featured=False) -> Store:
    user = create_user(email, PASSWORD, Role.reseller, name=name)
    store = Store(user_id=user.id, name=store_name, slug=slug, colour=colour, tagline=tagline, featured=featured)
    db.session.add(store)
    return store


def _picks(store: Store, products: list[Product]) -> None:
    """Pick at the suggested retail price, a little lower in the second store, never under the floor."""
    fee_bp = platform_fee_bp()
    for position, product in enumerate(products):
        price = product.suggested_retail if store.featured else _ends_99(product.min_wholesale * 18 // 10)
        floor = money.price_floor(product.min_wholesale, fee_bp)
        store.picks.append(Pick(product_id=product.id, product=product, price_minor=max(price, floor + 100),
                                position=position))


def _place(store, variants, items, customer, locale) -> Order:
    db.session.flush()  # the store and its picks get their ids, which adding to a cart reads
    token = None
    for sku, quantity in items:
        token = add_to_cart(store, token, variants[sku].id, quantity).token
    order = place_order(store, load_cart(token, store), customer, locale, current_app.config["CURRENCY"])
    # What DemoProvider.start_checkout records, without needing a request for its return URL.
    order.payment_provider, order.payment_ref = DemoProvider.name, f"demo_{order.token}"
    return order


def _paid_order(store, variants, items, customer, locale, when, shipped_days, refund, now) -> None:
    order = _place(store, variants, items, customer, locale)
    complete_payment(order, f"demo_pi_{new_token()[:12]}")
    pos = db.session.scalars(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id)).all()
    if refund:
        lines = order.lines if refund == "all" else order.lines[:1]
        refund_lines(order, list(lines), "Out of stock at the supplier")
        for po in pos:
            close_if_cancelled(po)
    if shipped_days is not None:
        for po in (po for po in pos if po.status is POStatus.open):
            ship_purchase_order(po, "Demo Post", f"DP{order.id:04d}{po.supplier_id:02d}CN")
            po.shipped_at = now - timedelta(days=shipped_days)
    _backdate(order, pos, when)


def _backdate(order: Order, pos: list[PurchaseOrder], when) -> None:
    """Move an order's timestamps into the past so dashboards have history to show."""
    order.created_at = when
    order.paid_at = when + timedelta(minutes=4)
    for po in pos:
        po.created_at = po.forwarded_at = order.paid_at
    for row in db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.order_id == order.id)):
        row.created_at = order.paid_at if row.kind == "sale" else when + timedelta(days=1)
    for row in db.session.scalars(select(Refund).where(Refund.order_id == order.id)):
        row.created_at = when + timedelta(days=1)


def _clicks(store: Store, visits: int, now) -> None:
    """Visits over the last 30 days, busier lately, some on product pages."""
    rng = random.Random(store.slug)
    product_ids = [p.product_id for p in store.picks] + [None] * 3
    rows = [
        dict(store_id=store.id, product_id=rng.choice(product_ids), visitor=new_token()[:24],
             created_at=now - timedelta(days=30 * rng.random() ** 1.4, minutes=rng.randrange(1440)))
        for _ in range(visits)
    ]
    db.session.execute(insert(Click), rows)


def draw_picture(initials: str, shape: str, colour: str, size: int = 640) -> Image.Image:
    """A product picture: a soft two-tone background, a pale shape and the product's initials."""
    base = Image.new("RGB", (size, size), colour)
    light = Image.new("RGB", (size, size), _mix(colour, "#ffffff", 0.35))
    base = Image.composite(light, base, Image.linear_gradient("L").resize((size, size)))
    draw = ImageDraw.Draw(base)
    pale, m = _mix(colour, "#ffffff", 0.75), size // 6
    box = (m, m, size - m, size - m)
    if shape == "circle":
        draw.ellipse(box, fill=pale)
    elif shape == "square":
        draw.rounded_rectangle(box, radius=size // 10, fill=pale)
    elif shape == "triangle":
        draw.polygon([(size // 2, m), (size - m, size - m), (m, size - m)], fill=pale)
    else:
        draw.polygon([(size // 2, m), (size - m, size // 2), (size // 2, size - m), (m, size // 2)], fill=pale)
    try:
        font = ImageFont.load_default(size=size // 5)
    except (TypeError, OSError):  # Pillow without FreeType only has the small bitmap font
        font = ImageFont.load_default()
    centre = size // 2 + (size // 12 if shape == "triangle" else 0)
    draw.text((size // 2, centre), initials, fill=_mix(colour, "#000000", 0.35), font=font, anchor="mm")
    return base


def _mix(colour: str, other: str, amount: float) -> str:
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b))

"""First visits answered from a copy (shop.edge) and visits written in batches (shop.stores.clicks)."""
import gzip
import re

import pytest
from sqlalchemy import event, func, select

from shop import edge
from shop.extensions import db
from shop.orders.models import Cart
from shop.stores import clicks
from shop.stores.models import Click

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari"}
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _clicks() -> int:
    db.session.rollback()  # a fresh snapshot: the other app wrote them
    return db.session.scalar(select(func.count(Click.id)))


@pytest.fixture
def shop_app(app, make_app):
    """The same database behind an app whose first visits share copies for a minute."""
    return make_app(PUBLIC_PAGE_SECONDS=60, CLICK_BUFFER_SECONDS=0)


@pytest.fixture
def lily(make_store, make_product, make_pick):
    store = make_store(slug="lily", name="Lily's")
    mug = make_product(title="Mug", variants=((1000, 5),))
    make_pick(store, mug, price=2500)
    return store, mug


def _statements(app):
    """The SQL statements the other app runs inside the block."""
    seen = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def _visit(app, path="/s/lily", headers=None):
    return app.test_client(use_cookies=False).get(path, headers={**BROWSER, **(headers or {})})


def test_later_first_visits_get_the_copy_without_reading_the_database(shop_app, lily):
    first = _visit(shop_app)
    seen = _statements(shop_app)
    second = _visit(shop_app)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and "Mug" in second.text and "$25.00" in second.text
    # Only the visit is written; the store, its tiles and the page come from the copy.
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith("INSERT INTO CLICKS")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Cache-Control", "ETag"):
        assert second.headers[name] == first.headers[name]
    visitors = [r.headers["Set-Cookie"] for r in (first, second)]
    assert all(v.startswith("visitor=") and "HttpOnly" in v for v in visitors) and visitors[0] != visitors[1]
    assert _clicks() == 2


def test_a_returning_visitor_is_counted_once_and_keeps_their_id(shop_app, lily):
    visitor = "ab" * 16
    for _ in range(3):
        response = _visit(shop_app, headers={"Cookie": f"visitor={visitor}"})
        assert "Set-Cookie" not in response.headers
    assert _clicks() == 1
    assert db.session.scalar(select(Click.visitor)) == visitor


def test_bots_get_the_page_and_are_not_counted(shop_app, lily):
    _visit(shop_app)
    response = _visit(shop_app, headers={"User-Agent": "Googlebot/2.1"})
    assert response.status_code == 200 and "Mug" in response.text and "Set-Cookie" not in response.headers
    assert _clicks() == 1


def test_the_copy_answers_a_known_tag_with_304(shop_app, lily):
    tag = _visit(shop_app).headers["ETag"]
    again = _visit(shop_app, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""


def test_the_copy_is_kept_per_encoding_and_language(shop_app, lily):
    plain = _visit(shop_app)
    packed = _visit(shop_app, headers={"Accept-Encoding": "gzip"})
    packed = _visit(shop_app, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == plain.data
    chinese = _visit(shop_app, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    chinese = _visit(shop_app, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert 'lang="zh-Hans"' in chinese.text and 'lang="en"' in _visit(shop_app).text
    assert 'lang="zh-Hans"' in _visit(shop_app, headers={"Cookie": "lang=zh"}).text


def test_a_change_shows_once_the_copy_is_older_than_the_window(shop_app, lily, monkeypatch):
    store, _mug = lily
    assert "Lily&#39;s" in _visit(shop_app).text
    store.name = "Lily's Corner"
    db.session.commit()
    assert "Lily&#39;s Corner" not in _visit(shop_app).text  # within the window: the copy
    now = edge.time.monotonic()
    monkeypatch.setattr(edge.time, "monotonic", lambda: now + 61)
    seen = _statements(shop_app)
    stale = _visit(shop_app)  # past the window: this visit still gets the copy, and a thread builds the next
    assert "Lily&#39;s Corner" not in stale.text and stale.headers["Set-Cookie"].startswith("visitor=")
    monkeypatch.undo()
    assert shop_app.wsgi_app.settle()
    assert "Lily&#39;s Corner" in _visit(shop_app).text
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen)
    assert _clicks() == 4  # the rebuilding is nobody's visit


def test_a_page_taken_off_sale_is_not_served_from_its_copy_after_the_window(shop_app, lily, monkeypatch):
    store, mug = lily
    path = f"/s/lily/p/{mug.slug}"
    assert _visit(shop_app, path).status_code == 200 and "Lily&#39;s" in _visit(shop_app).text
    mug.published = False
    db.session.commit()
    now = edge.time.monotonic()
    monkeypatch.setattr(edge.time, "monotonic", lambda: now + 61)
    _visit(shop_app, path)  # the last visit of the old copy; its rebuilding finds the product gone
    monkeypatch.undo()
    assert shop_app.wsgi_app.settle()
    assert _visit(shop_app, path).status_code == 404
    monkeypatch.setattr(edge.time, "monotonic", lambda: now + 61 + edge.STALE_LIMIT + 1)
    store.name = "Renamed"
    db.session.commit()
    assert "Renamed" in _visit(shop_app).text  # a copy far past its window is never served, not even once


def test_a_share_link_visit_from_the_copy_is_counted_for_the_link_and_binds_the_visitor(shop_app, lily):
    from shop.referrals import services as referrals
    from shop.stores.models import Channel

    store, mug = lily
    link = referrals.share_link(store, mug, Channel.whatsapp)
    db.session.commit()
    path = f"/s/lily/p/{mug.slug}?via={link.code}"
    _visit(shop_app, path)
    seen = _statements(shop_app)
    response = _visit(shop_app, path)
    assert not any(s.lstrip().upper().startswith("SELECT") for s in seen)  # from the copy
    assert f'name="via" value="{link.code}"' in response.text
    binding = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("via="))
    assert "HttpOnly" in binding and "Max-Age=" in binding
    with shop_app.app_context():
        bound = referrals.read_binding(binding.split(";")[0].split("=", 1)[1])
    assert (bound.link_id, bound.store_id, bound.channel) == (link.id, store.id, "whatsapp")
    db.session.rollback()
    counted = db.session.execute(select(Click.link_id, Click.channel)).all()
    assert counted == [(link.id, "whatsapp")] * 2
    # Bound to this link already: the binding (and its first visit's time) is kept.
    again = _visit(shop_app, path, {"Cookie": binding.split(";")[0]})
    assert not any(c.startswith("via=") for c in again.headers.getlist("Set-Cookie"))
    # Another query string never reads a copy.
    seen = _statements(shop_app)
    _visit(shop_app, f"/s/lily?via={link.code}&x=1")
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen)


def test_signed_in_and_personal_requests_never_read_a_copy(shop_app, lily, make_user):
    store, _mug = lily
    _visit(shop_app)
    owner = shop_app.test_client(user=store.user)
    assert "Log out" in owner.get("/s/lily", headers=BROWSER).text
    cookie = shop_app.config["SESSION_COOKIE_NAME"]
    for headers in ({"Cookie": f"{cookie}=x"}, {"Cookie": "remember_token=x"}, {"HX-Request": "true"}):
        seen = _statements(shop_app)
        assert _visit(shop_app, headers=headers).status_code == 200
        assert any(s.lstrip().upper().startswith("SELECT") for s in seen), headers
    seen = _statements(shop_app)
    assert 'lang="zh-Hans"' in _visit(shop_app, "/s/lily?lang=zh").text
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen)


def test_errors_are_never_copied(shop_app, lily):
    assert _visit(shop_app, "/s/nowhere").status_code == 404
    seen = _statements(shop_app)
    assert _visit(shop_app, "/s/nowhere").status_code == 404
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen)


def test_product_copies_carry_a_session_and_form_token_of_their_own(make_app, lily):
    shop_app = make_app(PUBLIC_PAGE_SECONDS=60, CLICK_BUFFER_SECONDS=0, WTF_CSRF_ENABLED=True)
    _store, mug = lily
    path = f"/s/lily/p/{mug.slug}"
    cookie_name = shop_app.config["SESSION_COOKIE_NAME"]
    pages = []
    for _ in range(3):
        response = _visit(shop_app, path)
        assert response.status_code == 200 and "Mug" in response.text and edge.TOKEN not in response.text
        session = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(cookie_name + "="))
        pages.append((TOKEN_RE.search(response.text).group(1), session.split(";")[0].split("=", 1)[1]))
    assert len({token for token, _s in pages}) == 3 and len({s for _t, s in pages}) == 3
    again = _visit(shop_app, path).text
    assert again.replace(TOKEN_RE.search(again).group(1), "") == response.text.replace(pages[2][0], "")

    # A form posted with the session and token of the same visit is accepted; mixed up, it is refused.
    token, session = pages[2]
    buyer = shop_app.test_client()
    buyer.set_cookie(cookie_name, session)
    form = {"csrf_token": token, "variant_id": mug.variants[0].id, "quantity": 1}
    assert buyer.post("/s/lily/cart/add", data=form, headers=BROWSER).status_code == 302
    assert db.session.scalar(select(func.count(Cart.id))) == 1
    stranger = shop_app.test_client()
    stranger.set_cookie(cookie_name, pages[0][1])
    assert stranger.post("/s/lily/cart/add", data=form, headers=BROWSER).status_code == 400


def test_a_product_copy_is_compressed_for_each_visit(shop_app, lily):
    _store, mug = lily
    path = f"/s/lily/p/{mug.slug}"
    _visit(shop_app, path, {"Accept-Encoding": "br, gzip"})
    response = _visit(shop_app, path, {"Accept-Encoding": "gzip"})
    _visit(shop_app, path, {"Accept-Encoding": "gzip"})
    response = _visit(shop_app, path, {"Accept-Encoding": "gzip"})
    page = gzip.decompress(response.data).decode()
    assert response.headers["Content-Encoding"] == "gzip" and int(response.headers["Content-Length"]) == len(response.data)
    assert "Mug" in page and TOKEN_RE.search(page) and edge.TOKEN not in page


def test_visits_wait_in_the_batch_until_it_is_written(make_app, lily):
    shop_app = make_app(CLICK_BUFFER_SECONDS=60)
    for visitor in ("a" * 32, "b" * 32, "a" * 32):
        shop_app.test_client(use_cookies=False).get("/s/lily", headers={**BROWSER, "Cookie": f"visitor={visitor}"})
    batch = clicks.buffer(shop_app)
    assert batch.pending() == 3 and _clicks() == 0
    assert batch.flush() == 3
    assert _clicks() == 2  # the same visitor twice within the window is one visit, in a batch too
    assert batch.flush() == 0


def test_a_batch_that_cannot_be_written_is_kept_for_the_next_round(make_app, lily, monkeypatch):
    store, _mug = lily
    shop_app = make_app(CLICK_BUFFER_SECONDS=60)
    batch = clicks.buffer(shop_app)
    batch.add(clicks.visit_row(store.id, None, "c" * 32, None, "direct"))
    monkeypatch.setattr(clicks.services, "click_insert", lambda on_product: 1 / 0)
    assert batch.flush() == 0 and batch.pending() == 1
    monkeypatch.undo()
    assert batch.flush() == 1 and _clicks() == 1


def test_the_writer_thread_writes_the_batch_on_its_own(make_app, lily):
    import time

    shop_app = make_app(CLICK_BUFFER_SECONDS=0.05)
    shop_app.test_client(use_cookies=False).get("/s/lily", headers=BROWSER)
    deadline = time.monotonic() + 10
    while _clicks() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _clicks() == 1 and clicks.buffer(shop_app).pending() == 0

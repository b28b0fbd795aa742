"""Parts of the catalog page rendered once per process for what they show, and reused.

Derived state, as in shop.pagecache: a part's key holds everything it shows (a tile's CatalogTile row, the
filters' query string and menus) plus the language, currency and script root, so a changed product makes
a new key and is never shown stale; nothing is invalidated by hand. A tile's form token and `next` address
are the request's own: the tile is rendered with a marker in their place, kept as the pieces around the
markers, and joined with the request's values, escaped.
"""
import secrets

from flask import current_app, get_template_attribute, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from shop.i18n import locale_code
from shop import pagecache
from shop.pagecache import PageCache

TEMPLATE = "stores/_catalog.html"
TILES = 4096  # tiles of ~1 KB: about 4 MB per worker at most
FORMS = 512  # filter forms of ~5 KB with 50 suppliers and 30 categories (they grow with the menus)
EAGER = 2  # the first row (two tiles on a phone) loads its photos at once, the rest lazily

# Random per process, so no product title can carry one (a tile whose row did would just not be reused).
CSRF_MARK = secrets.token_hex(16)
NEXT_MARK = secrets.token_hex(16)


def _cache(name: str, size: int) -> PageCache:
    return pagecache.named(f"catalog_{name}", size)


def _macro(name: str):
    return get_template_attribute(TEMPLATE, name)


def _same_everywhere() -> tuple:
    """What every part depends on besides its own data."""
    return locale_code(), current_app.config["CURRENCY"], request.script_root


def filter_form(form, menus) -> Markup:
    """The filter form for this query string, with the menus it was given."""
    entered = tuple((field.name, tuple(field.raw_data or ())) for field in form)
    key = (entered, menus, _same_everywhere())
    return _cache("forms", FORMS).get_or_render(key, lambda: _macro("filter_form")(form))


def _pieces(tile, lazy: bool) -> tuple[Markup, ...] | None:
    """The tile around its form token and address (the whole tile when picked: no form); None if unsure."""
    html = _macro("catalog_tile")(tile, lazy, CSRF_MARK, NEXT_MARK)
    form = 0 if tile.picked else 1
    if html.count(CSRF_MARK) != form or html.count(NEXT_MARK) != form:
        return None  # a marker in the row itself
    if tile.picked:
        return (html,)
    before, rest = html.split(CSRF_MARK)  # Markup's split keeps the pieces Markup
    middle, after = rest.split(NEXT_MARK)
    return before, middle, after


def tiles(rows) -> Markup:
    """The tiles of the CatalogTile rows, in order, as one piece of HTML."""
    cache, same = _cache("tiles", TILES), _same_everywhere()
    token = address = None
    html = []
    for index, tile in enumerate(rows):
        lazy = index >= EAGER
        pieces = cache.get_or_render((tile, lazy, same), lambda: _pieces(tile, lazy))
        if pieces is None:  # rendered with the real values, not reused
            html.append(_macro("catalog_tile")(tile, lazy, generate_csrf(), request.full_path))
        elif len(pieces) == 1:
            html.append(pieces[0])
        else:
            if token is None:
                token, address = escape(generate_csrf()), escape(request.full_path)
            html += (pieces[0], token, pieces[1], address, pieces[2])
    return Markup().join(html)


def pick_button(product_id: int) -> Markup:
    """The button of a product the reseller has just added, for htmx to swap in."""
    return _macro("pick_button")(product_id, True)

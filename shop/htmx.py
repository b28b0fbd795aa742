"""Serving a page or just one of its blocks to htmx, from the same template."""
from flask import render_template, request
from jinja2_fragments.flask import render_block

from shop import pagecache
from shop.i18n import locale_code

FRAGMENTS = 1024  # small fragments (under 1 KB each) per process


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation or a history restore)."""
    h = request.headers
    return bool(h.get("HX-Request")) and not h.get("HX-Boosted") and not h.get("HX-History-Restore-Request")


def render(template: str, block: str | None = None, **context):
    """The whole page, or only `block` when htmx asked for a fragment; varies on HX-Request."""
    if block and is_fragment_request():
        return fragment(render_block(template, block, **context))
    return fragment(render_template(template, **context))


def fragment(body: str):
    """A response of a view that answers htmx and plain requests differently: it varies on HX-Request."""
    return body, 200, {"Vary": "HX-Request"}


def render_fragment_once(key: tuple, template: str, block: str, **context):
    """A fragment that shows only what `key` names (besides the language and script root), rendered once per
    process and reused: for the small answers htmx gets on every tap, where setting up the template's context
    costs more than the fragment itself."""
    full_key = (template, block, locale_code(), request.script_root, *key)
    return fragment(pagecache.named("fragments", FRAGMENTS).get_or_render(
        full_key, lambda: render_block(template, block, **context)))

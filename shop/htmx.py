"""Serving a page or just one of its blocks to htmx, from the same template."""
from flask import current_app, render_template, request
from jinja2_fragments.flask import render_block

FRAGMENTS = 1024  # small fragments (under 1 KB each) per process


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation or a history restore)."""
    h = request.headers
    return bool(h.get("HX-Request")) and not h.get("HX-Boosted") and not h.get("HX-History-Restore-Request")


def render(template: str, block: str | None = None, **context):
    """The whole page, or only `block` when htmx asked for a fragment; varies on HX-Request."""
    if block and is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return body, 200, {"Vary": "HX-Request"}


def render_fragment_once(key: tuple, template: str, block: str, **context) -> str:
    """A fragment that shows only what `key` names (besides the language and script root), rendered once per
    process and reused: for the small answers htmx gets on every tap, where setting up the template's context
    costs more than the fragment itself."""
    from shop.i18n import locale_code
    from shop.pagecache import PageCache

    cache = current_app.extensions.setdefault("sharestall_fragments", PageCache(FRAGMENTS))
    full_key = (template, block, locale_code(), request.script_root, *key)
    return cache.get_or_render(full_key, lambda: render_block(template, block, **context))

"""Serving a page or just one of its blocks to htmx, from the same template."""
from flask import render_template, request
from jinja2_fragments.flask import render_block


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

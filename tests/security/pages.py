"""Crawling helpers for the security sweeps: every GET page each actor may open, and what is live in its HTML."""
from html.parser import HTMLParser

from flask import url_for

from tests.test_walls import ACTORS, ROLE, _rules, own_values, owner_of

# Attributes whose value the browser may follow or run as a URL.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def url_of(app, rule, values: dict) -> str:
    """The rule's URL with its parameters filled from values (parameters with defaults keep them)."""
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: values[k] for k in parameters(rule)})


def parameters(rule) -> set[str]:
    return set(rule.arguments) - set(rule.defaults or {})


def own_pages(app, world, clients):
    """(actor, endpoint, url, response) for every GET route each entitled actor can fill with its own objects."""
    for rule in _rules(app):
        if "GET" not in rule.methods:
            continue
        owner = owner_of(rule)
        for actor in ACTORS:
            if owner != "public" and owner != ROLE.get(actor):
                continue
            values = own_values(world, actor, rule.endpoint)
            if any(values.get(name) is None for name in parameters(rule)):
                continue
            url = url_of(app, rule, values)
            client = clients[actor] or app.test_client()
            yield actor, rule.endpoint, url, client.get(url)


class LiveParts(HTMLParser):
    """Collects everything in a page a browser would run or that needs 'unsafe-inline' under our CSP."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.handlers: list[str] = []  # on* attributes
        self.htmx: list[tuple[str, str]] = []  # hx-*/data-hx-* attributes and their values
        self.inline_styles: list[str] = []  # style="..." attributes and <style> elements
        self.inline_scripts: list[str] = []  # <script> without src
        self.script_srcs: list[str] = []
        self.urls: list[tuple[str, str]] = []  # (attribute, value) of URL-like attributes
        self.tags: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        names = {name for name, _value in attrs}
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name.startswith(("hx-", "data-hx-")):
                self.htmx.append((name, value))
            if name == "style":
                self.inline_styles.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES:
                self.urls.append((name, value))
        if tag == "style":
            self.inline_styles.append("<style>")
        if tag == "script":
            if "src" in names:
                self.script_srcs.append(dict(attrs)["src"] or "")
            else:
                self.inline_scripts.append("<script>")

    handle_startendtag = handle_starttag


def live_parts(html: str) -> LiveParts:
    parts = LiveParts()
    parts.feed(html)
    parts.close()
    return parts


def javascript_urls(parts: LiveParts) -> list[str]:
    """URL attributes that would run script: javascript:, vbscript:, or data:text/html."""
    bad = []
    for name, value in parts.urls:
        squashed = "".join(value.split()).lower()
        if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
            bad.append(f"{name}={value!r}")
    return bad

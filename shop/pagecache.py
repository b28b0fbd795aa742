"""Rendered public pages, kept per process under a key made of everything they show.

Derived state only: a key names the data a page was rendered from (read from the database on every
request), so a change to that data makes a new key and the old page is never served again; nothing is
invalidated by hand, and app servers behind a load balancer never disagree for longer than a query.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app

SIZE = 512  # pages of ~20 KB each: about 10 MB per worker at most


class PageCache:
    """A bounded least-recently-used map from key to rendered page, safe across a worker's threads."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        # Rendered outside the lock: two threads may render the same page once each, never wait on each other.
        page = render()
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def named(name: str, size: int = SIZE) -> PageCache:
    """The current app's cache of that name (each app has its own, so a test's app never sees another's)."""
    return current_app.extensions.setdefault(f"sharestall_{name}", PageCache(size))


def pages() -> PageCache:
    """The storefront's rendered pages."""
    return named("pages")

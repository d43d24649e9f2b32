"""Per-process caches of rows that never change once written (question versions, drawn questions).

They hold no state a request depends on for correctness: every entry can be read again from the
database, and several processes or machines each keep their own. Keys carry the database's URL,
since a process pointed at another database (tests, a restore) must not see the old rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock

from quiz.extensions import db

_all: list[ImmutableRows] = []


class ImmutableRows:
    """A bounded least-recently-used map, safe for gunicorn's threads."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._rows: OrderedDict = OrderedDict()
        self._lock = Lock()
        _all.append(self)

    @staticmethod
    def key(*parts: Hashable) -> tuple:
        return (db.engine.url.render_as_string(hide_password=True), *parts)

    def get(self, key: tuple):
        with self._lock:
            value = self._rows.get(key)
            if value is not None:
                self._rows.move_to_end(key)
            return value

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._rows[key] = value
            self._rows.move_to_end(key)
            while len(self._rows) > self.maxsize:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def forget_all() -> None:
    """Empty every cache (tests recreate databases, so ids come back with other content)."""
    for cache in _all:
        cache.clear()

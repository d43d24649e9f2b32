"""The per-process cache of immutable rows: bounded, least recently used first out."""

from __future__ import annotations

import threading

from quiz.cache import ImmutableRows, forget_all


def test_the_least_recently_used_row_leaves_first():
    rows = ImmutableRows(maxsize=2)
    rows.put(("db", 1), "one")
    rows.put(("db", 2), "two")
    assert rows.get(("db", 1)) == "one"  # 1 is now the most recent
    rows.put(("db", 3), "three")
    assert rows.get(("db", 2)) is None and rows.get(("db", 1)) == "one" and rows.get(("db", 3)) == "three"


def test_rows_are_kept_per_database_and_forgotten_together():
    rows, others = ImmutableRows(maxsize=10), ImmutableRows(maxsize=10)
    rows.put(("sqlite:///a", 1), "a")
    others.put(("sqlite:///b", 1), "b")
    assert rows.get(("sqlite:///b", 1)) is None and rows.get(("sqlite:///a", 1)) == "a"
    forget_all()
    assert rows.get(("sqlite:///a", 1)) is None and others.get(("sqlite:///b", 1)) is None


def test_threads_never_push_it_past_its_bound():
    rows = ImmutableRows(maxsize=50)

    def fill(offset: int) -> None:
        for n in range(2000):
            rows.put(("db", offset + n), n)
            rows.get(("db", offset + n // 2))

    workers = [threading.Thread(target=fill, args=(k * 10_000,)) for k in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(rows._rows) == 50

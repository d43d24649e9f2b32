"""`quiz serve` sizes its threads by the database it serves (bench/README.md has the measurements)."""

from __future__ import annotations

import pytest

from quiz.serve import default_threads


@pytest.mark.parametrize(("url", "threads"), [
    ("postgresql+psycopg://quiz@db/quiz", 4),
    ("postgresql://quiz@db/quiz", 4),
    ("sqlite:////srv/quiz/instance/quiz.sqlite3", 2),
    ("", 2),  # no QUIZ_DATABASE_URL: the embedded SQLite
])
def test_threads_follow_the_database(monkeypatch, url, threads):
    monkeypatch.delenv("QUIZ_THREADS", raising=False)
    assert default_threads(url) == threads


def test_the_database_url_comes_from_the_environment_by_default(monkeypatch):
    monkeypatch.delenv("QUIZ_THREADS", raising=False)
    monkeypatch.setenv("QUIZ_DATABASE_URL", "postgresql://quiz@db/quiz")
    assert default_threads() == 4
    monkeypatch.delenv("QUIZ_DATABASE_URL")
    assert default_threads() == 2


def test_an_explicit_setting_wins(monkeypatch):
    monkeypatch.setenv("QUIZ_THREADS", "8")
    assert default_threads("sqlite:///x.sqlite3") == 8

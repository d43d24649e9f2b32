"""A finished attempt and its items cannot be rewritten by SQL that bypasses the application,
on either engine; the one controlled path (`rescoring()`) is the only way to change a result."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from quiz.exams import service
from quiz.exams.integrity import APPEND_ONLY_SQL, rescoring
from quiz.exams.models import Attempt, AttemptItem
from quiz.extensions import db
from tests.helpers import correct_response, shown


@pytest.fixture
def finished(make_user, open_session):
    """A finished, scored attempt (every answer right), and a running one of another candidate."""
    session = open_session(cohort="Promo append")
    candidate = make_user(cohort="Promo append")
    attempt = service.start_attempt(candidate, session.id)
    for item in attempt.items:
        service.save_answer(attempt, item.position, shown(item, correct_response(item.version.payload)))
    service.submit(attempt)
    running = service.start_attempt(make_user(cohort="Promo append"), session.id)
    db.session.commit()
    return {"id": attempt.id, "running": running.id}


def raw(sql: str, **params) -> None:
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


TAMPERING = [
    "UPDATE attempts SET score = 0, passed = false WHERE id = :a",
    "UPDATE attempts SET total = 99 WHERE id = :a",
    "UPDATE attempts SET status = 'in_progress' WHERE id = :a",
    "UPDATE attempts SET deadline = started_at WHERE id = :a",
    "UPDATE attempts SET finished_at = started_at WHERE id = :a",
    "UPDATE attempts SET candidate_id = candidate_id + 1 WHERE id = :a",
    "UPDATE attempts SET trial = NOT trial WHERE id = :a",
    "DELETE FROM attempts WHERE id = :a",
    "UPDATE attempt_items SET credit = 0 WHERE attempt_id = :a",
    "UPDATE attempt_items SET response = NULL, answered = false WHERE attempt_id = :a",
    "UPDATE attempt_items SET response = '\"x\"' WHERE attempt_id = :a",
    "UPDATE attempt_items SET saved_at = NULL WHERE attempt_id = :a",
    "UPDATE attempt_items SET question_version_id = question_version_id WHERE attempt_id = :a AND 1 = 0",
    "UPDATE attempt_items SET position = position + 100 WHERE attempt_id = :a",
    "UPDATE attempt_items SET option_order = '[]' WHERE attempt_id = :a",
    "UPDATE attempt_items SET instance = '{\"x\": 1}' WHERE attempt_id = :a",
    "DELETE FROM attempt_items WHERE attempt_id = :a",
]


@pytest.mark.parametrize("sql", [s for s in TAMPERING if "1 = 0" not in s])
def test_raw_sql_cannot_rewrite_a_finished_attempt(finished, sql):
    before = snapshot(finished["id"])
    with pytest.raises(DBAPIError, match="append-only"):
        raw(sql, a=finished["id"])
    assert snapshot(finished["id"]) == before


def snapshot(attempt_id: int):
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    return (attempt.status, attempt.score, attempt.total, attempt.passed, attempt.deadline, attempt.finished_at,
            [(i.position, i.response, i.answered, i.credit, i.saved_at, i.option_order) for i in attempt.items])


def test_what_does_not_change_the_result_stays_free(finished):
    raw("UPDATE attempts SET display_mode = 'all' WHERE id = :a", a=finished["id"])
    raw("UPDATE attempt_items SET flagged = NOT flagged WHERE attempt_id = :a", a=finished["id"])


def test_a_running_attempt_is_written_and_finalised_as_before(finished):
    raw("UPDATE attempt_items SET flagged = true, response = NULL WHERE attempt_id = :a", a=finished["running"])
    assert service.finalise(finished["running"], "deadline")
    attempt = db.session.get(Attempt, finished["running"])
    assert attempt.score is not None and all(i.credit is not None for i in attempt.items)
    with pytest.raises(DBAPIError, match="append-only"):
        raw("UPDATE attempts SET score = 1 WHERE id = :a", a=finished["running"])


def test_rescoring_is_the_one_controlled_way_to_change_a_result(finished):
    db.session.commit()
    with rescoring():
        db.session.execute(text("UPDATE attempt_items SET credit = 0, response = NULL WHERE attempt_id = :a"),
                           {"a": finished["id"]})
        db.session.execute(text("UPDATE attempts SET score = 0, passed = false WHERE id = :a"), {"a": finished["id"]})
    db.session.commit()
    attempt = db.session.get(Attempt, finished["id"], populate_existing=True)
    assert attempt.score == 0 and attempt.passed is False
    # Outside it, frozen again; and identity and timing stay frozen even inside.
    with pytest.raises(DBAPIError, match="append-only"):
        raw("UPDATE attempts SET score = 1 WHERE id = :a", a=finished["id"])
    with pytest.raises(DBAPIError, match="append-only"), rescoring():
        db.session.execute(text("UPDATE attempts SET deadline = started_at WHERE id = :a"), {"a": finished["id"]})
    db.session.rollback()


def test_the_orm_meets_the_same_guard(finished):
    item = db.session.execute(db.select(AttemptItem).where(AttemptItem.attempt_id == finished["id"])).scalars().first()
    item.credit = 0
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def _migration(pattern: str):
    import importlib.util
    from pathlib import Path

    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob(pattern))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migrations_install_the_same_triggers():
    """c4f17a9e2b61 installs them; f7c3e1a9d204 replaces the items' update guard (the figures frozen too)."""
    first = _migration("*_finished_attempts_append_only.py").APPEND_ONLY
    installed = {dialect: list(sql) for dialect, sql in first.items()}
    replaced = _migration("*_instance_frozen.py").ITEMS_FROZEN_WITH_INSTANCE
    installed["postgresql"][2] = replaced["postgresql"]
    installed["sqlite"][3] = replaced["sqlite"]
    assert {dialect: tuple(sql) for dialect, sql in installed.items()} == APPEND_ONLY_SQL

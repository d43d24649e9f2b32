"""Finished attempts are append-only in the database, as the ledger is: triggers on both engines.

Once an attempt is finished (status other than `in_progress`), SQL that bypasses the
application cannot rewrite what was sat or what was answered:

- a finished attempt is never deleted, never goes back to `in_progress`, and keeps its
  candidate, questionnaire, session, number, trial flag, start, deadline, finish time and reason;
- its items are never deleted, and keep their question version, position, option order, the
  figures of a calculated question (`instance`), and the
  response, `answered` flag and save time recorded before the end;
- its score (`score`, `total`, `passed`) and its items' `credit` are written once, by the
  finalisation (from NULL); changing them later is refused.

What is left free is what does not change the result: `display_mode`, `flagged`, `note`.

The one controlled way to change a finished attempt's answers or scores (e.g. an administrator
accepting late answers and rescoring) is `with rescoring(): ...`: inside it, in that transaction
on PostgreSQL (`set_config('quiz.rescoring', 'on', true)`) or on that connection on SQLite (the
SQL function `quiz_rescoring()`, registered on every SQLite connection this process opens), the
responses, save times, credits and scores of finished attempts may change; the identity and timing
fields stay frozen. Whoever uses it must journal why (`quiz.audit.service.record`). A SQLite
client that is not this application (the `sqlite3` shell) has no `quiz_rescoring()` and cannot
update an attempt at all.

The SQL is exposed for the Alembic migration as `APPEND_ONLY_SQL` / `DROP_APPEND_ONLY_SQL` per
dialect; `create_all` installs the same.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import DDL, event, text
from sqlalchemy.engine import Engine

from quiz.exams.models import Attempt, AttemptItem
from quiz.extensions import db

FINISHED = "OLD.status <> 'in_progress'"
ATTEMPT_FROZEN = ("candidate_id", "questionnaire_id", "session_id", "number", "trial", "started_at", "deadline",
                  "finished_at", "finished_by")
ATTEMPT_SCORED = ("score", "total", "passed")
ITEM_FROZEN = ("attempt_id", "position", "question_version_id", "option_order", "instance")
ITEM_ANSWERED = ("response", "answered", "saved_at")
JSON_COLUMNS = {"option_order", "response", "instance"}


def _pg_distinct(columns) -> str:
    """PostgreSQL: whether any column changed (json has no equality: compared as text)."""
    return " OR ".join(f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" if c in JSON_COLUMNS
                       else f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


def _sqlite_distinct(columns) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


_PG_RESCORING = "coalesce(current_setting('quiz.rescoring', true), '') = 'on'"


def _pg_guard(name: str, refused_when: str, message: str) -> str:
    """A PostgreSQL trigger function raising `message` when `refused_when` holds, else letting the row through."""
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    IF {refused_when} THEN
        RAISE EXCEPTION USING
            MESSAGE = '{message}: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql"""


_PG_ATTEMPTS = _pg_guard(
    "quiz_finished_attempt",
    f"{FINISHED} AND (TG_OP = 'DELETE' OR NEW.status = 'in_progress' OR {_pg_distinct(ATTEMPT_FROZEN)}\n"
    f"            OR (OLD.score IS NOT NULL AND ({_pg_distinct(ATTEMPT_SCORED)}) AND NOT {_PG_RESCORING}))",
    "attempts: a finished attempt is append-only")
_PG_ITEMS = _pg_guard(
    "quiz_finished_attempt_item",
    "EXISTS (SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> 'in_progress')\n"
    f"            AND (TG_OP = 'DELETE' OR {_pg_distinct(ITEM_FROZEN)}\n"
    f"                 OR (({_pg_distinct(ITEM_ANSWERED)} OR (OLD.credit IS NOT NULL AND NEW.credit IS DISTINCT FROM "
    f"OLD.credit)) AND NOT {_PG_RESCORING}))",
    "attempt_items: the items of a finished attempt are append-only")
_ITEM_OF_FINISHED = "EXISTS (SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> 'in_progress')"

APPEND_ONLY_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        _PG_ATTEMPTS,
        "CREATE TRIGGER attempts_finished_append_only BEFORE UPDATE OR DELETE ON attempts "
        "FOR EACH ROW EXECUTE FUNCTION quiz_finished_attempt()",
        _PG_ITEMS,
        "CREATE TRIGGER attempt_items_finished_append_only BEFORE UPDATE OR DELETE ON attempt_items "
        "FOR EACH ROW EXECUTE FUNCTION quiz_finished_attempt_item()",
    ),
    "sqlite": (
        f"CREATE TRIGGER attempts_finished_no_delete BEFORE DELETE ON attempts WHEN {FINISHED} "
        "BEGIN SELECT RAISE(ABORT, 'attempts: a finished attempt is append-only: DELETE refused'); END",
        f"CREATE TRIGGER attempts_finished_no_update BEFORE UPDATE ON attempts WHEN {FINISHED} AND ("
        f"NEW.status = 'in_progress' OR {_sqlite_distinct(ATTEMPT_FROZEN)} OR (OLD.score IS NOT NULL AND "
        f"({_sqlite_distinct(ATTEMPT_SCORED)}) AND NOT quiz_rescoring())) "
        "BEGIN SELECT RAISE(ABORT, 'attempts: a finished attempt is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER attempt_items_finished_no_delete BEFORE DELETE ON attempt_items WHEN {_ITEM_OF_FINISHED} "
        "BEGIN SELECT RAISE(ABORT, 'attempt_items: the items of a finished attempt are append-only: DELETE refused');"
        " END",
        f"CREATE TRIGGER attempt_items_finished_no_update BEFORE UPDATE ON attempt_items WHEN {_ITEM_OF_FINISHED} AND "
        f"({_sqlite_distinct(ITEM_FROZEN)} OR (({_sqlite_distinct(ITEM_ANSWERED)} OR (OLD.credit IS NOT NULL AND "
        "NEW.credit IS NOT OLD.credit)) AND NOT quiz_rescoring())) "
        "BEGIN SELECT RAISE(ABORT, 'attempt_items: the items of a finished attempt are append-only: UPDATE refused');"
        " END",
    ),
}
DROP_APPEND_ONLY_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "DROP TRIGGER IF EXISTS attempts_finished_append_only ON attempts",
        "DROP TRIGGER IF EXISTS attempt_items_finished_append_only ON attempt_items",
        "DROP FUNCTION IF EXISTS quiz_finished_attempt()",
        "DROP FUNCTION IF EXISTS quiz_finished_attempt_item()",
    ),
    "sqlite": tuple(f"DROP TRIGGER IF EXISTS {name}" for name in (
        "attempts_finished_no_delete", "attempts_finished_no_update",
        "attempt_items_finished_no_delete", "attempt_items_finished_no_update")),
}

_PG_PER_TABLE = {"attempts": APPEND_ONLY_SQL["postgresql"][:2], "attempt_items": APPEND_ONLY_SQL["postgresql"][2:]}
_SQLITE_PER_TABLE = {"attempts": APPEND_ONLY_SQL["sqlite"][:2], "attempt_items": APPEND_ONLY_SQL["sqlite"][2:]}
for _model in (Attempt, AttemptItem):
    _table = _model.__table__
    for _sql in _PG_PER_TABLE[_table.name]:
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
    for _sql in _SQLITE_PER_TABLE[_table.name]:
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="sqlite"))


_sqlite_flags: dict[int, bool] = {}  # id(SQLite connection) → whether rescoring is on for it


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    key = id(dbapi_connection)
    _sqlite_flags[key] = False
    dbapi_connection.create_function("quiz_rescoring", 0, lambda: int(_sqlite_flags.get(key, False)))


@contextmanager
def rescoring():
    """Within the current transaction of `db.session`, let finished attempts' answers and scores change."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('quiz.rescoring', 'on', true)"))
        yield  # an error aborts the transaction, whose rollback ends the setting
        db.session.execute(text("SELECT set_config('quiz.rescoring', 'off', true)"))
        return
    connection = db.session.connection().connection.dbapi_connection
    _sqlite_flags[id(connection)] = True
    try:
        yield
    finally:
        _sqlite_flags[id(connection)] = False

"""finished attempts: a calculated question's figures (`attempt_items.instance`) are frozen too

Revision ID: f7c3e1a9d204
Revises: d21a5f0c7e3b
Create Date: 2026-12-04 21:30:00

The append-only trigger on the items of a finished attempt is replaced by one that also refuses a
change of `instance`: the figures a candidate saw are part of what was sat, like the option order.
The SQL is written out here (not imported from the application), so that this revision installs
the same thing whatever the code becomes; the downgrade puts back revision c4f17a9e2b61's.
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = 'f7c3e1a9d204'
down_revision = 'd21a5f0c7e3b'
branch_labels = None
depends_on = None

ITEMS_FROZEN_WITH_INSTANCE = (
    {'postgresql': 'CREATE OR REPLACE FUNCTION quiz_finished_attempt_item() RETURNS trigger AS $$\n'
                   'BEGIN\n'
                   '    IF EXISTS (SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> '
                   "'in_progress')\n"
                   "            AND (TG_OP = 'DELETE' OR NEW.attempt_id IS DISTINCT FROM "
                   'OLD.attempt_id OR NEW.position IS DISTINCT FROM OLD.position OR '
                   'NEW.question_version_id IS DISTINCT FROM OLD.question_version_id OR '
                   'NEW.option_order::text IS DISTINCT FROM OLD.option_order::text OR '
                   'NEW.instance::text IS DISTINCT FROM OLD.instance::text\n'
                   '                 OR ((NEW.response::text IS DISTINCT FROM OLD.response::text OR '
                   'NEW.answered IS DISTINCT FROM OLD.answered OR NEW.saved_at IS DISTINCT FROM '
                   'OLD.saved_at OR (OLD.credit IS NOT NULL AND NEW.credit IS DISTINCT FROM '
                   "OLD.credit)) AND NOT coalesce(current_setting('quiz.rescoring', true), '') = "
                   "'on')) THEN\n"
                   '        RAISE EXCEPTION USING\n'
                   "            MESSAGE = 'attempt_items: the items of a finished attempt are "
                   "append-only: ' || TG_OP || ' refused',\n"
                   "            ERRCODE = 'integrity_constraint_violation';\n"
                   '    END IF;\n'
                   "    IF TG_OP = 'DELETE' THEN\n"
                   '        RETURN OLD;\n'
                   '    END IF;\n'
                   '    RETURN NEW;\n'
                   'END;\n'
                   '$$ LANGUAGE plpgsql',
     'sqlite': 'CREATE TRIGGER attempt_items_finished_no_update BEFORE UPDATE ON attempt_items WHEN '
               "EXISTS (SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> 'in_progress') "
               'AND (NEW.attempt_id IS NOT OLD.attempt_id OR NEW.position IS NOT OLD.position OR '
               'NEW.question_version_id IS NOT OLD.question_version_id OR NEW.option_order IS NOT '
               'OLD.option_order OR NEW.instance IS NOT OLD.instance OR ((NEW.response IS NOT '
               'OLD.response OR NEW.answered IS NOT OLD.answered OR NEW.saved_at IS NOT OLD.saved_at '
               'OR (OLD.credit IS NOT NULL AND NEW.credit IS NOT OLD.credit)) AND NOT '
               "quiz_rescoring())) BEGIN SELECT RAISE(ABORT, 'attempt_items: the items of a finished "
               "attempt are append-only: UPDATE refused'); END"}
)

# What each dialect replaces: PostgreSQL the trigger function (the trigger itself stays), SQLite
# the update trigger (SQLite cannot alter one).
SQLITE_TRIGGER = "attempt_items_finished_no_update"


def _previous() -> dict:
    """The item trigger as revision c4f17a9e2b61 installed it."""
    path = Path(__file__).with_name("c4f17a9e2b61_finished_attempts_append_only.py")
    spec = importlib.util.spec_from_file_location("append_only_c4f17a9e2b61", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"postgresql": module.APPEND_ONLY["postgresql"][2], "sqlite": module.APPEND_ONLY["sqlite"][3]}


def _install(sql: dict) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {SQLITE_TRIGGER}")
    if dialect in sql:
        op.execute(sql[dialect])


def upgrade():
    _install(ITEMS_FROZEN_WITH_INSTANCE)


def downgrade():
    _install(_previous())

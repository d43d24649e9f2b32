"""The Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from quiz import create_app
from quiz.extensions import db
from tests.conftest import PG_URL, make_test_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not PG_URL:
        if os.environ.get("QUIZ_REQUIRE_POSTGRES") == "1":
            pytest.fail("QUIZ_REQUIRE_POSTGRES=1 mais QUIZ_TEST_DATABASE_URL n'est pas défini")
        pytest.skip("PostgreSQL non configuré : définir QUIZ_TEST_DATABASE_URL pour ces tests")
    name = f"quiz_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_the_models_schema(empty_database, tmp_path):
    app = create_app(make_test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert diffs == []
    assert {"users", "question_versions", "attempts", "ledger_entries"} <= tables


def test_migrated_ledger_refuses_updates_and_deletes(empty_database, tmp_path):
    from sqlalchemy.exc import DBAPIError

    from quiz.accounts.service import create_user
    from quiz.ledger.service import record_e2_result

    app = create_app(make_test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        user, _password = create_user("candidat@example.org", "Cam", "Dupont", ["candidate"])
        record_e2_result(user.id, 1, True, attempt_id=1)
        db.session.commit()
        for statement in ("UPDATE ledger_entries SET passed = false", "DELETE FROM ledger_entries"):
            with pytest.raises(DBAPIError), db.engine.begin() as conn:
                conn.execute(text(statement))
        db.session.remove()
        db.engine.dispose()


def test_migrated_certification_tables_are_append_only_and_a_closed_jury_frozen(empty_database, tmp_path):
    from sqlalchemy.exc import DBAPIError

    from quiz.accounts.service import create_user

    app = create_app(make_test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        user, _password = create_user("candidat@example.org", "Cam", "Dupont", ["candidate"])
        decision = ("INSERT INTO jury_decisions (session_id, candidate_id, outcome, blocs, proposal, reason, "
                    f"decided_at) SELECT id, {user.id}, 'none', '[]', '{{}}', '', '2026-06-15 18:00:00' "
                    "FROM jury_sessions")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO jury_sessions (held_on, place, created_at) "
                              "VALUES ('2026-06-15', 'Paris', '2026-06-15 10:00:00')"))
            conn.execute(text("UPDATE jury_sessions SET place = 'Lyon'"))  # open: it may change
            conn.execute(text(decision))  # and take decisions, which cannot change
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text("UPDATE jury_decisions SET outcome = 'title'"))
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE jury_sessions SET closed_at = '2026-06-15 18:00:00'"))
        for statement in ("UPDATE jury_sessions SET place = 'Nice'", "DELETE FROM jury_sessions", decision):
            with pytest.raises(DBAPIError), db.engine.begin() as conn:
                conn.execute(text(statement))
        db.session.remove()
        db.engine.dispose()

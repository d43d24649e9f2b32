"""Ledger rows cannot be changed or removed: not through the ORM, not through raw SQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from quiz.extensions import db
from quiz.ledger import service
from quiz.ledger.models import APPEND_ONLY_SQL, AppendOnlyError, EvidenceFile, GradingAct, LedgerEntry
from quiz.ledger.service import CompetenceVerdict, StoredEvidence


@pytest.fixture
def act(make_user, clock):
    candidate = make_user()
    assessor = make_user(roles=("assessor",))
    evidence = StoredEvidence("rapport.pdf", "b" * 32, "application/pdf", 10, "0" * 64)
    return service.record_grading(
        candidate.id, "E4", [CompetenceVerdict("C5", True)], date(2026, 6, 1), assessor.id, evidence=[evidence]
    )


def test_orm_refuses_to_update_an_entry(act):
    entry = act.entries[0]
    entry.passed = False
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(LedgerEntry, entry.id).passed is True


@pytest.mark.parametrize("model", [LedgerEntry, GradingAct, EvidenceFile])
def test_orm_refuses_to_delete_ledger_rows(act, model):
    row = db.session.execute(db.select(model)).scalars().first()
    db.session.delete(row)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(model, row.id) is not None


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entries SET passed = false",
        "UPDATE ledger_entries SET comment = 'changé'",
        "DELETE FROM ledger_entries",
        "UPDATE grading_acts SET modality = 'E5'",
        "DELETE FROM evidence_files",
        "DELETE FROM grading_acts",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(act, sql):
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(sql))
    assert db.session.execute(db.select(LedgerEntry.passed)).scalar_one() is True


def test_bulk_statements_bypassing_the_orm_events_are_refused_too(act):
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(update(LedgerEntry).values(passed=False))
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(delete(LedgerEntry))
    db.session.rollback()
    assert db.session.execute(db.select(LedgerEntry.passed)).scalar_one() is True


def test_the_migration_sql_is_what_create_all_installs():
    """The constant the Alembic migration runs names the same triggers create_all creates."""
    for table in ("ledger_entries", "grading_acts", "evidence_files"):
        assert any(f"ON {table} " in sql for sql in APPEND_ONLY_SQL["postgresql"])
        assert sum(f"ON {table} " in sql for sql in APPEND_ONLY_SQL["sqlite"]) == 2


@pytest.mark.postgres
def test_postgresql_has_the_triggers(act):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("déclencheurs PostgreSQL")
    names = db.session.execute(
        text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
    ).scalars().all()
    assert {"ledger_entries_append_only", "grading_acts_append_only", "evidence_files_append_only"} <= set(names)

"""The start and hand-in waves stay cheap: how many statements each sends to the database.

Counted, not timed: the figures of bench/README.md say what each statement costs; this fails if a
change brings back the per-item writes, the reloads or the look-ups that made a start and a
hand-in cost ten bare inserts (issue #22).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select

from quiz.audit.models import AuditEvent
from quiz.exams import service
from quiz.exams.models import Attempt, AttemptItem
from quiz.extensions import db
from quiz.ledger.models import LedgerEntry
from tests.helpers import key_for


@contextmanager
def statements():
    sent: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        sent.append(statement.split(None, 1)[0].upper())

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_start_is_one_read_of_its_facts_one_of_the_pool_and_two_inserts(clock, open_session, make_user):
    session = open_session(count=6)
    first, second = (make_user(roles=("candidate",), cohort="Promotion test") for _ in range(2))
    service.start_attempt_id(first.id, session.id)  # this process now holds the versions' payloads
    session_id, candidate_id = session.id, second.id
    with statements() as sent:
        attempt_id = service.start_attempt_id(candidate_id, session_id)
    assert sent == ["SELECT", "SELECT", "INSERT", "INSERT"], sent
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.candidate_id, attempt.started_at, attempt.deadline) == (
        candidate_id, clock.now, clock.now + timedelta(minutes=30))  # the clock starts when the server handles it
    assert len(attempt.items) == 6
    with statements() as sent:
        assert service.start_attempt_id(candidate_id, session_id) == attempt_id  # a second start resumes it
    assert sent == ["SELECT"]


def test_a_hand_in_locks_and_reads_its_items_once_and_writes_four_statements(clock, open_session, make_user):
    candidate = make_user(roles=("candidate",), cohort="Promotion test")
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    for item in attempt.items:
        service.write_answer(candidate.id, attempt.id, item.position, raw=key_for(item))
    attempt_id = attempt.id
    with statements() as sent:
        assert service.finalise(attempt_id, "candidate", clock.now)
    reads_and_writes = [s for s in sent if s not in ("BEGIN",)]
    assert reads_and_writes == ["SELECT", "UPDATE", "UPDATE", "INSERT", "INSERT"], sent
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.status, attempt.finished_by, attempt.score, attempt.total, attempt.passed) == (
        "finished", "candidate", 6, 6, True)
    assert db.session.execute(select(func.count()).where(AttemptItem.attempt_id == attempt_id,
                                                         AttemptItem.credit == 1)).scalar() == 6
    entries = db.session.execute(select(LedgerEntry).where(LedgerEntry.attempt_id == attempt_id)).scalars().all()
    assert entries and all(e.passed and e.modality == "E2" and e.score == 100 for e in entries)
    journal = db.session.execute(select(AuditEvent).where(AuditEvent.action == "ledger.e2",
                                                          AuditEvent.target_id == str(attempt_id))).scalars().all()
    assert len(journal) == 1
    with statements() as sent:
        assert not service.finalise(attempt_id, "candidate", clock.now)  # the loser writes nothing
    assert "INSERT" not in sent and sent.count("UPDATE") == 1

"""The ledger's service on a real database: recording, idempotence, corrections, grids."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from quiz.extensions import db
from quiz.ledger import service
from quiz.ledger.models import GradingAct, LedgerEntry
from quiz.ledger.service import CompetenceVerdict, LedgerError, StoredEvidence

TODAY = date(2026, 6, 15)


@pytest.fixture
def people(make_user, clock):
    candidate = make_user(cohort="Promo A")
    assessor = make_user(roles=("assessor",))
    return candidate, assessor


def grade(candidate, assessor, modality, codes, passed=True, on=TODAY, **kw):
    verdicts = [CompetenceVerdict(c, passed, {0: passed}) for c in codes]
    return service.record_grading(candidate.id, modality, verdicts, on, assessor.id, **kw)


def count_entries() -> int:
    return db.session.execute(select(func.count(LedgerEntry.id))).scalar_one()


# --- E2 -------------------------------------------------------------------------------------------


def test_e2_result_writes_one_entry_per_competence_of_the_thematic(people):
    candidate, _ = people
    entries = service.record_e2_result(candidate.id, 1, True, attempt_id=501, score=Fraction(7, 12))
    db.session.commit()
    assert sorted(e.competence for e in entries) == ["C15", "C6"]
    stored = db.session.execute(select(LedgerEntry).order_by(LedgerEntry.competence)).scalars().all()
    assert [(e.modality, e.thematic, e.passed, e.source, e.attempt_id) for e in stored] == [
        ("E2", 1, True, "e2_attempt", 501)
    ] * 2
    assert stored[0].score == Decimal("58.33") and stored[0].score_max == Decimal(100)
    assert stored[0].assessed_on == TODAY and stored[0].recorded_by_id is None


def test_e2_result_is_idempotent_per_attempt(people):
    candidate, _ = people
    first = service.record_e2_result(candidate.id, 2, True, attempt_id=7)
    db.session.commit()
    again = service.record_e2_result(candidate.id, 2, False, attempt_id=7)
    db.session.commit()
    assert [e.id for e in again] == [e.id for e in first]
    assert count_entries() == 2 and all(e.passed for e in again)


def test_e2_result_for_an_attempt_of_another_candidate_is_refused(people, make_user):
    candidate, _ = people
    service.record_e2_result(candidate.id, 2, True, attempt_id=8)
    db.session.commit()
    with pytest.raises(LedgerError):
        service.record_e2_result(make_user().id, 2, True, attempt_id=8)


def test_e2_result_losing_the_insert_race_returns_the_winners_entries(people, monkeypatch):
    """The check-then-insert window: the unique constraint decides, the loser reads the rows."""
    candidate, _ = people
    winner = service.record_e2_result(candidate.id, 3, True, attempt_id=9)
    db.session.commit()
    real = service._entries_of_attempt
    calls = iter([[]])
    monkeypatch.setattr(service, "_entries_of_attempt", lambda a: next(calls, None) or real(a))
    loser = service.record_e2_result(candidate.id, 3, True, attempt_id=9)
    db.session.commit()
    assert [e.id for e in loser] == [e.id for e in winner]
    assert count_entries() == 2


def test_e2_result_racing_threads_write_the_entries_once(app, people):
    candidate, _ = people
    candidate_id = candidate.id
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                entries = service.record_e2_result(candidate_id, 4, True, attempt_id=77)
                db.session.commit()
                results.append(sorted(e.id for e in entries))
            except Exception as exc:  # surfaced by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert count_entries() == 2


def test_e2_result_rolls_back_with_the_callers_transaction(people):
    candidate, _ = people
    service.record_e2_result(candidate.id, 6, True, attempt_id=11)
    db.session.rollback()
    assert count_entries() == 0


def test_unknown_thematic_is_refused(people):
    with pytest.raises(LedgerError):
        service.record_e2_result(people[0].id, 13, True, attempt_id=12)


# --- assessors ------------------------------------------------------------------------------------


def test_grading_several_competences_at_once_shares_the_act_and_its_evidence(people):
    candidate, assessor = people
    evidence = StoredEvidence("synthèse.pdf", "a" * 32, "application/pdf", 1234, "f" * 64)
    act = grade(candidate, assessor, "E5", ["C1", "C2", "C3", "C4"], comment=" Bonne synthèse ", evidence=[evidence])
    assert [e.competence for e in act.entries] == ["C1", "C2", "C3", "C4"]
    assert all(e.act_id == act.id and e.comment == "Bonne synthèse" for e in act.entries)
    assert [f.original_name for f in act.evidence] == ["synthèse.pdf"]
    assert service.candidate_status(candidate.id).competence("C1").validated
    assert service.candidate_status(candidate.id).competence("C1").date == TODAY


def test_grading_keeps_criteria_verdicts_and_score(people):
    candidate, assessor = people
    # « Acquis » with one criterion unmet: allowed with a justification, kept in the entry's comment.
    verdict = CompetenceVerdict("C5", True, {0: True, 1: False, 2: True, 3: True, 4: True}, Decimal("14.5"),
                                justification="Critère secondaire")
    act = service.record_grading(candidate.id, "E4", [verdict], TODAY, assessor.id)
    db.session.expire_all()
    entry = db.session.get(LedgerEntry, act.entries[0].id)
    assert entry.verdicts == {0: True, 1: False, 2: True, 3: True, 4: True}
    assert "Justification du résultat : Critère secondaire" in entry.comment
    assert entry.score == Decimal("14.50") and entry.score_max == Decimal(20)
    assert entry.recorded_by_id == assessor.id and entry.source == "assessor"


@pytest.mark.parametrize(
    ("modality", "codes", "kwargs"),
    [
        ("E5", ["C5"], {}),  # C5 is not assessed by E5
        ("E2", ["C13"], {}),  # E2 comes from questionnaires only
        ("E4", [], {}),
        ("E4", ["C5", "B2.1"], {}),  # the same competence twice, under both numberings
        ("E4", ["C99"], {}),
        ("E4", ["C5"], {"on": date(2026, 6, 16)}),  # in the future
    ],
)
def test_gradings_the_referential_does_not_allow_are_refused(people, modality, codes, kwargs):
    candidate, assessor = people
    with pytest.raises(LedgerError):
        grade(candidate, assessor, modality, codes, **kwargs)
    db.session.rollback()
    assert count_entries() == 0


def test_out_of_range_score_and_unknown_criterion_are_refused(people):
    candidate, assessor = people
    with pytest.raises(LedgerError):
        service.record_grading(candidate.id, "E4", [CompetenceVerdict("C5", True, {}, Decimal(21))], TODAY, assessor.id)
    with pytest.raises(LedgerError):
        service.record_grading(candidate.id, "E4", [CompetenceVerdict("C5", True, {9: True})], TODAY, assessor.id)


def test_grading_someone_who_is_not_a_candidate_is_refused(people):
    _, assessor = people
    with pytest.raises(LedgerError):
        grade(assessor, assessor, "E4", ["C5"])


def test_e1_is_recorded_for_any_competence_but_counts_for_nothing(people):
    candidate, assessor = people
    grade(candidate, assessor, "E1", ["C5"])
    assert count_entries() == 1
    assert not service.candidate_status(candidate.id).competence("C5").validated


# --- corrections ----------------------------------------------------------------------------------


def test_a_correction_replaces_an_entry_and_keeps_both_in_the_history(people):
    candidate, assessor = people
    original = grade(candidate, assessor, "E4", ["C5"]).entries[0]
    assert service.candidate_status(candidate.id).competence("C5").validated
    fix = service.record_correction(original.id, "Erreur de saisie", False, assessor.id, {0: False})
    assert fix.replaces_id == original.id and fix.correction_reason == "Erreur de saisie"
    assert not service.candidate_status(candidate.id).competence("C5").validated
    assert [e.id for e in service.history(candidate.id)] == [original.id, fix.id]
    assert not service.is_effective(original) and service.is_effective(fix)


def test_a_correction_needs_a_reason_and_an_effective_entry(people):
    candidate, assessor = people
    original = grade(candidate, assessor, "E4", ["C5"]).entries[0]
    with pytest.raises(LedgerError, match="motif"):
        service.record_correction(original.id, "   ", False, assessor.id)
    service.record_correction(original.id, "Erreur", False, assessor.id)
    with pytest.raises(LedgerError, match="déjà été corrigée"):
        service.record_correction(original.id, "Encore", True, assessor.id)
    with pytest.raises(LedgerError):
        service.record_correction(999_999, "Erreur", True, assessor.id)


def test_an_e2_entry_can_be_corrected_per_thematic(people):
    candidate, assessor = people
    entries = service.record_e2_result(candidate.id, 5, True, attempt_id=31)
    db.session.commit()
    target = next(e for e in entries if e.competence == "C16")
    fix = service.record_correction(target.id, "Tentative annulée (fraude)", False, assessor.id)
    assert (fix.modality, fix.thematic, fix.attempt_id) == ("E2", 5, None)
    status = service.candidate_status(candidate.id)
    assert not status.requirement("C16", "E2").met and status.requirement("C17", "E2").passed_thematics


# --- reading --------------------------------------------------------------------------------------


def test_cohort_grid_reads_the_entries_of_stale_statuses_only(app, people, make_user):
    candidate, assessor = people
    other = make_user(cohort="Promo A", last_name="Aaron")
    make_user(cohort="Promo B")
    make_user(roles=("trainer",), cohort="Promo A")
    grade(candidate, assessor, "E4", ["C5"])
    grade(other, assessor, "E4", ["C5"], passed=False)
    cohort_id = service.cohort_by_name("Promo A").id

    statements = []
    from sqlalchemy import event

    def count(_conn, _cursor, statement, *_args):
        if "ledger_entries" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        grid = service.cohort_grid(cohort_id)
        first = len(statements)
        again = service.cohort_grid(cohort_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Stale detection, then one read of the stale ones' entries; the second read finds none stale.
    assert (first, len(statements) - first) == (2, 1)
    assert again == grid
    assert [r.candidate.id for r in grid.rows] == [other.id, candidate.id]
    assert grid.rows[1].status.competence("C5").validated
    assert not grid.rows[0].status.competence("C5").validated


def test_pending_gradings_lists_what_assessors_still_have_to_grade(people):
    candidate, assessor = people
    grade(candidate, assessor, "E5", ["C1", "C2", "C3", "C4", "C8", "C10", "C11", "C12"])
    grade(candidate, assessor, "E3", ["C7"], passed=False)
    (row,) = service.pending_gradings(service.cohort_by_name("Promo A").id)
    assert row.candidate.id == candidate.id
    assert "E5" not in row.by_modality and "E1" not in row.by_modality
    e3 = {r.competence: r.state.value for r in row.by_modality["E3"]}
    assert e3 == {"C16": "pending", "C17": "pending", "C18": "pending", "C7": "failed", "C9": "pending"}
    assert len(row.by_modality["E4"]) == 17


def test_grading_acts_survive_in_order(people):
    candidate, assessor = people
    grade(candidate, assessor, "E4", ["C5"])
    grade(candidate, assessor, "E3", ["C7"])
    assert db.session.execute(select(func.count(GradingAct.id))).scalar_one() == 2

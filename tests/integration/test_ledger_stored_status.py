"""Stored statuses (the jury grid's cache): stale after every kind of ledger write, equal to the
rules once refreshed, rebuilt from the ledger, and a grid paginated and exported from them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, update

from quiz.assessments import marking
from quiz.assessments import service as assessments
from quiz.certification import service as certification
from quiz.extensions import db
from quiz.grading.evidence import Upload
from quiz.ledger import exports, rules, service
from quiz.ledger.cli import ledger_cli
from quiz.ledger.models import LedgerEntry, LedgerStatus
from quiz.ledger.service import CompetenceVerdict
from quiz.referential import load_referential
from tests.assessments_helpers import cohort_of, docx_bytes, make_session
from tests.helpers import text_of
from tests.integration.test_ledger_views import pass_everything

REF = load_referential()
TODAY = date(2026, 6, 15)


@pytest.fixture
def people(make_user, clock):
    candidate = make_user(cohort="Promo S", last_name="Bernard")
    assessor = make_user(roles=("assessor",))
    return candidate, assessor


def fresh(candidate_id: int) -> rules.Summary:
    """The stored summary after a refresh, checked against the rules run on the whole ledger."""
    assert candidate_id in service.stale_statuses()
    assert service.refresh_statuses() >= 1
    assert service.stale_statuses() == []
    stored = service.stored_summary(candidate_id)
    assert stored == rules.summarise(service.candidate_status(candidate_id))
    return stored


def grade(candidate, assessor, modality, codes, passed=True, commit=True):
    verdicts = [CompetenceVerdict(c, passed, {0: passed}) for c in codes]
    return service.record_grading(candidate.id, modality, verdicts, TODAY, assessor.id, commit=commit)


def test_every_kind_of_ledger_write_leaves_a_stale_status_that_the_refresh_makes_equal_to_the_rules(people):
    candidate, assessor = people
    service.write_e2_result(candidate.id, 1, True, 601, Fraction(9, 10), datetime(2026, 6, 15, 8, tzinfo=UTC))
    db.session.commit()
    assert fresh(candidate.id).competence("C6").state is rules.State.IN_PROGRESS  # E2 alone

    service.record_e2_result(candidate.id, 2, False, attempt_id=602, score=Fraction(1, 4))
    db.session.commit()
    fresh(candidate.id)

    grade(candidate, assessor, "E4", ["C5", "C6"])
    fresh(candidate.id)

    grade(candidate, assessor, "E3", ["C7"], passed=False, commit=False)  # as a double marking's decision
    db.session.commit()
    assert fresh(candidate.id).competence("C7").state is not rules.State.MET

    wrong = db.session.execute(select(LedgerEntry).where(LedgerEntry.competence == "C5",
                                                         LedgerEntry.modality == "E4")).scalar_one()
    service.record_correction(wrong.id, "Erreur de saisie", False, assessor.id)
    assert fresh(candidate.id).competence("C5").state is not rules.State.MET

    service.record_e2_correction(602, True, Fraction(3, 4), "Réponses tardives acceptées", assessor.id)
    db.session.commit()
    fresh(candidate.id)


def test_a_double_marking_decision_published_to_the_ledger(app, make_user, clock):
    admin = make_user(roles=("admin",))
    candidate = make_user(cohort="Promo D")
    [make_user(roles=("assessor",)) for _ in range(2)]
    session = make_session(admin, cohort_of(candidate), double_marking=True)
    assessments.deposit(session, candidate, [Upload("synthese.docx", io.BytesIO(docx_bytes(candidate.full_name)))],
                        candidate, 10 ** 7)
    marking.auto_allocate(session, admin)
    service.refresh_statuses()
    for m in session.submissions[0].markings:
        verdicts = [CompetenceVerdict(c, True, {i: True for i in range(len(REF.competence(c).criteria.items))})
                    for c in session.competences]
        marking.record_marking(m, verdicts, assessments.local_date_today(), "", m.assessor)
    assert marking.finalise(session, admin).decided == 1
    assert fresh(candidate.id).competence("C10").state is not rules.State.PENDING


def test_a_jury_decision_writes_no_entry_and_the_statuses_stay_fresh(people, make_user):
    candidate, assessor = people
    admin = make_user(roles=("admin",))
    pass_everything(candidate.id, assessor.id, list(REF.bloc("B1").competences), date(2026, 6, 1))
    summary = fresh(candidate.id)
    session = certification.create_session(TODAY, "Paris", [
        certification.MemberInput("Jeanne Président", "Directrice", True)], admin.id)
    certification.present_candidates(session.id, [candidate.id])
    certification.record_decision(session.id, candidate.id, "none", [], "Dossier à compléter", admin.id)
    assert service.stale_statuses() == []
    assert service.stored_summary(candidate.id) == summary == rules.summarise(service.candidate_status(candidate.id))


def test_the_e2_hand_in_writes_no_status(people):
    """The hot path stays two statements (the entries, the journal line): the status waits for a read."""
    candidate_id = people[0].id
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.connection()
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        service.write_e2_result(candidate_id, 3, True, 701, Fraction(1), datetime(2026, 6, 15, 8, tzinfo=UTC))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    db.session.commit()
    assert [s.split()[2] for s in statements if not s.startswith("SELECT")] == ["ledger_entries", "audit_events"]
    assert not any("ledger_statuses" in s for s in statements)


def test_stale_detection_counts_entries_and_watches_the_referential(people):
    candidate, assessor = people
    grade(candidate, assessor, "E4", ["C5"])
    fresh(candidate.id)
    # An entry with a lower id committed after the refresh: the highest id did not move, the count did.
    db.session.execute(update(LedgerStatus).values(entry_count=LedgerStatus.entry_count - 1))
    db.session.commit()
    assert service.stale_statuses() == [candidate.id]
    service.refresh_statuses()
    db.session.execute(update(LedgerStatus).values(referential="0" * 16))
    db.session.commit()
    assert service.stale_statuses() == [candidate.id]
    assert service.refresh_statuses() == 1 and service.stale_statuses() == []


def test_a_refresh_that_saw_fewer_entries_does_not_overwrite_a_newer_row(people):
    candidate, assessor = people
    grade(candidate, assessor, "E4", ["C5"])
    grade(candidate, assessor, "E4", ["C6"])
    service.refresh_statuses()
    row = db.session.get(LedgerStatus, candidate.id)
    older = {"candidate_id": candidate.id, "last_entry_id": row.last_entry_id - 1, "entry_count": 1,
             "referential": row.referential, "title_validated": False, "blocs_validated": 0,
             "summary": {"v": False, "t": None, "b": []}, "computed_at": row.computed_at}
    service._upsert_statuses([older])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(LedgerStatus, candidate.id).entry_count == 2


def test_rebuild_status_command_recomputes_everything_from_the_ledger(app, people):
    candidate, assessor = people
    grade(candidate, assessor, "E4", ["C5"])
    service.refresh_statuses()
    db.session.execute(update(LedgerStatus).values(summary={"v": True, "t": "2000-01-01", "b": []}))
    db.session.commit()
    assert service.stale_statuses() == []  # tampering with the cache is not staleness: hence the command
    result = app.test_cli_runner().invoke(ledger_cli, ["rebuild-status"])
    assert result.exit_code == 0 and "1 statut(s) recalculé(s)" in result.output
    db.session.expire_all()
    assert service.stored_summary(candidate.id) == rules.summarise(service.candidate_status(candidate.id))


def test_a_summary_round_trips_through_json_and_keeps_the_grid_cells(people):
    candidate, assessor = people
    pass_everything(candidate.id, assessor.id, list(REF.bloc("B2").competences), date(2026, 6, 1))
    grade(candidate, assessor, "E3", ["C7"], passed=False)
    status = service.candidate_status(candidate.id)
    summary = rules.summarise(status)
    assert rules.Summary.from_json(summary.to_json()) == summary
    assert summary.partial and [b.bloc for b in summary.validated_blocs] == ["B2"]
    person = service.Person(candidate.id, candidate.first_name, candidate.last_name, candidate.email)
    assert exports.row_cells(service.GridRow(person, summary)) == exports.row_cells(service.GridRow(person, status))


@pytest.fixture
def cohort(make_user, clock):
    """Five candidates of Promo P: two with the title, one with bloc B1, two with nothing."""
    assessor = make_user(roles=("assessor",))
    admin = make_user(roles=("admin",))
    codes = [c for b in REF.blocs for c in b.competences]
    people = [make_user(cohort="Promo P", first_name=f"P{n}", last_name=name)
              for n, name in enumerate(["Dupont", "Ébert", "Durand", "Martin", "Zola"])]
    for person in people[:2]:
        pass_everything(person.id, assessor.id, codes, date(2026, 5, 4))
    pass_everything(people[2].id, assessor.id, list(REF.bloc("B1").competences), date(2026, 5, 4))
    return {"admin": admin, "people": people, "id": service.cohort_by_name("Promo P").id}


def test_the_page_filters_every_candidate_and_reads_only_its_own_summaries(cohort):
    page = service.jury_page(cohort["id"], "", page=2, per_page=2)
    assert (page.total, page.page, page.pages) == (5, 2, 3)
    assert [r.candidate.last_name for r in page.rows] == ["Martin", "Zola"]  # casefold order: Ébert comes last
    titled = service.jury_page(cohort["id"], "titre", per_page=2)
    assert titled.total == 2 and all(r.status.validated for r in titled.rows)
    assert [r.candidate.last_name for r in service.jury_page(cohort["id"], "partiel").rows] == ["Durand"]
    assert service.jury_page(cohort["id"], "aucun").total == 2
    assert service.jury_page(cohort["id"], "", page=99, per_page=2).page == 3


def test_the_grid_page_has_an_accessible_pagination(client, login, cohort, monkeypatch):
    monkeypatch.setattr(service, "GRID_PAGE_SIZE", 2)
    login(client, cohort["admin"])
    response = client.get(f"/registre/jury?promotion={cohort['id']}&page=2")
    text = text_of(response)
    assert "5 candidats." in text and "Page 2 sur 3" in text
    html = response.get_data(as_text=True)
    assert 'aria-label="Pages de la grille"' in html and 'aria-current="page"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html and "page=3" in html


def test_exports_stream_every_candidate_of_the_selection_from_the_stored_summaries(client, login, cohort):
    login(client, cohort["admin"])
    response = client.get(f"/registre/jury/export.csv?promotion={cohort['id']}&statut=titre")
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["Dupont", "Ébert"] and rows[1][-1].startswith("Titre validé le")
    full = client.get(f"/registre/jury/export.xlsx?promotion={cohort['id']}")
    sheet = load_workbook(io.BytesIO(full.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    grid = service.cohort_grid(cohort["id"])
    assert values[1:] == [exports.row_cells(r) for r in grid.rows] and len(values) == 6
    assert sheet.freeze_panes == "D2" and values[0] == exports.grid_header(REF)


def test_a_score_of_an_e2_entry_is_no_part_of_the_summary(people):
    """The summary keeps states and dates only: a rescored pass that stays a pass changes nothing shown."""
    candidate, _ = people
    service.record_e2_result(candidate.id, 1, True, attempt_id=801, score=Fraction(4, 5))
    db.session.commit()
    before = fresh(candidate.id)
    service.record_e2_correction(801, True, Fraction(9, 10), "Barème corrigé", None)
    db.session.commit()
    assert fresh(candidate.id) == before
    scores = db.session.execute(select(LedgerEntry.score).where(LedgerEntry.candidate_id == candidate.id)).scalars()
    assert Decimal("90.00") in set(scores)

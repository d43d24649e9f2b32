"""Sensitive actions of the features are journaled: ledger gradings and corrections, E2 results,
bank publications, accommodations and session edits."""

from __future__ import annotations

from sqlalchemy import select

from quiz.audit.models import AuditEvent
from quiz.extensions import db
from quiz.referential import load_referential
from tests.security.conftest import client_as
from tests.security.world import build_world


def journal(prefix: str) -> list[AuditEvent]:
    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    return [e for e in rows if e.action.startswith(prefix)]


def grading_form(code="C10", passed=True, **extra):
    items = load_referential().competence(code).criteria.items
    data = {"assessed_on": "2026-06-10", "comment": "RAS", f"{code}_selected": "y", f"{code}_outcome": "1" if passed
            else "0"}
    return data | {f"{code}_criterion_{i}": "1" if passed else "0" for i in range(len(items))} | extra


def test_gradings_and_corrections_are_journaled_with_their_author(app, make_user, clock):
    world = build_world(make_user, clock)
    assessor, candidate = world.users["assessor"], world.users["candidate"]
    client = client_as(app, assessor)
    assert client.post(f"/evaluation/candidats/{candidate.id}/E5", data=grading_form()).status_code == 302
    (graded,) = [e for e in journal("ledger.grading") if e.actor_id == assessor.id]
    assert (graded.target_type, graded.target_id) == ("User", str(candidate.id))
    assert graded.details["modality"] == "E5" and graded.details["verdicts"] == {"C10": True}
    entry = world["candidate_entry"]
    data = grading_form(passed=False, reason="Grille mal remplie")
    del data["C10_selected"]
    assert client.post(f"/evaluation/corrections/{entry}", data=data).status_code == 302
    (corrected,) = journal("ledger.correction")
    assert (corrected.actor_id, corrected.target_type, corrected.target_id) == (assessor.id, "LedgerEntry", str(entry))
    assert corrected.details["reason"] == "Grille mal remplie" and corrected.details["passed"] is False


def test_e2_results_are_journaled_once_per_attempt(app, make_user, clock):
    world = build_world(make_user, clock)
    e2 = journal("ledger.e2")
    assert {e.target_id for e in e2} == {str(world["candidate_finished"]), str(world["other_finished"])}
    assert len(e2) == 2


def test_accommodations_and_session_edits_are_journaled(app, make_user, clock):
    world = build_world(make_user, clock)
    admin, candidate = world.users["admin"], world.users["candidate"]
    client = client_as(app, admin)
    client.post("/manage/accommodations", data={"candidate": candidate.id, "extra_time": "1/3",
                                                "reason": "Tiers-temps"})
    granted = journal("accommodation.")[-1]  # the world already granted one, for its E3 answer
    assert (granted.actor_id, granted.target_id) == (admin.id, str(candidate.id))
    assert granted.details["extra_time"] == "1/3"
    client.post(f"/manage/sessions/{world['session']}/edit", data={
        "questionnaire": str(world["questionnaire"]), "opens_at": "2026-06-15T09:00",
        "closes_at": "2026-06-20T18:00", "cohorts": [str(world["cohort"])]})
    (edited,) = journal("session.")
    assert (edited.actor_id, edited.target_type, edited.target_id) == (admin.id, "ExamSession", str(world["session"]))

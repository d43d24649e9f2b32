"""An attempt keeps the question versions it drew: a later publication changes nothing it shows."""

from __future__ import annotations

from quiz.banks.importer import import_banks
from quiz.exams import service
from quiz.referential import load_referential
from tests.helpers import EXAM_BANK


def test_review_of_an_earlier_attempt_shows_the_old_wording(client, login, clock, open_session, make_user):
    candidate = make_user(roles=("candidate",), cohort="Promotion test")
    attempt = service.start_attempt(candidate, open_session(review="review_after_close", closes_in=3600).id)
    service.submit(attempt)

    edited = EXAM_BANK.read_text(encoding="utf-8").replace("Quel est le BFRE ?", "Quel est le BFR d'exploitation ?")
    report = import_banks({"01-analyse-financiere.md": edited}, load_referential())
    assert [b.changed for b in report.banks] == [["AF-001"]]

    clock.advance(hours=2)
    login(client, candidate)
    page = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Quel est le BFRE ?" in page
    assert "Quel est le BFR d'exploitation ?" not in page

    newcomer = make_user(roles=("candidate",), cohort="Promotion test")
    fresh = service.start_attempt(newcomer, open_session(count=6).id)
    stems = [i.version.payload["stem"] for i in fresh.items]
    assert any("Quel est le BFR d'exploitation ?" in s for s in stems)
    assert not any("Quel est le BFRE ?" in s for s in stems)

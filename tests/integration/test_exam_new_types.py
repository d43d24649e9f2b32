"""Short answers, weighted choices and case contexts through a real attempt: drawn, shown,
saved, scored and reviewed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from quiz.banks.importer import import_banks
from quiz.exams import service
from quiz.exams.models import Attempt
from quiz.extensions import db
from quiz.referential import load_referential
from tests.helpers import FIXTURES, key_for, text_of

BANK = (FIXTURES / "case-bank.md").read_text(encoding="utf-8")


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test")


@pytest.fixture
def session_with_case(open_session):
    report = import_banks({"01-analyse-financiere.md": BANK}, load_referential())
    assert report.ok, report.problems
    return open_session(count=3)


def test_a_case_is_drawn_together_and_shown_with_its_questions(client, login, clock, session_with_case, candidate):
    login(client, candidate)
    client.post(f"/sessions/{session_with_case.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    codes = [i.version.payload["id"] for i in attempt.items]
    assert sorted(codes) == ["AF-051", "AF-052", "AF-053"]
    first = codes.index("AF-051")
    assert codes[first + 1] == "AF-052", "a case's questions follow each other in bank order"
    page = client.get(f"/attempts/{attempt.id}?q={first + 1}").get_data(as_text=True)
    assert page.count("Cas : La société Dupont") == 1 and "<strong>2 M€</strong>" in page
    assert f'name="q{first + 1}"' in page and f'name="q{first + 2}"' in page, "shown together"
    assert "cycle" not in page, "no accepted answer is served"


def test_short_and_weighted_answers_are_scored_and_reviewed(client, login, clock, session_with_case, candidate):
    attempt = service.start_attempt(candidate, session_with_case.id)
    by_code = {i.version.payload["id"]: i for i in attempt.items}
    service.save_answer(attempt, by_code["AF-051"].position, "2")
    service.save_answer(attempt, by_code["AF-052"].position, "  Vélo ")
    weighted = by_code["AF-053"]
    half = next(c["id"] for c in weighted.version.payload["choices"] if c.get("weight") == "50")
    service.save_answer(attempt, weighted.position, str(weighted.option_order.index(half) + 1))
    service.submit(attempt)
    assert attempt.score == Decimal(2)
    assert by_code["AF-052"].response == "Vélo"
    assert key_for(by_code["AF-052"]) == "cycle"


def test_a_short_answer_is_posted_by_the_plain_form(client, login, clock, session_with_case, candidate):
    login(client, candidate)
    client.post(f"/sessions/{session_with_case.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    item = next(i for i in attempt.items if i.version.payload["type"] == "short")
    response = client.post(f"/attempts/{attempt.id}", data={
        "shown": str(item.position), f"q{item.position}": "CYCLE", "go": str(item.position)})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.response == "CYCLE" and item.answered
    too_long = client.post(f"/attempts/{attempt.id}", data={
        "shown": str(item.position), f"q{item.position}": "x" * 300, "go": str(item.position)},
        follow_redirects=True)
    assert "Réponse trop longue : 200 caractères au plus." in text_of(too_long)
    db.session.refresh(item)
    assert item.response == "CYCLE"


def test_the_review_shows_the_case_accepted_answers_and_weights(client, login, clock, open_session, candidate):
    import_banks({"01-analyse-financiere.md": BANK}, load_referential())
    session = open_session(count=3, review="review_after_close", closes_in=3600)
    attempt = service.start_attempt(candidate, session.id)
    short = next(i for i in attempt.items if i.version.payload["type"] == "short")
    service.save_answer(attempt, short.position, "vélo")
    service.submit(attempt)
    login(client, candidate)
    clock.advance(hours=2)
    page = text_of(client.get(f"/attempts/{attempt.id}/review"))
    assert page.count("Cas : La société Dupont") == 1
    assert "Réponses acceptées" in page and "cycle" in page and "crédit 50 %" in page
    assert "en partie juste" in page

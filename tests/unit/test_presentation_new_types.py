"""What candidates see of a short answer or a case question, and what the review adds."""

import json

from quiz.banks import parse_bank
from quiz.exams.presentation import candidate_view, review_view
from tests.helpers import FIXTURES

BANK = (FIXTURES / "case-bank.md").read_text(encoding="utf-8")
QUESTIONS = {q.id: q.to_payload() for q in parse_bank(BANK, "01-analyse-financiere.md")[0].questions}


def test_a_short_answer_never_shows_its_accepted_answers_before_the_review():
    payload = QUESTIONS["AF-052"]
    shown = json.dumps(candidate_view(payload, []), ensure_ascii=False)
    assert "cycle" not in shown and "accepted" not in shown and "weight" not in shown
    assert "Dupont fabrique des vélos" in candidate_view(payload, [])["case"]["html"]
    review = review_view(payload, [], "Vélo")
    assert [a["text"] for a in review["accepted"]] == ["cycle", "vélo"] and review["response"] == "Vélo"


def test_weights_are_shown_in_the_review():
    payload = QUESTIONS["AF-053"]
    order = [c["id"] for c in payload["choices"]]
    assert "weight" not in json.dumps(candidate_view(payload, order))
    review = review_view(payload, order, "b")
    assert [o["weight"] for o in review["options"]] == ["0", "50", "100"]

"""Calculated questions through a real attempt: the instance drawn at start is stored with the item
and is the one shown, scored, reviewed, rescored and analysed; expiring keys are not drawn."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from quiz.banks.calculated import instantiate
from quiz.banks.importer import import_banks
from quiz.exams import admin, late, service
from quiz.exams.models import Attempt, LateAnswer
from quiz.exams.pages import attempt_page, review_page
from quiz.extensions import db
from quiz.referential import load_referential
from quiz.timeutil import utcnow
from tests.helpers import text_of

BANK = """---
thematic: 1
prefix: AF
title: Analyse financière
---

# Analyse financière

## AF-070 · Produit

```yaml
type: calculated
competences: [C15]
variables:
  a: {min: 2, max: 9, step: 1}
  b: {min: 10, max: 40, step: 10}
constraints: ["a * b != 60"]
answer: "a * b / 4"
tolerance: 0
decimals: 2
unit: k€
```

Combien vaut {a} × {b} / 4 ?

### Explication

{a} × {b} / 4 = {=answer} k€.

## AF-071 · Une règle datée

```yaml
type: truefalse
competences: [C15]
law_as_of: 2026-01-01
answer: true
valid_until: {until}
```

Le seuil est de 25 %.

### Explication

Jusqu'au changement de règle.
"""


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test")


def publish(until: str) -> None:
    report = import_banks({"01-analyse-financiere.md": BANK.replace("{until}", until)}, load_referential())
    assert report.ok, report.problems


def calculated_item(attempt: Attempt):
    return next(i for i in attempt.items if i.version.payload["type"] == "calculated")


def test_the_instance_is_stored_at_start_and_used_everywhere(app, clock, open_session, candidate):
    publish("2030-12-31")
    session = open_session(count=2)
    attempt = service.start_attempt(candidate, session.id)
    item = calculated_item(attempt)
    a, b = int(item.instance["a"]), int(item.instance["b"])
    assert 2 <= a <= 9 and b in (10, 20, 30, 40) and a * b != 60
    page = attempt_page(attempt, item.position)
    view = next(v for v in page["items"] if v["position"] == item.position)["view"]
    assert view["type"] == "numeric" and f"Combien vaut {a} × {b} / 4" in view["stem_html"]
    assert "{a}" not in view["stem_html"] and view["unit"] == "k€"
    key = Decimal(a * b) / 4
    service.save_answer(attempt, item.position, str(key).replace(".", ","))
    service.submit(attempt)
    db.session.refresh(item)
    assert item.credit == Decimal(1), "scored against this candidate's instance"
    reviewed = next(v for v in review_page(attempt)["items"] if v["position"] == item.position)["view"]
    assert reviewed["key_shown"] == f"{key:.2f}".replace(".", ",")
    assert f"{a} × {b} / 4 = {reviewed['key_shown']} k€" in reviewed["explanation_html"]


def test_a_late_answer_is_rescored_with_the_stored_instance(app, clock, open_session, candidate, make_user):
    publish("2030-12-31")
    session = open_session(count=2)
    attempt = service.start_attempt(candidate, session.id)
    item = calculated_item(attempt)
    service.save_answer(attempt, item.position, "0,01")
    service.submit(attempt)
    db.session.refresh(item)
    assert item.credit == Decimal(0)
    key = Decimal(int(item.instance["a"]) * int(item.instance["b"])) / 4
    db.session.add(LateAnswer(attempt_id=attempt.id, position=item.position, response=str(key), received_at=utcnow()))
    db.session.commit()
    admin_user = make_user(roles=("admin",))
    decision = late.decide(attempt.id, True, "coupure réseau attestée", admin_user)
    assert decision.score == Decimal(1), "the other question is unanswered; the late key is this instance's"
    assert Decimal(instantiate(item.version.payload, item.instance)["answer"]) == key


def test_instances_differ_between_candidates_and_follow_the_grid(app, clock, open_session, make_user):
    publish("2030-12-31")
    session = open_session(count=2)
    seen = set()
    for n in range(12):
        user = make_user(roles=("candidate",), cohort="Promotion test", email=f"c{n}@example.org")
        attempt = service.start_attempt(user, session.id)
        seen.add(tuple(sorted(calculated_item(attempt).instance.items())))
    assert len(seen) > 1


def test_a_question_whose_key_expires_before_the_closing_is_not_drawn(app, clock, open_session, candidate):
    publish("2026-06-15")  # the clock is at 2026-06-15 08:00: a session closing on the 16th is after it
    session = open_session(count=2, closes_in=30 * 3600)
    assert admin.expiring_questions(1, session.closes_at) == 1
    attempt = service.start_attempt(candidate, session.id)
    assert [i.version.payload["id"] for i in attempt.items] == ["AF-070"]
    same_day = open_session(count=2, closes_in=3 * 3600, cohort="Autre")
    assert admin.expiring_questions(1, same_day.closes_at) == 0


def test_the_session_page_says_how_many_questions_are_left_out(client, login, clock, open_session, make_user):
    publish("2026-06-15")
    session = open_session(count=2, closes_in=30 * 3600)
    trainer = make_user(roles=("trainer",))
    login(client, trainer)
    page = text_of(client.get(f"/manage/sessions/{session.id}"))
    assert "1 question de la banque n'est pas tirée dans cette session : sa réponse n'est plus valable" in page


def test_items_of_other_types_have_no_instance(app, clock, open_session, candidate):
    publish("2030-12-31")
    attempt = service.start_attempt(candidate, open_session(count=2).id)
    other = next(i for i in attempt.items if i.version.payload["type"] != "calculated")
    assert other.instance is None
    assert db.session.execute(select(Attempt.id)).scalar_one() == attempt.id


def test_the_workshop_lists_questions_to_review_expired_first(client, login, clock, make_user):
    from datetime import date

    from quiz.authoring.service import review_queue

    dated = BANK.replace("{until}", "2026-06-15").replace(
        "type: calculated\n", "type: calculated\nreview_by: 2026-09-01\n")
    assert import_banks({"01-analyse-financiere.md": dated}, load_referential()).ok
    queue = review_queue(today=date(2026, 6, 20))
    assert [(r.code, r.review_by, r.valid_until) for r in queue] == [
        ("AF-071", None, "2026-06-15"), ("AF-070", "2026-09-01", None)], "the expired key comes first"
    assert [r.code for r in review_queue(today=date(2026, 6, 1))] == ["AF-071", "AF-070"], "then the soonest date"
    login(client, make_user(roles=("trainer",)))
    response = client.get("/atelier/banques")
    assert response.status_code == 200, response.status_code
    page = text_of(response)
    assert "Questions à relire" in page and "AF-071</a> · Une règle datée" in page


def test_item_statistics_count_each_candidate_against_their_own_instance(app, clock, open_session, make_user):
    from quiz.authoring.item_analysis import analyse

    publish("2030-12-31")
    session = open_session(count=2)
    for n in range(3):
        user = make_user(roles=("candidate",), cohort="Promotion test", email=f"s{n}@example.org")
        attempt = service.start_attempt(user, session.id)
        item = calculated_item(attempt)
        key = Decimal(int(item.instance["a"]) * int(item.instance["b"])) / 4
        service.save_answer(attempt, item.position, str(key) if n < 2 else str(key + 1))
        service.submit(attempt)
    report = analyse(session.questionnaire)
    row = next(r for r in report.items if r.version.payload["type"] == "calculated")
    assert row.stats.drawn == 3 and abs(row.stats.facility - 2 / 3) < 1e-9

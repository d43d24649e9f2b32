"""The life of an E2 attempt on a real database: start, save, deadline, grace, submit, ledger."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select, update

from quiz.exams import service
from quiz.exams.models import Accommodation, Attempt, AttemptItem
from quiz.extensions import db
from quiz.ledger.models import LedgerEntry
from tests.helpers import key_for, text_of, wrong_for


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test")


def _payloads(attempt):
    return {item.position: item.version.payload for item in attempt.items}


def _ledger_count(attempt_id):
    return db.session.execute(select(func.count()).where(LedgerEntry.attempt_id == attempt_id)).scalar()


def test_start_draws_versions_and_sets_the_deadline_on_the_server(clock, open_session, candidate):
    session = open_session(count=4)
    attempt = service.start_attempt(candidate, session.id)
    assert len(attempt.items) == 4
    assert len({i.question_version_id for i in attempt.items}) == 4
    assert attempt.deadline == clock.now + timedelta(minutes=30)
    assert service.start_attempt(candidate, session.id).id == attempt.id


def test_extra_time_is_added_exactly_but_never_past_the_window(clock, open_session, candidate):
    """A tiers-temps is a third: 30 minutes become 40, not 39 min 54 s (33 %)."""
    db.session.add(Accommodation(user_id=candidate.id, extra_time=Fraction(1, 3), reason="tiers-temps"))
    db.session.commit()
    attempt = service.start_attempt(candidate, open_session(minutes=30).id)
    assert attempt.deadline == clock.now + timedelta(minutes=40)

    short = open_session(cohort="Promotion test", minutes=30, closes_in=600)
    late = service.start_attempt(candidate, short.id)
    assert late.deadline == short.closes_at


def test_candidate_outside_the_cohorts_cannot_start(clock, open_session, make_user):
    outsider = make_user(roles=("candidate",), cohort="Autre promotion")
    with pytest.raises(service.NotAllowed):
        service.start_attempt(outsider, open_session().id)


def test_closed_or_future_sessions_cannot_be_started(clock, open_session, candidate):
    with pytest.raises(service.ExamError, match="pas ouverte"):
        service.start_attempt(candidate, open_session(opens_in=600).id)
    with pytest.raises(service.ExamError, match="pas ouverte"):
        service.start_attempt(candidate, open_session(opens_in=-7200, closes_in=-60).id)


@pytest.mark.parametrize(("right", "passed"), [(6, True), (4, True), (3, False)])
def test_scoring_and_threshold_reach_the_ledger(clock, open_session, candidate, right, passed):
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    for item in attempt.items:
        service.save_answer(attempt, item.position, key_for(item) if item.position <= right else wrong_for(item))
    service.submit(attempt)
    assert attempt.finished and attempt.passed is passed
    assert attempt.score == Decimal(right) and attempt.total == 6
    entries = db.session.execute(select(LedgerEntry).where(LedgerEntry.attempt_id == attempt.id)).scalars().all()
    assert sorted(e.competence for e in entries) == ["C15", "C6"]
    assert all(e.passed is passed and e.modality == "E2" and e.thematic == 1 for e in entries)


def test_submitting_twice_gives_one_result_and_one_set_of_entries(clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    service.submit(attempt)
    finished_at = attempt.finished_at
    clock.advance(seconds=5)
    service.submit(attempt)
    assert attempt.finished_at == finished_at
    assert _ledger_count(attempt.id) == 2
    assert service.finalise(attempt.id, "candidate") is False


def test_a_save_within_grace_counts_and_a_late_save_is_refused(clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    clock.advance(minutes=30, seconds=10)
    service.save_answer(attempt, 1, key_for(attempt.items[0]))
    clock.advance(seconds=10)
    with pytest.raises(service.AttemptClosed):
        service.save_answer(attempt, 2, key_for(attempt.items[1]))
    db.session.refresh(attempt)
    assert attempt.finished and attempt.finished_by == "deadline"
    assert attempt.score == Decimal(1)
    assert attempt.items[1].response is None


def test_expired_attempts_are_finalised_by_the_command(clock, open_session, candidate, app):
    attempt = service.start_attempt(candidate, open_session().id)
    clock.advance(minutes=31)
    result = app.test_cli_runner().invoke(args=["attempts", "finalize-expired"])
    assert "1 tentative remise." in result.output
    db.session.refresh(attempt)
    assert attempt.finished and _ledger_count(attempt.id) == 2


def test_starting_again_after_the_deadline_finalises_and_says_so(clock, open_session, candidate):
    session = open_session()
    service.start_attempt(candidate, session.id)
    clock.advance(minutes=45)
    with pytest.raises(service.AttemptClosed):
        service.start_attempt(candidate, session.id)


def test_a_second_attempt_only_when_allowed(clock, open_session, candidate):
    session = open_session(attempts=2)
    first = service.start_attempt(candidate, session.id)
    service.submit(first)
    second = service.start_attempt(candidate, session.id)
    assert second.id != first.id and second.number == 2
    service.submit(second)
    with pytest.raises(service.ExamError, match="toutes les tentatives"):
        service.start_attempt(candidate, session.id)


def test_trial_runs_never_reach_the_ledger(clock, open_session, make_user):
    trainer = make_user(roles=("trainer",))
    session = open_session()
    attempt = service.start_trial(trainer, session.questionnaire_id)
    service.submit(attempt)
    assert attempt.finished and attempt.trial
    assert _ledger_count(attempt.id) == 0


def test_invalid_responses_are_refused(clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    kinds = {p["type"]: pos for pos, p in _payloads(attempt).items()}
    with pytest.raises(service.ExamError):
        service.save_answer(attempt, kinds["single"], "zz")
    with pytest.raises(service.ExamError):
        service.save_answer(attempt, kinds["ordering"], ["a"])
    with pytest.raises(service.ExamError):
        service.save_answer(attempt, 99, "a")


def test_concurrent_submits_give_one_result(app, clock, open_session, candidate):
    attempt_id = service.start_attempt(candidate, open_session().id).id
    db.session.remove()
    winners = []
    barrier = threading.Barrier(2)

    def submit():
        with app.app_context():
            barrier.wait()
            winners.append(service.finalise(attempt_id, "candidate"))
            db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == [False, True]
    assert _ledger_count(attempt_id) == 2


def _in_thread(app, work):
    """Run `work` in another thread with its own session; returns the thread and what it gave or raised."""
    outcome = {}

    def run():
        with app.app_context():
            try:
                outcome["value"] = work()
            except Exception as exc:  # handed to the test
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _stored(item, shown):
    payload = item.version.payload
    return service.normalise_response(payload, service.from_display(payload, item.option_order, shown))


def test_a_finalisation_waits_for_a_save_in_flight_and_counts_it(app, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    item, attempt_id = attempt.items[0], attempt.id
    items = AttemptItem.__table__
    with db.engine.connect() as other:  # a save that has written its item and not yet committed
        other.execute(update(items).where(items.c.id == item.id, items.c.credit.is_(None))
                      .values(response=_stored(item, key_for(item)), answered=True))
        db.session.remove()
        thread, outcome = _in_thread(app, lambda: service.finalise(attempt_id, "candidate"))
        thread.join(timeout=1)
        assert thread.is_alive(), "the finalisation must wait for the save"
        other.commit()
    thread.join(timeout=30)
    assert outcome == {"value": True}
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.items[0].credit == 1 and attempt.score == 1


def test_a_save_that_waited_on_a_finalisation_is_refused(app, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    item, attempt_id, candidate_id = attempt.items[0], attempt.id, candidate.id
    shown = key_for(item)
    items, attempts = AttemptItem.__table__, Attempt.__table__
    with db.engine.connect() as other:  # a finalisation that has locked and scored the items
        other.execute(update(attempts).where(attempts.c.id == attempt_id).values(status="finished"))
        other.execute(update(items).where(items.c.attempt_id == attempt_id).values(credit=0))
        db.session.remove()
        thread, outcome = _in_thread(app, lambda: service.write_answer(candidate_id, attempt_id, 1, raw=shown))
        thread.join(timeout=1)
        assert thread.is_alive(), "the save must wait for the finalisation"
        other.commit()
    thread.join(timeout=30)
    assert isinstance(outcome.get("error"), service.AttemptClosed)
    assert db.session.get(AttemptItem, item.id).response is None


# --- through HTTP ---------------------------------------------------------------------------


def test_candidate_takes_a_questionnaire_through_the_api(client, login, clock, open_session, candidate):
    session = open_session(count=6)
    login(client, candidate)
    page = client.get("/questionnaires").get_data(as_text=True)
    assert "Analyse financière — test" in page and "Commencer" in page
    response = client.post(f"/sessions/{session.id}/start")
    attempt_url = response.headers["Location"]
    attempt = db.session.execute(select(Attempt)).scalar_one()
    for item in attempt.items:
        position = item.position
        reply = client.post(f"/api/attempts/{attempt.id}/answers/{position}",
                            json={"response": key_for(item), "flagged": position == 2})
        assert reply.status_code == 200 and reply.json["saved"] is True
    html = client.get(attempt_url).get_data(as_text=True)
    assert "explication-secrete-AF001" not in html and "Les dettes fournisseurs se retranchent" not in html
    status = client.get(f"/api/attempts/{attempt.id}/status").json
    assert status["status"] == "in_progress" and status["unanswered"] == 0
    assert 0 < status["remaining_seconds"] <= 1800
    assert client.get(f"/attempts/{attempt.id}/submit").status_code == 200
    client.post(f"/attempts/{attempt.id}/submit")
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Réussi" in result and "6 bonnes réponses sur 6" in result


def test_the_plain_form_works_without_javascript(client, login, clock, open_session, candidate):
    session = open_session(count=6)
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    single = next(i for i in attempt.items if i.version.payload["type"] == "single")
    key = key_for(single)
    response = client.post(f"/attempts/{attempt.id}", data={
        "shown": str(single.position), f"q{single.position}": key, f"flag{single.position}": "1",
        "go": str(single.position + 1)})
    assert response.status_code == 302
    db.session.refresh(single)
    assert key_for(single) == key and single.response == next(
        c["id"] for c in single.version.payload["choices"] if c["correct"]) and single.flagged


def test_a_late_api_save_gets_a_clear_refusal(client, login, clock, open_session, candidate):
    session = open_session()
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    clock.advance(minutes=40)
    reply = client.post(f"/api/attempts/{attempt.id}/answers/1", json={"response": None,
                                                                       "deadline": "2099-01-01T00:00:00Z"})
    assert reply.status_code == 409
    assert "temps était écoulé" in reply.json["message"] and reply.json["stored_late"] is True
    assert reply.json["finished"] is True


def test_nobody_reaches_another_candidates_attempt(client, login, clock, open_session, candidate, make_user):
    session = open_session()
    attempt = service.start_attempt(candidate, session.id)
    other = make_user(roles=("candidate",), cohort="Promotion test")
    login(client, other)
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.post(f"/api/attempts/{attempt.id}/answers/1", json={"response": "a"}).status_code == 404
    assert client.get(f"/attempts/{attempt.id}/result").status_code == 404


def test_no_answer_key_in_anything_served_during_the_attempt(client, login, clock, open_session, candidate):
    session = open_session(count=6)
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    served = [client.get(f"/attempts/{attempt.id}?mode=all").get_data(as_text=True)]
    for position in range(1, 7):
        served.append(client.get(f"/attempts/{attempt.id}?mode=one&q={position}").get_data(as_text=True))
        served.append(json.dumps(client.post(f"/api/attempts/{attempt.id}/answers/{position}",
                                             json={"flagged": True}).json))
    served.append(json.dumps(client.get(f"/api/attempts/{attempt.id}/status").json))
    text = "\n".join(served)
    for payload in _payloads(attempt).values():
        assert payload["explanation"].split(":")[0][:30] not in text
        for choice in payload.get("choices", []):
            if choice.get("feedback"):
                assert choice["feedback"] not in text
    assert '"correct"' not in text and "tolerance" not in text
    for item in attempt.items:
        if item.version.payload["type"] in ("single", "multiple"):
            assert f'id="q{item.position}-a"' not in text


def test_choice_values_are_shown_positions_not_bank_ids(clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    single = next(i for i in attempt.items if i.version.payload["type"] == "single")
    correct = next(c["id"] for c in single.version.payload["choices"] if c["correct"])
    service.save_answer(attempt, single.position, str(single.option_order.index(correct) + 1))
    db.session.refresh(single)
    assert single.response == correct
    with pytest.raises(service.ExamError):
        service.save_answer(attempt, single.position, correct)


def test_review_only_after_the_window_closes(client, login, clock, open_session, candidate):
    session = open_session(review="review_after_close", closes_in=3600)
    attempt = service.start_attempt(candidate, session.id)
    service.submit(attempt)
    login(client, candidate)
    assert client.get(f"/attempts/{attempt.id}/review").status_code == 403
    clock.advance(hours=2)
    page = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "explication-secrete-AF001" in page


def test_unreadable_numbers_are_refused_with_a_hint(clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    numeric = next(i for i in attempt.items if i.version.payload["type"] == "numeric")
    with pytest.raises(service.ExamError, match="n'est pas un nombre reconnu"):
        service.save_answer(attempt, numeric.position, "abc")
    service.save_answer(attempt, numeric.position, "1 250,5")
    assert service.unanswered_count(attempt) == 5


def test_a_questionnaire_cannot_ask_for_more_than_its_bank(client, login, make_user, exam_bank):
    login(client, make_user(roles=("trainer",)))
    response = client.post("/manage/questionnaires/new", data={
        "thematic": "1", "title": "Trop long", "question_count": "80", "duration_minutes": "30",
        "draw_rule": "uniform", "attempts_allowed": "1", "review_score": "immediately"})
    assert response.status_code == 200
    assert "ne contient que 6 questions" in text_of(response)


def test_a_started_session_keeps_its_questionnaire(client, login, clock, open_session, candidate, make_user):
    session = open_session()
    other = open_session()
    service.start_attempt(candidate, session.id)
    login(client, make_user(roles=("admin",)))
    response = client.post(f"/manage/sessions/{session.id}/edit", data={
        "questionnaire": str(other.questionnaire_id), "opens_at": "2026-06-15T09:00",
        "closes_at": "2026-06-15T18:00", "cohorts": [str(session.cohorts[0].id)]})
    assert "ne peut plus changer" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.questionnaire_id != other.questionnaire_id


def test_candidate_sees_the_time_available_before_starting(client, login, clock, open_session, candidate):
    db.session.add(Accommodation(user_id=candidate.id, extra_time=Fraction(1, 2)))
    db.session.commit()
    open_session(minutes=30)
    open_session(minutes=30, closes_in=600)
    login(client, candidate)
    page = client.get("/questionnaires").get_data(as_text=True)
    assert "Temps disponible\u00a0: 45 minutes" in page
    assert "Temps disponible\u00a0: 10 minutes" in page and "ferme avant la fin" in page


def test_an_attempt_known_to_the_process_stays_closed_to_others(client, login, clock, open_session, candidate,
                                                                 make_user):
    """Autosave keeps each attempt's drawn questions in memory: that must not open them to anyone else."""
    session = open_session()
    attempt = service.start_attempt(candidate, session.id)
    item = attempt.items[0]
    service.save_answer(attempt, item.position, key_for(item))  # the owner's save: the process now knows it
    db.session.refresh(item)
    owners = item.response
    other = make_user(roles=("candidate",), cohort="Promotion test")
    login(client, other)
    reply = client.post(f"/api/attempts/{attempt.id}/answers/{item.position}", json={"response": wrong_for(item)})
    assert reply.status_code == 404
    assert client.get(f"/api/attempts/{attempt.id}/status").status_code == 404
    db.session.refresh(item)
    assert owners is not None and item.response == owners


def test_a_save_after_hand_in_is_refused_though_the_process_knows_the_attempt(client, login, clock, open_session,
                                                                              candidate):
    session = open_session(count=6)
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    first, second = attempt.items[0], attempt.items[1]
    assert client.post(f"/api/attempts/{attempt.id}/answers/1", json={"response": key_for(first)}).status_code == 200
    client.post(f"/attempts/{attempt.id}/submit")
    reply = client.post(f"/api/attempts/{attempt.id}/answers/2", json={"response": key_for(second)})
    assert reply.status_code == 409 and reply.json["finished"] is True
    assert reply.json["result_url"].endswith(f"/attempts/{attempt.id}/result")
    db.session.refresh(second)
    assert second.response is None
    assert client.get(f"/api/attempts/{attempt.id}/status").json == {
        "status": "finished", "remaining_seconds": 0, "unanswered": None,
        "result_url": f"/attempts/{attempt.id}/result"}


def test_the_status_poll_hands_in_an_attempt_whose_time_is_over(client, login, clock, open_session, candidate):
    session = open_session()
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    assert client.get(f"/api/attempts/{attempt.id}/status").json["unanswered"] == len(attempt.items)
    clock.advance(minutes=40)
    assert client.get(f"/api/attempts/{attempt.id}/status").json["status"] == "finished"
    db.session.refresh(attempt)
    assert attempt.finished_by == "deadline" and _ledger_count(attempt.id) > 0


def test_an_autosave_does_not_resend_the_session_cookie_each_time(client, login, clock, open_session, candidate):
    """The cookie is re-issued when the idle stamp moves (15 s at most), not on every save."""
    session = open_session()
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    item = attempt.items[0]

    def save():
        return client.post(f"/api/attempts/{attempt.id}/answers/{item.position}", json={"response": key_for(item)})

    clock.advance(seconds=20)
    assert "Set-Cookie" in save().headers
    assert "Set-Cookie" not in save().headers
    clock.advance(seconds=20)
    assert "Set-Cookie" in save().headers

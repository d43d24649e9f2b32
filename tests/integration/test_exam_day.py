"""Exam day without a hole: early closing, late answers, the page's own hand-in, what candidates see."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from quiz.audit.models import AuditEvent
from quiz.exams import late, service, sweeper
from quiz.exams.admin import to_local
from quiz.exams.models import Accommodation, Attempt, LateAnswer, LateDecision
from quiz.extensions import db
from quiz.ledger.models import LedgerEntry
from tests.helpers import key_for, text_of, wrong_for


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test", first_name="Alice", last_name="Martin")


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


def _edit_form(session, closes_at, **extra) -> dict:
    return {"questionnaire": str(session.questionnaire_id), "opens_at": to_local(session.opens_at).strftime(
        "%Y-%m-%dT%H:%M"), "closes_at": to_local(closes_at).strftime("%Y-%m-%dT%H:%M"),
        "cohorts": [str(c.id) for c in session.cohorts]} | extra


def _client_of(client, login, user):
    """A browser of its own for `user` (another person at another computer)."""
    other = client.application.test_client()
    login(other, user)
    return other


def _items(attempt):
    return {i.position: i for i in attempt.items}


# --- 1. closing early -------------------------------------------------------------------------


def test_closing_a_session_early_cuts_the_attempts_in_progress(client, login, clock, open_session, candidate, admin):
    session = open_session(minutes=60)
    attempt = service.start_attempt(candidate, session.id)
    first = _items(attempt)[1]
    # The process now holds this attempt's questions (and its deadline) in its cache.
    assert service.write_answer(candidate.id, attempt.id, 1, raw=key_for(first)) == 3600
    login(client, admin)
    new_close = clock.now + timedelta(minutes=20)

    warned = client.post(f"/manage/sessions/{session.id}/edit", data=_edit_form(session, new_close))
    assert warned.status_code == 200
    assert "1 tentative en cours sera écourtée" in text_of(warned)
    db.session.refresh(attempt)
    assert attempt.deadline == clock.now + timedelta(minutes=60), "nothing changes before it is confirmed"

    done = client.post(f"/manage/sessions/{session.id}/edit", data=_edit_form(session, new_close, confirm_cut="1"))
    assert done.status_code == 302
    db.session.refresh(attempt)
    assert attempt.deadline == new_close
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "session.save")).scalar_one()
    assert event.details["attempts_cut"] == 1

    # The candidate's next save learns the new remaining time, even from a process that cached the old one.
    clock.advance(minutes=5)
    assert service.write_answer(candidate.id, attempt.id, 2, raw=key_for(_items(attempt)[2])) == 15 * 60
    status = service.progress(candidate.id, attempt.id)
    assert status.remaining_seconds == 15 * 60

    # And nothing is acknowledged past the new closing time (plus grace).
    clock.advance(minutes=16)
    with pytest.raises(service.AttemptClosed):
        service.write_answer(candidate.id, attempt.id, 3, raw=key_for(_items(attempt)[3]))
    db.session.refresh(attempt)
    assert attempt.finished and attempt.finished_by == "deadline"
    assert _items(attempt)[3].response is None


def test_the_edit_form_says_how_many_attempts_are_running(client, login, clock, open_session, candidate, admin):
    session = open_session(minutes=60)
    service.start_attempt(candidate, session.id)
    login(client, admin)
    page = text_of(client.get(f"/manage/sessions/{session.id}/edit"))
    assert "1 tentative est en cours" in page


def test_an_accommodation_never_runs_past_the_new_closing(clock, open_session, candidate, admin):
    from quiz.exams.admin import save_session

    db.session.add(Accommodation(user_id=candidate.id, extra_time=Fraction(1, 3)))
    db.session.commit()
    session = open_session(minutes=30)
    attempt = service.start_attempt(candidate, session.id)
    assert attempt.deadline == clock.now + timedelta(minutes=40)
    new_close = clock.now + timedelta(minutes=35)
    save_session(session, session.questionnaire_id, to_local(session.opens_at), to_local(new_close),
                 [c.id for c in session.cohorts], admin)
    db.session.refresh(attempt)
    assert attempt.deadline == new_close


# --- 2. the servers hand in by themselves -----------------------------------------------------


def test_one_process_takes_each_turn(app, clock):
    period = timedelta(seconds=20)
    assert sweeper.take_turn("t", period) is True
    assert sweeper.take_turn("t", period) is False
    clock.advance(seconds=21)
    assert [sweeper.take_turn("t", period), sweeper.take_turn("t", period)] == [True, False]


def test_a_sweep_hands_in_expired_attempts_once(app, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(minutes=30).id)
    app.config["SWEEP_SECONDS"] = 20
    clock.advance(minutes=31)
    assert sweeper.sweep_once(app) == 1
    assert sweeper.sweep_once(app) == 0  # not its turn
    clock.advance(seconds=30)
    assert sweeper.sweep_once(app) == 0  # its turn, nothing left to do
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).finished_by == "deadline"
    assert db.session.execute(select(func.count()).where(LedgerEntry.attempt_id == attempt.id)).scalar() >= 1


# --- 4. late answers --------------------------------------------------------------------------


def _late_attempt(client, login, clock, open_session, candidate):
    """An attempt whose two last answers reach the server after the end, as a device back online sends them."""
    session = open_session(minutes=30)
    attempt = service.start_attempt(candidate, session.id)
    items = _items(attempt)
    service.write_answer(candidate.id, attempt.id, 1, raw=key_for(items[1]))
    device_time = clock.now + timedelta(minutes=29)
    clock.advance(minutes=45)
    login(client, candidate)
    replies = [client.post(f"/api/attempts/{attempt.id}/answers/{p}",
                           json={"response": key_for(items[p]), "flagged": False,
                                 "answered_at": device_time.isoformat()}) for p in (2, 3)]
    return attempt, replies, device_time


def test_answers_sent_after_the_end_are_kept_apart_and_not_counted(client, login, clock, open_session, candidate):
    attempt, replies, device_time = _late_attempt(client, login, clock, open_session, candidate)
    assert [r.status_code for r in replies] == [409, 409]
    assert all(r.json["stored_late"] for r in replies)
    db.session.refresh(attempt)
    assert attempt.finished and attempt.finished_by == "deadline" and attempt.score == 1
    kept = db.session.execute(select(LateAnswer).order_by(LateAnswer.position)).scalars().all()
    assert [k.position for k in kept] == [2, 3]
    assert kept[0].device_at == device_time and kept[0].received_at == clock.now
    assert kept[0].response is not None and kept[0].decision_id is None

    page = text_of(client.get(f"/attempts/{attempt.id}/result"))
    assert "1 bonne réponse sur 6" in page
    assert "2 réponses arrivées après la fin du temps" in page
    assert "1 question avait une réponse enregistrée à la remise" in page
    assert "en attente" in page


def test_a_candidates_own_hand_in_keeps_no_late_answer(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    service.submit(attempt)
    login(client, candidate)
    reply = client.post(f"/api/attempts/{attempt.id}/answers/1", json={"response": key_for(_items(attempt)[1])})
    assert reply.status_code == 409 and not reply.json["stored_late"]
    assert db.session.execute(select(func.count()).select_from(LateAnswer)).scalar() == 0


def test_accepting_late_answers_rescores_and_corrects_the_ledger(client, login, clock, open_session, candidate,
                                                                 admin):
    attempt, _replies, _ = _late_attempt(client, login, clock, open_session, candidate)
    originals = db.session.execute(select(LedgerEntry).where(LedgerEntry.attempt_id == attempt.id)).scalars().all()
    assert originals and not originals[0].passed
    staff = _client_of(client, login, admin)
    follow_up = text_of(staff.get(f"/manage/sessions/{attempt.session_id}"))
    assert "2 réponses tardives" in follow_up and "2 en attente de décision" in follow_up
    assert "Réponses tardives d'Alice Martin" in text_of(staff.get(f"/manage/attempts/{attempt.id}/late"))

    refused = staff.post(f"/manage/attempts/{attempt.id}/late", data={"decision": "accept", "reason": " "})
    assert refused.status_code == 200
    accepted = staff.post(f"/manage/attempts/{attempt.id}/late",
                           data={"decision": "accept", "reason": "Coupure réseau du centre constatée à 10 h 28"})
    assert accepted.status_code == 302
    decision = db.session.execute(select(LateDecision)).scalar_one()
    assert decision.accepted and decision.score == 3 and decision.total == 6
    corrections = db.session.execute(
        select(LedgerEntry).where(LedgerEntry.replaces_id.in_([e.id for e in originals]))).scalars().all()
    assert len(corrections) == len(originals)
    assert all(c.correction_reason.startswith("Coupure réseau") and c.score == 50 for c in corrections)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"attempt.late_answers.accept", "ledger.correction"} <= actions
    db.session.refresh(attempt)
    assert attempt.score == 1, "the attempt keeps what it was handed in with; the decision holds the rescore"

    page = text_of(client.get(f"/attempts/{attempt.id}/result"))
    assert "3 bonnes réponses sur 6" in page and "acceptation de vos réponses tardives" in page


def test_rejecting_late_answers_keeps_the_result(client, login, clock, open_session, candidate, admin):
    attempt, _replies, _ = _late_attempt(client, login, clock, open_session, candidate)
    before = db.session.execute(select(func.count()).select_from(LedgerEntry)).scalar()
    _client_of(client, login, admin).post(f"/manage/attempts/{attempt.id}/late",
                                          data={"decision": "reject", "reason": "Réponses après 18 h"})
    decision = db.session.execute(select(LateDecision)).scalar_one()
    assert not decision.accepted and decision.reason == "Réponses après 18 h"
    assert db.session.execute(select(func.count()).select_from(LedgerEntry)).scalar() == before
    assert all(a.decision_id == decision.id for a in late.late_answers(attempt.id))
    with pytest.raises(late.DecisionError):
        late.decide(attempt.id, True, "encore", admin)
    assert "rejetée : Réponses après 18 h" in text_of(client.get(f"/attempts/{attempt.id}/result"))


# --- the attempt page, as Moodle users expect it ----------------------------------------------


def test_the_clock_starts_after_a_confirmation(client, login, clock, open_session, candidate):
    db.session.add(Accommodation(user_id=candidate.id, extra_time=Fraction(1, 3)))
    db.session.commit()
    session = open_session(minutes=30, attempts=2)
    login(client, candidate)
    page = text_of(client.get(f"/sessions/{session.id}/start"))
    assert "40 minutes" in page and "1/3" in page
    assert "2 tentatives restantes" in page
    assert db.session.execute(select(func.count()).select_from(Attempt)).scalar() == 0
    assert client.post(f"/sessions/{session.id}/start").status_code == 302
    assert db.session.execute(select(func.count()).select_from(Attempt)).scalar() == 1


def test_the_page_hand_in_at_zero_is_the_deadlines(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(minutes=30).id)
    login(client, candidate)
    clock.advance(minutes=29, seconds=58)
    client.post(f"/attempts/{attempt.id}/submit", data={"auto": "1"})
    db.session.refresh(attempt)
    assert attempt.finished_by == "deadline"


def test_a_page_cannot_claim_the_deadline_early(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session(minutes=30).id)
    login(client, candidate)
    clock.advance(minutes=10)
    client.post(f"/attempts/{attempt.id}/submit", data={"auto": "1"})
    db.session.refresh(attempt)
    assert attempt.finished_by == "candidate"


def test_duplicate_ranks_are_refused_next_to_the_question(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    ordering = next(i for i in attempt.items if i.version.payload["type"] == "ordering")
    shown = [str(n) for n in range(1, len(ordering.option_order) + 1)]  # the browser names elements by position
    login(client, candidate)
    reply = client.post(f"/api/attempts/{attempt.id}/answers/{ordering.position}",
                        json={"response": {shown[0]: "1", shown[1]: "1", **{i: str(n) for n, i in
                                                                          enumerate(shown[2:], start=3)}}})
    assert reply.status_code == 400 and "même rang (1)" in reply.json["message"]
    form = {"shown": str(ordering.position), "go": str(ordering.position)}
    form |= {f"q{ordering.position}-rank-{i}": "2" for i in shown}
    response = client.post(f"/attempts/{attempt.id}", data=form)
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    error_id = f"q{ordering.position}-error"
    assert f'id="{error_id}">Deux éléments ont le même rang (2)' in page
    assert f"{error_id}\" aria-invalid=\"true\"" in page
    db.session.refresh(ordering)
    assert not ordering.answered

    complete = client.post(f"/api/attempts/{attempt.id}/answers/{ordering.position}",
                           json={"response": {i: str(n) for n, i in enumerate(shown, start=1)}})
    assert complete.status_code == 200
    db.session.refresh(ordering)
    assert ordering.answered and ordering.response == ordering.option_order


def test_a_refused_number_is_explained_next_to_its_field(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    numeric = next(i for i in attempt.items if i.version.payload["type"] == "numeric")
    pos = numeric.position
    login(client, candidate)
    response = client.post(f"/attempts/{attempt.id}", data={"shown": str(pos), f"q{pos}": "douze", "go": str(pos)})
    page = text_of(client.get(response.headers["Location"]))
    assert f'aria-describedby="q{pos}-hint q{pos}-error"' in page
    assert page.split(f'id="q{pos}-error">')[1].startswith("« douze » n'est pas un nombre reconnu")


def test_every_question_is_on_the_page(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    login(client, candidate)
    page = client.get(f"/attempts/{attempt.id}?q=3").get_data(as_text=True)
    for pos in range(1, 7):
        assert f'id="question-{pos}"' in page
    assert page.count("hidden>") >= 5 or page.count("\n          hidden>") >= 5


def test_the_display_mode_changes_by_post_only(app_csrf, clock, open_session, candidate, login):
    client = app_csrf.test_client()
    attempt = service.start_attempt(candidate, open_session().id)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": candidate.email, "password": "motdepasse-solide", "csrf_token": token})
    client.get(f"/attempts/{attempt.id}?mode=all")
    db.session.refresh(attempt)
    assert attempt.display_mode == "one"
    client.post(f"/attempts/{attempt.id}/mode", data={"mode": "all"})  # no token: refused
    db.session.refresh(attempt)
    assert attempt.display_mode == "one"
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/attempts/{attempt.id}/mode", data={"mode": "all", "csrf_token": token}).status_code == 302
    db.session.refresh(attempt)
    assert attempt.display_mode == "all"


def test_the_hand_in_page_lists_what_is_left(client, login, clock, open_session, candidate):
    attempt = service.start_attempt(candidate, open_session().id)
    service.write_answer(candidate.id, attempt.id, 1, raw=key_for(_items(attempt)[1]))
    service.write_answer(candidate.id, attempt.id, 2, answer=False, flagged=True)
    login(client, candidate)
    page = text_of(client.get(f"/attempts/{attempt.id}/submit"))
    assert "5 questions sont sans réponse" in page and "1 question est marquée" in page
    for pos in range(2, 7):
        assert f'href="/attempts/{attempt.id}?q={pos}"' in page
    assert 'role="timer"' in page and 'data-remaining="1800"' in page


def _handed_in_with(open_session, candidate, **options):
    """An attempt handed in under these review options, its first question answered wrong."""
    session = open_session()
    session.questionnaire.review_options = options
    db.session.commit()
    attempt = service.start_attempt(candidate, session.id)
    service.write_answer(candidate.id, attempt.id, 1, raw=wrong_for(_items(attempt)[1]))
    return service.submit(attempt)


def test_review_options_tell_wrong_from_blank_and_hide_the_key(client, login, clock, open_session, candidate):
    attempt = _handed_in_with(open_session, candidate, score="immediately", correctness="immediately", key="never",
                              explanation="after_close")
    login(client, candidate)
    page = text_of(client.get(f"/attempts/{attempt.id}/review"))
    assert "✘ faux" in page and "○ sans réponse" in page
    assert "Réponse attendue" not in page and "Ordre attendu" not in page and "Explication" not in page
    clock.advance(hours=4)
    assert "Explication" in text_of(_client_of(client, login, candidate).get(f"/attempts/{attempt.id}/review"))


def test_a_score_hidden_by_the_options_is_not_shown(client, login, clock, open_session, candidate):
    attempt = _handed_in_with(open_session, candidate, score="after_close", correctness="never", key="never",
                              explanation="never")
    login(client, candidate)
    page = text_of(client.get(f"/attempts/{attempt.id}/result"))
    assert "bonnes réponses sur" not in page and "bonne réponse sur" not in page
    assert client.get(f"/attempts/{attempt.id}/review").status_code == 403


def test_the_follow_up_shows_hand_in_times_and_refreshes(client, login, clock, open_session, candidate, admin):
    session = open_session()
    attempt = service.start_attempt(candidate, session.id)
    clock.advance(minutes=3)
    service.submit(attempt)
    login(client, admin)
    page = text_of(client.get(f"/manage/sessions/{session.id}"))
    assert "par le candidat" in page and "data-refresh-url" in page
    fragment = text_of(client.get(f"/manage/sessions/{session.id}?fragment=1"))
    assert "<html" not in fragment and "Mis à jour à" in fragment


def test_french_typography_in_pages(client, login, clock, open_session, candidate):
    session = open_session(attempts=1)
    login(client, candidate)
    page = client.get(f"/sessions/{session.id}/start").get_data(as_text=True)
    assert "1 tentative restante" in page
    assert "« Commencer maintenant »" not in page and "«\u00a0Commencer maintenant\u00a0»" in page
    attempt = service.start_attempt(candidate, session.id)
    service.submit(attempt)
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "0 bonne réponse sur 6" in result and "0,0\u202f%" in result
    assert "Seuil de réussite\u00a0:" in result

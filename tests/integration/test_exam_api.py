"""The attempt page's JSON API: every answer is JSON, errors included, and no refusal looks like a save.

The page's script deletes an answer from the browser only on `{"saved": true}`: a redirect to the
login page (a 200 once followed) or an HTML error page must never reach it where JSON is expected.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from quiz.exams.models import Attempt, LateAnswer
from quiz.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import key_for

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test")


def _start(client, login, open_session, candidate) -> Attempt:
    session = open_session()
    login(client, candidate)
    client.post(f"/sessions/{session.id}/start")
    return db.session.execute(select(Attempt)).scalar_one()


def _save(client, attempt, item, **headers):
    return client.post(f"/api/attempts/{attempt.id}/answers/{item.position}", json={"response": key_for(item)},
                       headers=headers)


def _stored(item):
    db.session.refresh(item)
    return item.response


def test_a_visitor_without_a_session_gets_401_in_json_not_the_login_page(client, login, clock, open_session,
                                                                         candidate):
    attempt = _start(client, login, open_session, candidate)
    client.post("/logout")
    reply = _save(client, attempt, attempt.items[0])
    assert reply.status_code == 401 and reply.is_json
    assert reply.json["error"] == "login_required" and "reconnectez-vous" in reply.json["message"]
    assert reply.json["login"] == "/login"
    assert client.get(f"/api/attempts/{attempt.id}/status").status_code == 401
    assert _stored(attempt.items[0]) is None


def test_an_account_deactivated_during_the_exam_is_refused_at_the_next_save(client, login, clock, open_session,
                                                                             candidate):
    attempt = _start(client, login, open_session, candidate)
    item = attempt.items[0]
    assert _save(client, attempt, item).status_code == 200
    candidate.active = False
    db.session.commit()
    assert _save(client, attempt, attempt.items[1]).status_code == 401
    assert _stored(attempt.items[1]) is None


def test_a_password_changed_elsewhere_ends_the_session_on_the_api_too(client, login, clock, open_session, candidate):
    attempt = _start(client, login, open_session, candidate)
    candidate.session_version += 1
    db.session.commit()
    assert _save(client, attempt, attempt.items[0]).status_code == 401


def test_a_provisional_password_is_asked_for_in_json(client, login, clock, open_session, candidate):
    attempt = _start(client, login, open_session, candidate)
    candidate.must_change_password = True
    db.session.commit()
    reply = _save(client, attempt, attempt.items[0])
    assert reply.status_code == 403 and reply.json["error"] == "password_change_required"


def test_errors_of_the_api_are_json(client, login, clock, open_session, candidate, make_user):
    attempt = _start(client, login, open_session, candidate)
    missing = client.post(f"/api/attempts/{attempt.id + 1000}/answers/1", json={"response": "a"})
    assert missing.status_code == 404 and missing.json["error"] == "not_found" and missing.json["message"]
    not_a_question = client.post(f"/api/attempts/{attempt.id}/answers/99", json={"response": "a"})
    assert not_a_question.status_code == 400 and not_a_question.is_json
    not_json = client.post(f"/api/attempts/{attempt.id}/answers/1", data="réponse", content_type="text/plain")
    assert not_json.status_code == 400 and not_json.json["error"] == "bad_request"
    assert client.get("/api/nothing-here").json["error"] == "not_found"


def _login_with_token(client, user):
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    reply = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302


def test_a_refused_token_is_a_json_400_and_the_answer_is_not_taken(app_csrf, clock, open_session, candidate):
    client = app_csrf.test_client()
    session = open_session()
    _login_with_token(client, candidate)
    home = client.get("/questionnaires").get_data(as_text=True)
    client.post(f"/sessions/{session.id}/start", data={"csrf_token": CSRF_INPUT.search(home).group(1)})
    attempt = db.session.execute(select(Attempt)).scalar_one()
    item = attempt.items[0]
    reply = _save(client, attempt, item, **{"X-CSRFToken": "jeton-inventé"})
    assert reply.status_code == 400 and reply.json["error"] == "csrf" and "rechargez" in reply.json["message"]
    assert _stored(item) is None


def test_the_pages_token_keeps_working_for_a_long_exam(app_csrf, clock, open_session, candidate, monkeypatch):
    """Flask-WTF's default would refuse the attempt page's token after an hour: every later save lost."""
    client = app_csrf.test_client()
    session = open_session(minutes=300, closes_in=6 * 3600)
    _login_with_token(client, candidate)
    home = client.get("/questionnaires").get_data(as_text=True)
    started = client.post(f"/sessions/{session.id}/start", data={"csrf_token": CSRF_INPUT.search(home).group(1)})
    token = CSRF_DATA.search(client.get(started.headers["Location"]).get_data(as_text=True)).group(1)
    attempt = db.session.execute(select(Attempt)).scalar_one()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3 * 3600)  # what the token's signature is dated against
    clock.advance(hours=3)
    reply = _save(client, attempt, attempt.items[0], **{"X-CSRFToken": token})
    assert reply.status_code == 200 and reply.json["saved"] is True
    assert _stored(attempt.items[0]) is not None


def test_a_session_without_login_gets_the_login_answer_before_the_token_one(app_csrf, clock, open_session,
                                                                            candidate):
    """A page left open after logging out: the script is told to log in again, not only to reload."""
    client = app_csrf.test_client()
    attempt_id = 1
    reply = client.post(f"/api/attempts/{attempt_id}/answers/1", json={"response": "a"},
                        headers={"X-CSRFToken": "jeton-d-une-session-finie"})
    assert reply.status_code == 401 and reply.json["error"] == "login_required"


def test_on_postgresql_the_autosave_runs_without_a_transaction_and_gives_back_a_transactional_connection(
        app, client, login, clock, open_session, candidate):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL : sur SQLite la sauvegarde garde la transaction implicite du pilote")
    attempt = _start(client, login, open_session, candidate)
    modes = []

    def spy(conn, _cursor, statement, *_args):
        if statement.startswith("UPDATE attempt_items"):
            modes.append(conn.connection.dbapi_connection.autocommit)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        assert _save(client, attempt, attempt.items[0]).status_code == 200
        assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert modes[0] is True  # the autosave: one statement, no BEGIN/COMMIT round trips
    assert all(mode is False for mode in modes[1:])  # the hand-in: one transaction, on a connection reset
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False


def test_an_autosave_is_one_statement_that_also_checks_the_session(client, login, clock, open_session, candidate):
    attempt = _start(client, login, open_session, candidate)
    assert _save(client, attempt, attempt.items[0]).status_code == 200  # the process caches the questions
    second = attempt.items[1]
    url, body = f"/api/attempts/{attempt.id}/answers/{second.position}", {"response": key_for(second)}
    statements = []

    def spy(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        assert client.post(url, json=body).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert len(statements) == 1 and statements[0].startswith("UPDATE attempt_items")
    assert "users" in statements[0] and "session_version" in statements[0]
    assert _stored(second) is not None


def test_a_deadline_cut_after_the_page_loaded_stops_saves_through_the_api(client, login, clock, open_session,
                                                                           candidate):
    """The session closed early: the process still holds the old deadline, the database the new one.
    The write itself is conditional on the new one (PostgreSQL's autosave has no transaction to roll back)."""
    attempt = _start(client, login, open_session, candidate)
    assert _save(client, attempt, attempt.items[0]).status_code == 200
    attempt.deadline = clock.now + timedelta(minutes=1)
    db.session.commit()
    clock.advance(minutes=2)
    reply = _save(client, attempt, attempt.items[1])
    assert reply.status_code == 409 and reply.json["finished"] is True
    assert _stored(attempt.items[1]) is None
    db.session.refresh(attempt)
    assert attempt.finished and attempt.items[1].credit is not None


def test_an_ended_session_keeps_no_late_answer(client, login, clock, open_session, candidate):
    """After the deadline a save may become a late answer, but only from a session that still holds."""
    attempt = _start(client, login, open_session, candidate)
    assert _save(client, attempt, attempt.items[0]).status_code == 200
    candidate.active = False
    db.session.commit()
    clock.advance(hours=3)
    assert _save(client, attempt, attempt.items[1]).status_code == 401
    assert db.session.execute(select(LateAnswer)).first() is None
    db.session.refresh(attempt)
    assert not attempt.finished, "nothing was done for a session that no longer holds"

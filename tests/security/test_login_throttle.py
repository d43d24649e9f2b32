"""Login throttling (counters in the database), logout, and session inactivity.

Password change closing other sessions is proven by
tests/integration/test_accounts.py::test_password_change_invalidates_other_sessions.
"""

from __future__ import annotations

import re

import pytest

from quiz.accounts.throttle import LoginFailure
from quiz.extensions import db
from tests.conftest import PASSWORD, _make_app
from tests.security.conftest import post_login

LIMIT = 5
LOCKED = "Trop de tentatives de connexion"


@pytest.fixture
def throttled(app):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_MAX_FAILURES=LIMIT, LOGIN_LOCK_SECONDS=60)
    return app


def flashes(response) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<div class="alert[^"]*">(.*?)</div>',
                                                                 response.get_data(as_text=True), re.S)]


def fail(client, email, times=1):
    for _ in range(times):
        response = post_login(client, email, "mauvais-mot-de-passe")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in flashes(response)


def test_after_the_limit_even_the_right_password_is_refused(throttled, client, make_user, clock):
    user = make_user()
    fail(client, user.email, LIMIT)
    response = post_login(client, user.email)
    assert response.status_code == 429
    assert any(LOCKED in m for m in flashes(response))
    assert client.get("/").status_code == 302


def test_the_lock_message_is_the_same_for_known_and_unknown_emails(throttled, app, make_user, clock):
    user = make_user()
    known, unknown = app.test_client(), app.test_client()
    fail(known, user.email, LIMIT)
    fail(unknown, "personne@example.org", LIMIT)
    a = post_login(known, user.email)
    b = post_login(unknown, "personne@example.org")
    assert a.status_code == b.status_code == 429
    assert flashes(a) == flashes(b)
    assert user.email not in a.get_data(as_text=True).replace(f'value="{user.email}"', "")


def test_email_is_normalised_so_case_does_not_reset_the_count(throttled, client, make_user, clock):
    make_user(email="lina@example.org")
    fail(client, "Lina@Example.org", 3)
    fail(client, "  lina@example.org", 2)
    assert post_login(client, "LINA@example.org").status_code == 429


def test_the_lock_ends_on_time_and_grows_with_each_new_failure(throttled, client, make_user, clock):
    user = make_user()
    fail(client, user.email, LIMIT)
    clock.advance(seconds=59)
    assert post_login(client, user.email).status_code == 429
    clock.advance(seconds=2)
    fail(client, user.email)  # allowed again: a sixth failure, locked twice as long
    clock.advance(seconds=61)
    assert post_login(client, user.email).status_code == 429
    clock.advance(seconds=60)
    assert post_login(client, user.email).status_code == 302


def test_refused_attempts_do_not_extend_the_lock(throttled, client, make_user, clock):
    user = make_user()
    fail(client, user.email, LIMIT)
    for _ in range(20):
        clock.advance(seconds=2)
        assert post_login(client, user.email, "encore-faux").status_code == 429
    clock.advance(seconds=30)
    assert post_login(client, user.email).status_code == 302


def test_a_success_forgets_the_email_failures(throttled, app, make_user, clock):
    user = make_user()
    fail(app.test_client(), user.email, LIMIT - 1)
    assert post_login(app.test_client(), user.email).status_code == 302
    fail(app.test_client(), user.email, LIMIT - 1)
    assert post_login(app.test_client(), user.email).status_code == 302


def test_failures_outside_the_window_are_forgotten(throttled, client, make_user, clock):
    user = make_user()
    fail(client, user.email, LIMIT - 1)
    clock.advance(minutes=16)
    fail(client, user.email)
    assert post_login(client, user.email).status_code == 302


def test_one_address_trying_many_accounts_is_locked(throttled, app, make_user, clock):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    victim = make_user()
    attacker = app.test_client()
    for n in range(3):
        fail(attacker, f"essai{n}@example.org")
    assert post_login(attacker, victim.email).status_code == 429
    elsewhere = app.test_client()
    response = post_login(elsewhere, victim.email, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_counters_are_shared_by_two_app_instances_on_one_database(throttled, db_url, tmp_path, make_user, clock):
    """Two workers (or machines): failures seen by one count on the other."""
    user = make_user()
    other = _make_app(db_url, tmp_path, RATELIMIT_ENABLED=True, LOGIN_MAX_FAILURES=LIMIT)
    fail(throttled.test_client(), user.email, 3)
    fail(other.test_client(), user.email, 2)
    assert post_login(throttled.test_client(), user.email).status_code == 429
    assert post_login(other.test_client(), user.email).status_code == 429
    with other.app_context():
        assert db.session.query(LoginFailure).count() >= LIMIT
        db.session.remove()
        db.engine.dispose()


def test_the_lock_is_journaled(throttled, client, make_user, clock):
    from quiz.audit.models import AuditEvent

    user = make_user()
    fail(client, user.email, LIMIT)
    post_login(client, user.email)
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["login.failure"] * LIMIT + ["login.throttled"]


# --- sessions ----------------------------------------------------------------------------------


def test_logout_ends_the_session_even_for_a_copied_cookie(app, make_user, login):
    user = make_user()
    client = app.test_client()
    login(client, user)
    stolen = client.get_cookie("session").value
    assert client.post("/logout").headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302


def test_an_idle_session_expires(app, client, make_user, login, clock):
    app.config["IDLE_MINUTES"] = 120
    login(client, make_user())
    assert client.get("/").status_code == 200
    clock.advance(minutes=121)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "inactivité" in client.get("/login").get_data(as_text=True)


def test_activity_keeps_the_session_alive(app, client, make_user, login, clock):
    app.config["IDLE_MINUTES"] = 120
    login(client, make_user())
    for _ in range(4):
        clock.advance(minutes=100)
        assert client.get("/").status_code == 200


def test_an_expired_session_gets_json_on_the_api(app, client, make_user, login, clock):
    app.config["IDLE_MINUTES"] = 120
    login(client, make_user())
    client.get("/")
    clock.advance(minutes=121)
    response = client.get("/api/attempts/1/status", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.is_json and "/login" in response.get_json()["login"]


def test_login_and_logout_are_journaled_with_address_and_browser(client, make_user, login):
    from quiz.audit.models import AuditEvent

    user = make_user()
    post_login(client, user.email, "faux-mot-de-passe", headers={"User-Agent": "Navigateur-Test/1.0"})
    post_login(client, user.email, PASSWORD, headers={"User-Agent": "Navigateur-Test/1.0"})
    client.post("/logout")
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("login.failure", None), ("login.success", user.id), ("logout", user.id)]
    assert events[0].details == {"email": user.email}
    assert events[1].ip == "127.0.0.1" and events[1].user_agent == "Navigateur-Test/1.0"

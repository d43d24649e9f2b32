"""The login throttle under a race, and against forged forwarded addresses; what anonymous
login traffic can write into the audit journal."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from quiz.accounts.throttle import LoginFailure
from quiz.audit.models import AuditEvent
from quiz.extensions import db
from tests.conftest import PASSWORD
from tests.security.conftest import post_login

LIMIT = 5
THREADS = 40


@pytest.fixture
def throttled(app):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_MAX_FAILURES=LIMIT, LOGIN_MAX_FAILURES_PER_IP=1000,
                      LOGIN_LOCK_SECONDS=600)
    return app


def race(app, email: str, passwords: list[str], **kwargs) -> list[int]:
    """All attempts at once from separate threads, each with its own client, app context and session."""
    barrier = threading.Barrier(len(passwords))
    codes: list[int] = [0] * len(passwords)

    def attempt(index: int, password: str) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            codes[index] = post_login(client, email, password, **kwargs).status_code
            db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i, p)) for i, p in enumerate(passwords)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.session.expire_all()
    return codes


@pytest.fixture
def checked(monkeypatch):
    """The passwords checked, in the order they were."""
    from quiz.accounts import service

    seen: list[str] = []
    real = service.authenticate
    monkeypatch.setattr(service, "authenticate", lambda e, p: seen.append(p) or real(e, p))
    return seen


def test_simultaneous_guesses_check_no_more_passwords_than_the_limit(throttled, make_user, checked):
    user = make_user()
    codes = race(throttled, user.email, ["mauvais-mot-de-passe"] * THREADS)
    assert len(checked) <= LIMIT, f"{len(checked)} passwords checked for a limit of {LIMIT}"
    assert codes.count(429) >= THREADS - LIMIT and set(codes) <= {200, 429}
    assert post_login(throttled.test_client(), user.email).status_code == 429  # even the right one now


def test_the_right_password_in_a_burst_is_let_in_only_within_the_limit(throttled, make_user, checked):
    user = make_user()
    codes = race(throttled, user.email, ["mauvais-mot-de-passe"] * (THREADS - 1) + [PASSWORD])
    if PASSWORD in checked:
        assert checked.index(PASSWORD) < LIMIT, checked  # at most LIMIT - 1 guesses before it
        assert codes.count(302) == 1
    else:
        assert len(checked) <= LIMIT and 302 not in codes
    # The guesses concurrent with the success are not forgotten: the burst got no fresh tries.
    assert len([p for p in checked if p != PASSWORD]) <= LIMIT + (LIMIT - 1)


def test_a_success_forgets_the_typos_before_it(throttled, make_user):
    user = make_user()
    client = throttled.test_client()
    for _ in range(LIMIT - 1):
        assert post_login(client, user.email, "mauvais-mot-de-passe").status_code == 200
    assert post_login(client, user.email).status_code == 302
    other = throttled.test_client()
    for _ in range(LIMIT - 1):
        assert post_login(other, user.email, "mauvais-mot-de-passe").status_code == 200


def test_refusals_add_no_rows(throttled, make_user):
    user = make_user()
    race(throttled, user.email, ["mauvais-mot-de-passe"] * THREADS)
    rows = db.session.execute(select(func.count(LoginFailure.id)).where(
        LoginFailure.key == "email:" + user.email)).scalar_one()
    assert rows <= LIMIT


# -- 4. forged X-Forwarded-For --------------------------------------------------------------------------


def test_a_rotating_forwarded_address_from_a_direct_client_is_still_locked(app, make_user):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_MAX_FAILURES_PER_IP=5, LOGIN_MAX_FAILURES=1000)
    client = app.test_client()
    codes = [post_login(client, f"inconnu{n}@example.org", "mauvais-mot-de-passe",
                        headers={"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"203.0.113.{n}",
                                 "Forwarded": f"for=192.0.2.{n}"}).status_code for n in range(8)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3
    addresses = {e.ip for e in db.session.execute(select(AuditEvent)).scalars()}
    assert addresses == {"127.0.0.1"}, addresses


# -- 14. what anonymous traffic writes ------------------------------------------------------------------


def test_anonymous_failures_and_refusals_write_a_bounded_journal(app, make_user):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_MAX_FAILURES_PER_IP=10, LOGIN_MAX_FAILURES=3)
    client = app.test_client()
    for n in range(60):
        post_login(client, f"invente{n}@example.org", "mauvais-mot-de-passe")
    for _ in range(30):
        post_login(client, "invente0@example.org", "mauvais-mot-de-passe")
    actions = [e.action for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert actions.count("login.failure") == 1, actions
    assert 1 <= actions.count("login.throttled") <= 2, actions  # the address's lock, the e-mail's lock
    assert len(actions) <= 3


def test_failures_on_a_real_account_are_each_journaled_up_to_the_lock(app, make_user):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_MAX_FAILURES=3)
    user = make_user()
    client = app.test_client()
    for _ in range(20):
        post_login(client, user.email, "mauvais-mot-de-passe")
    events = list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
    assert [e.action for e in events] == ["login.failure"] * 3 + ["login.throttled"]
    assert all(e.target_id == str(user.id) for e in events[:3])

"""Shared fixtures: an app on each database engine, users, login, and a controllable clock.

Every test that takes `app` runs once on SQLite and once on PostgreSQL; the PostgreSQL run is
skipped, and says so, when QUIZ_TEST_DATABASE_URL is not set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from quiz import create_app
from quiz.timeutil import set_clock
from tests.helpers import review_options

PASSWORD = "motdepasse-solide"
PG_URL = os.environ.get("QUIZ_TEST_DATABASE_URL")
_pg_schema_ready: set[str] = set()


def make_test_config(db_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "tests-only-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False,
        "IDENTITY_KEY_FILE": str(tmp_path / "identity.key"),
        "MAIL_FOLDER": str(tmp_path / "mail"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """`make test` compiles the catalogs; a bare `pytest` run compiles them here if they are stale."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).parent.parent / "quiz" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            partial = mo.with_suffix(".mo.tmp")
            with partial.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=True)
            partial.replace(mo)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    if not PG_URL:
        if os.environ.get("QUIZ_REQUIRE_POSTGRES") == "1":
            pytest.fail("QUIZ_REQUIRE_POSTGRES=1 mais QUIZ_TEST_DATABASE_URL n'est pas défini")
        pytest.skip("PostgreSQL non configuré : définir QUIZ_TEST_DATABASE_URL pour ces tests")
    return PG_URL


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: fresh `g`, fresh DB session.

    The test's own session is expired afterwards so that it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        from quiz.extensions import db

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def _make_app(db_url: str, tmp_path, **overrides):
    from quiz.extensions import db

    app = create_app(make_test_config(db_url, tmp_path) | overrides)
    app.test_client_class = IsolatedClient
    with app.app_context():
        import quiz.models  # noqa: F401

        if db.engine.dialect.name == "postgresql":
            if db_url not in _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready.add(db_url)
        else:
            db.create_all()
    return app


def _reset(app) -> None:
    from quiz.cache import forget_all
    from quiz.extensions import db

    forget_all()
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
    # Again once the ids restart: a browser test's last request, late on a loaded machine, may
    # have cached its attempt's questions after the first pass, and the next test's attempt 1
    # would then be served the previous attempt 1's questions.
    forget_all()


def _app_in_context(db_url, tmp_path, **overrides):
    app = _make_app(db_url, tmp_path, **overrides)
    ctx = app.app_context()
    ctx.push()
    yield app
    ctx.pop()
    _reset(app)


@pytest.fixture
def app(db_url, tmp_path):
    yield from _app_in_context(db_url, tmp_path)


@pytest.fixture
def app_csrf(db_url, tmp_path):
    """An app with CSRF protection on, as in production."""
    yield from _app_in_context(db_url, tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    from quiz.accounts.models import Cohort, User
    from quiz.extensions import db

    counter = iter(range(1, 100_000))

    def make(roles=("candidate",), email=None, password=PASSWORD, cohort=None, first_name=None,
             last_name=None, active=True):
        n = next(counter)
        user = User(
            email=email or f"user{n}@example.org",
            first_name=first_name or f"Prénom{n}",
            last_name=last_name or f"Nom{n}",
            active=active,
        )
        user.set_password(password)
        user.set_roles(roles)
        if cohort is not None:
            if isinstance(cohort, str):
                found = db.session.execute(db.select(Cohort).filter_by(name=cohort)).scalar_one_or_none()
                cohort = found or Cohort(name=cohort)
            user.cohorts.append(cohort)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login():
    def do_login(client, user, password=PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do_login


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when if when.tzinfo else when.replace(tzinfo=UTC)

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    fake = Clock(datetime(2026, 6, 15, 8, 0, tzinfo=UTC))
    set_clock(fake)
    yield fake
    set_clock(None)


@pytest.fixture
def exam_bank(app):
    """The six-question test bank (one question of each type) imported as thematic 1."""
    from quiz.banks.importer import import_banks
    from quiz.referential import load_referential
    from tests.helpers import EXAM_BANK

    import_banks({"01-analyse-financiere.md": EXAM_BANK.read_text(encoding="utf-8")}, load_referential())


@pytest.fixture
def open_session(app, exam_bank):
    """Factory: a questionnaire on thematic 1 opened now to a cohort (created if needed)."""
    from quiz.accounts.models import Cohort
    from quiz.exams.models import ExamSession, Questionnaire
    from quiz.extensions import db
    from quiz.timeutil import utcnow

    def make(cohort="Promotion test", count=6, minutes=30, attempts=1, review="score", opens_in=-60,
             closes_in=3 * 3600, draw_rule="uniform"):
        if isinstance(cohort, str):
            cohort = db.session.execute(db.select(Cohort).filter_by(name=cohort)).scalar_one_or_none() or Cohort(
                name=cohort)
        questionnaire = Questionnaire(thematic=1, title="Analyse financière — test", question_count=count,
                                      duration_minutes=minutes, attempts_allowed=attempts,
                                      review_options=review_options(review), draw_rule=draw_rule)
        now = utcnow()
        session = ExamSession(questionnaire=questionnaire, opens_at=now + timedelta(seconds=opens_in),
                              closes_at=now + timedelta(seconds=closes_in), cohorts=[cohort])
        db.session.add(session)
        db.session.commit()
        return session

    return make


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free local port, keeping what it receives."""

    host: str
    port: int
    received: list
    refuse: bool = False

    def messages(self):
        from email import message_from_bytes
        from email.policy import default

        return [message_from_bytes(raw, policy=default) for raw in self.received]


@pytest.fixture
def smtp_server():
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SmtpServer("127.0.0.1", port, [])

    class Handler:
        async def handle_DATA(self, _server, _session, envelope):
            if server.refuse:
                return "451 4.3.0 Try again later"
            server.received.append(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
def mail_to(app, smtp_server):
    """The app's mail sent to `smtp_server`."""
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port,
                      SMTP_TIMEOUT=5, MAIL_FROM="Certification CAE <certification@example.org>")
    return smtp_server

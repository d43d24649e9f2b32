"""The audit journal: what is recorded, who may read it, and that nobody can rewrite it."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from quiz.accounts import service as accounts
from quiz.accounts.models import User
from quiz.audit import service as audit
from quiz.audit.models import AUDIT_APPEND_ONLY_SQL, DROP_AUDIT_APPEND_ONLY_SQL, AuditEvent, AuditTamperError
from quiz.extensions import db


def events(action_prefix=""):
    rows = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    return [e for e in rows if e.action.startswith(action_prefix)]


def test_record_outside_a_request_has_no_actor_nor_address(app):
    event = audit.record("bank.publish", target=("bank", 3), details={"questions": 12})
    assert (event.actor_id, event.ip, event.user_agent) == (None, None, None)
    assert (event.target_type, event.target_id, event.details) == ("bank", "3", {"questions": 12})


def test_the_orm_refuses_to_change_or_delete_an_event(app):
    event = audit.record("login.failure", details={"email": "x@example.org"})
    event.action = "login.success"
    with pytest.raises(AuditTamperError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditTamperError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    update(AuditEvent).values(action="effacé"),
    delete(AuditEvent),
])
def test_the_database_refuses_raw_updates_and_deletes(app, statement):
    """Even SQL sent around the ORM (a console, a script) is refused by the trigger."""
    audit.record("user.roles", target=("User", 1))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.rollback()
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1


def test_the_migration_constants_cover_both_engines():
    assert set(AUDIT_APPEND_ONLY_SQL) == set(DROP_AUDIT_APPEND_ONLY_SQL) == {"postgresql", "sqlite"}
    assert any("CREATE TRIGGER audit_events_append_only" in sql for sql in AUDIT_APPEND_ONLY_SQL["postgresql"])


def test_account_administration_is_journaled(client, make_user, login):
    admin = make_user(roles=("admin",))
    target = make_user(roles=("candidate",))
    login(client, admin)
    client.post(f"/admin/users/{target.id}", data={
        "email": target.email, "first_name": target.first_name, "last_name": target.last_name,
        "roles": ["candidate", "assessor"], "active": "",
    })
    client.post(f"/admin/users/{target.id}/reset-password")
    client.post("/admin/users/new", data={"last_name": "Durand", "first_name": "Zoé",
                                          "email": "zoe@example.org", "roles": ["trainer"]})
    client.post("/admin/import", data={"file": (__import__("io").BytesIO(
        "nom,prenom,email,cohorte\nMartin,Léa,lea@example.org,P1\n".encode()), "c.csv")},
        content_type="multipart/form-data")
    by_action = {e.action: e for e in events() if e.actor_id == admin.id}
    roles = by_action["user.roles"]
    assert (roles.target_type, roles.target_id) == ("User", str(target.id))
    assert roles.details == {"before": ["candidate"], "after": ["assessor", "candidate"]}
    assert by_action["user.active"].details == {"active": False}
    assert by_action["password.reset"].target_id == str(target.id)
    assert by_action["user.create"].details["email"] == "zoe@example.org"
    assert by_action["user.import"].details == {"created": 1, "emails": ["lea@example.org"]}


def test_password_change_is_journaled_without_the_password(client, make_user, login):
    user = make_user()
    login(client, user)
    client.post("/account/password", data={"current": "motdepasse-solide", "new": "un-nouveau-secret",
                                            "confirm": "un-nouveau-secret"})
    (event,) = events("password.")
    assert (event.action, event.actor_id) == ("password.change", user.id)
    assert "un-nouveau-secret" not in str(event.details)


def test_a_failed_action_leaves_no_event(app, make_user):
    with pytest.raises(accounts.AccountError):
        accounts.update_roles(make_user(), [])
    assert events("user.roles") == []


def test_only_administrators_read_the_journal(as_user, make_user):
    audit.record("login.failure", details={"email": "<script>alert(1)</script>@example.org"})
    for roles in (("candidate",), ("assessor",), ("trainer",), ("assessor", "trainer")):
        assert as_user(make_user(roles=roles)).get("/admin/audit/").status_code == 403
    assert as_user(None).get("/admin/audit/").status_code == 302
    page = as_user(make_user(roles=("admin",))).get("/admin/audit/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "login.failure" in body
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_filters_and_pages(as_user, make_user, clock):
    admin = make_user(roles=("admin",), last_name="Admin")
    other = make_user(roles=("admin",), email="autre@example.org")
    clock.set(datetime(2026, 6, 1, 10, tzinfo=UTC))
    for n in range(60):
        audit.record("ledger.entry", target=("LedgerEntry", n), actor=admin)
    clock.set(datetime(2026, 6, 3, 10, tzinfo=UTC))
    audit.record("user.roles", target=("User", 7), actor=other)
    client = as_user(admin)

    def listed(query):
        body = client.get("/admin/audit/?" + query).get_data(as_text=True)
        return int(body.split(" événement")[0].rsplit(">", 1)[-1].strip())

    assert listed("") == 61
    assert listed("action=ledger") == 60
    assert listed("acteur=autre@") == 1
    assert listed("cible=User&id=7") == 1
    assert listed("du=2026-06-02") == 1
    assert listed("au=2026-06-01") == 60
    assert listed("du=nimporte-quoi") == 61
    first = client.get("/admin/audit/?action=ledger").get_data(as_text=True)
    second = client.get("/admin/audit/?action=ledger&page=2").get_data(as_text=True)
    assert "Page 1 sur 2" in first and "Page 2 sur 2" in second
    assert "page=2&amp;action=ledger" in first or "action=ledger&amp;page=2" in first
    assert first.count("<code>ledger.entry</code>") == 50 and second.count("<code>ledger.entry</code>") == 10


def test_events_survive_their_actor_being_deactivated(app, make_user):
    user = make_user(roles=("admin",))
    audit.record("bank.publish", actor=user)
    accounts.set_active(db.session.get(User, user.id), False)
    assert events("bank.publish")[0].actor.email == user.email


# --- the journal as Alembic builds it --------------------------------------------------------------

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _migration_statements(name: str) -> dict[str, set[str]]:
    """Every per-dialect SQL constant of the migration revisions (APPEND_ONLY, DROP_APPEND_ONLY…)."""
    found: dict[str, set[str]] = {"postgresql": set(), "sqlite": set()}
    for path in MIGRATIONS.glob("*.py"):
        spec = importlib.util.spec_from_file_location(f"revision_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for dialect, statements in (getattr(module, name, None) or {}).items():
            found[dialect] |= set(statements)
    return found


def test_the_migrations_install_and_remove_the_audit_triggers():
    """The revisions copy the SQL: a change to the triggers needs a new revision, or this fails."""
    installed, removed = _migration_statements("APPEND_ONLY"), _migration_statements("DROP_APPEND_ONLY")
    for dialect in ("postgresql", "sqlite"):
        assert set(AUDIT_APPEND_ONLY_SQL[dialect]) <= installed[dialect]
        assert set(DROP_AUDIT_APPEND_ONLY_SQL[dialect]) <= removed[dialect]


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, tmp_path):
    """A database built by `flask db upgrade` (not create_all), in an app context."""
    from flask_migrate import upgrade

    from quiz import create_app
    from tests.conftest import PG_URL, make_test_config

    url, admin, name = f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None, None
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL non configuré : définir QUIZ_TEST_DATABASE_URL pour ces tests")
        name = f"quiz_audit_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    app = create_app(make_test_config(url, tmp_path))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_migrated_journal_refuses_updates_and_deletes(migrated):
    accounts.create_user("candidat@example.org", "Cam", "Dupont", ["candidate"])
    assert events("user.create")
    for statement in ("UPDATE audit_events SET action = 'effacé'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert [e.action for e in events()] == ["user.create"]

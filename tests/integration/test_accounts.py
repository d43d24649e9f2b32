"""Accounts: login, logout, password change, deactivation, administration and CSV import."""

from __future__ import annotations

import json

from quiz.accounts import service
from quiz.accounts.models import Cohort, User
from quiz.extensions import db


def test_login_with_good_credentials_then_logout(client, make_user, login):
    user = make_user(roles=("candidate",), first_name="Lina")
    login(client, user)
    assert "Bonjour Lina" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").headers["Location"].endswith("/login")


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user()
    wrong = client.post("/login", data={"email": user.email, "password": "mauvais-mot"}).get_data(as_text=True)
    unknown = client.post("/login", data={"email": "personne@example.org", "password": "x"}).get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in wrong
    assert "Adresse e-mail ou mot de passe incorrect." in unknown


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user(active=False)
    response = client.post("/login", data={"email": user.email, "password": "motdepasse-solide"})
    assert response.status_code == 200
    assert "incorrect" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, make_user, login):
    user = make_user()
    login(client, user)
    service.set_active(user, False)
    assert client.get("/").status_code == 302


def test_password_change_invalidates_other_sessions(app, make_user, login):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    response = first.post("/account/password", data={
        "current": "motdepasse-solide", "new": "un-nouveau-secret", "confirm": "un-nouveau-secret"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302
    assert db.session.get(User, user.id).check_password("un-nouveau-secret")


def test_first_login_with_provisional_password_asks_for_a_new_one(client):
    _user, password = service.create_user("nouveau@example.org", "Noé", "Nouveau", ["candidate"])
    response = client.post("/login", data={"email": "nouveau@example.org", "password": password})
    assert response.headers["Location"].endswith("/account/password")


def test_open_redirect_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login?next=https://evil.example/", data={"email": user.email,
                                                                      "password": "motdepasse-solide"})
    assert response.headers["Location"] == "/"


def test_admin_pages_need_the_admin_role(client, make_user, login):
    assert client.get("/admin/").status_code == 302
    login(client, make_user(roles=("trainer", "assessor")))
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_admin_creates_a_user_with_a_provisional_password(client, make_user, login):
    login(client, make_user(roles=("admin",)))
    cohort = service.create_cohort("Promotion 2026-A")
    response = client.post("/admin/users/new", data={
        "last_name": "Durand", "first_name": "Zoé", "email": "Zoe.Durand@Example.org",
        "roles": ["candidate"], "cohorts": [cohort.id]})
    assert response.status_code == 200
    created = service.find_user("zoe.durand@example.org")
    assert created is not None and created.must_change_password
    assert [c.name for c in created.cohorts] == ["Promotion 2026-A"]
    assert "Mot de passe provisoire" in response.get_data(as_text=True)


def test_admin_cannot_remove_own_admin_role(client, make_user, login):
    admin = make_user(roles=("admin",))
    login(client, admin)
    client.post(f"/admin/users/{admin.id}", data={"roles": ["candidate"], "active": "y"})
    assert db.session.get(User, admin.id).has_role("admin")


def test_csv_import_creates_everyone_or_no_one(client, make_user, login):
    login(client, make_user(roles=("admin",), email="admin@example.org"))
    bad = "nom;prenom;email;cohorte\nMartin;Alice;alice@example.org;P1\nBernard;;pas-une-adresse;P1\n"
    response = client.post("/admin/import", data={"file": (_file(bad), "promo.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Ligne 3" in page and "« prenom » est vide" in page and "invalide" in page
    assert service.find_user("alice@example.org") is None

    good = "nom,prenom,email,cohorte\nMartin,Alice,alice@example.org,P1\nBernard,Bruno,bruno@example.org,P2\n"
    response = client.post("/admin/import", data={"file": (_file(good), "promo.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert service.find_user("bruno@example.org").has_role("candidate")
    assert {c.name for c in db.session.execute(db.select(Cohort)).scalars()} == {"P1", "P2"}


def test_csv_import_reports_duplicates_within_the_file(app):
    report = service.import_candidates_csv(
        b"nom,prenom,email,cohorte\nA,B,x@example.org,P\nC,D,X@example.org,P\n")
    assert report.errors == [(3, "adresse déjà présente ligne 2.")]


def test_csrf_is_enforced(app_csrf, make_user):
    user = make_user()
    client = app_csrf.test_client()
    response = client.post("/login", data={"email": user.email, "password": "motdepasse-solide"})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # not logged in: the token was missing


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_error_pages_are_french(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_cli_ensure_admin_prints_a_one_time_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ensure-admin", "--email", "chef@example.org"])
    assert "chef@example.org" in result.output and "mot de passe" in result.output
    again = runner.invoke(args=["ensure-admin"])
    assert "existe déjà" in again.output
    assert service.find_user("chef@example.org").must_change_password


def test_cli_demo_creates_a_cohort(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    cohort = db.session.execute(db.select(Cohort).filter_by(name="Promotion démo")).scalar_one()
    assert len(service.candidates_of(cohort)) == 5


def test_cli_referential_export_json(app):
    result = app.test_cli_runner().invoke(args=["referential", "export", "--format", "json"])
    data = json.loads(result.output)
    assert len(data["competences"]) == 18
    assert data["e2_mapping"]["1"] == ["C15", "C6"]
    c15 = next(c for c in data["competences"] if c["code"] == "C15")
    assert c15["ref"] == "B1.7" and c15["modalities"] == ["E4", "E2"]


def _file(text: str):
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_a_provisional_password_must_be_changed_before_anything_else(client):
    _user, password = service.create_user("prov@example.org", "Pia", "Provisoire", ["admin", "candidate"])
    client.post("/login", data={"email": "prov@example.org", "password": password})
    for path in ("/", "/admin/", "/questionnaires", "/manage/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password"), path
    assert client.post("/api/attempts/1/answers/1", json={"response": "1"}).status_code == 403
    assert client.get("/account/password").status_code == 200
    client.post("/account/password", data={"current": password, "new": "mon-nouveau-secret",
                                            "confirm": "mon-nouveau-secret"})
    assert client.get("/admin/").status_code == 200


def test_demo_addresses_are_plain_ascii(app):
    result = app.test_cli_runner().invoke(args=["demo", "--cohort", "Promotion été"])
    assert "@demo.example.org" in result.output
    assert all(ord(ch) < 128 for line in result.output.splitlines() if "@" in line
               for ch in line.split()[-2])


def test_the_interface_switches_to_english_and_back(client, make_user, login):
    login(client, make_user(first_name="Lina"))
    assert "Bonjour Lina" in client.get("/").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and "Bonjour Lina" not in page and "Lina" in page
    client.post("/lang/fr", data={"next": "/"})
    assert "Bonjour Lina" in client.get("/").get_data(as_text=True)

"""Cookies over HTTPS, pages kept by no cache, sessions that end, and the grading pages' raised
upload limit under real CSRF protection."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import PASSWORD
from tests.integration.test_grading_evidence import PDF_BYTES, grading
from tests.security.conftest import post_login


def set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


# -- 10. Secure cookies -----------------------------------------------------------------------------------


def test_the_session_cookie_is_secure_whenever_the_request_is(app, make_user):
    user = make_user()
    client = app.test_client()
    response = post_login(client, user.email, base_url="https://localhost")
    cookies = [c for c in set_cookie_headers(response) if c.startswith("session=")]
    assert cookies and all("; Secure" in c for c in cookies), cookies


def test_over_plain_http_in_development_the_cookie_still_works(app, make_user):
    user = make_user()
    response = post_login(app.test_client(), user.email)
    assert [c for c in set_cookie_headers(response) if c.startswith("session=") and "; Secure" not in c]


# -- 14. pages of a logged-in user are not cached ---------------------------------------------------------


@pytest.mark.parametrize("roles,path", [(("candidate",), "/"), (("candidate",), "/registre/"),
                                        (("admin",), "/admin/users"), (("trainer",), "/atelier/banques")])
def test_authenticated_pages_are_no_store(app, client, login, make_user, roles, path):
    login(client, make_user(roles=roles))
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "no-store" in response.headers.get("Cache-Control", ""), (path, response.headers)


def test_static_files_stay_cacheable(app, client, login, make_user):
    login(client, make_user())
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# -- 14. absolute session lifetime ------------------------------------------------------------------------


def test_a_session_ends_after_its_absolute_lifetime_however_active(app, client, make_user, login, clock):
    app.config.update(IDLE_MINUTES=120, SESSION_MAX_HOURS=12)
    login(client, make_user())
    for _ in range(7):  # active every 100 minutes: the idle timeout never fires
        clock.advance(minutes=100)
        assert client.get("/").status_code == 200
    clock.advance(minutes=100)  # 13 h 20 after the login
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "durée maximale" in client.get("/login").get_data(as_text=True)


def test_a_copied_cookie_dies_with_the_absolute_lifetime(app, client, make_user, login, clock):
    app.config.update(IDLE_MINUTES=120, SESSION_MAX_HOURS=12)
    login(client, make_user())
    stolen = client.get_cookie("session").value
    replay = app.test_client()
    for _ in range(8):
        clock.advance(minutes=100)
        replay.set_cookie("session", stolen)
        response = replay.get("/")
        if response.status_code == 200 and replay.get_cookie("session"):
            stolen = replay.get_cookie("session").value  # the attacker keeps the refreshed cookie
    assert response.status_code == 302


# -- 14. the grading pages' raised limit, CSRF on --------------------------------------------------------


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_several_files_above_the_global_limit_pass_the_csrf_check(app_csrf, make_user, clock):
    from quiz.extensions import db
    from quiz.ledger.models import EvidenceFile as Stored

    app_csrf.config.update(MAX_CONTENT_LENGTH=256 * 1024, EVIDENCE_MAX_BYTES=200 * 1024)
    candidate = make_user(cohort="Promo A")
    assessor = make_user(roles=("assessor",))
    client = app_csrf.test_client()
    page = client.get("/login")
    client.post("/login", data={"email": assessor.email, "password": PASSWORD,
                                "csrf_token": csrf_token(page.get_data(as_text=True))})
    form = client.get(f"/evaluation/candidats/{candidate.id}/E5").get_data(as_text=True)
    files = [(io.BytesIO(PDF_BYTES + b"0" * (150 * 1024)), f"piece-{n}.pdf") for n in range(3)]  # 450 KiB in all
    data = grading(files) | {"csrf_token": csrf_token(form)}
    response = client.post(f"/evaluation/candidats/{candidate.id}/E5", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.status_code
    assert len(db.session.execute(db.select(Stored)).scalars().all()) == 3

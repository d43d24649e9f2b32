"""Forwarded headers are believed only from the configured proxies; the production server sends
no banner and, reached directly, trusts no forwarded header."""

from __future__ import annotations

import pytest

from quiz.proxies import TrustedProxies, parse_networks

httpx = pytest.importorskip("httpx")


def seen(trusted: str, remote: str, headers: dict[str, str], scheme: str = "http") -> dict:
    """What the application behind the middleware sees of a request."""
    captured = {}

    def app(environ, start_response):
        captured.update(environ)
        start_response("200 OK", [])
        return [b""]

    environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": scheme, "HTTP_HOST": "quiz.example",
               **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}
    TrustedProxies(app, parse_networks(trusted))(environ, lambda *a: None)
    return captured


FORGED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
          "X-Real-IP": "203.0.113.8", "Forwarded": "for=203.0.113.9;proto=https"}


@pytest.mark.parametrize("trusted", ["", "10.0.0.1", "192.168.0.0/16, ::1"])
def test_a_direct_client_cannot_choose_its_address_scheme_or_host(trusted):
    env = seen(trusted, "198.51.100.20", FORGED)
    assert env["REMOTE_ADDR"] == "198.51.100.20" and env["wsgi.url_scheme"] == "http"
    assert env["HTTP_HOST"] == "quiz.example"
    assert not [k for k in env if "FORWARDED" in k or k == "HTTP_X_REAL_IP"]


def test_by_default_not_even_localhost_is_trusted():
    assert seen("", "127.0.0.1", FORGED)["REMOTE_ADDR"] == "127.0.0.1"


def test_a_configured_proxy_gives_the_client_address_scheme_and_host():
    env = seen("10.0.0.1", "10.0.0.1", {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                                        "X-Forwarded-Host": "quiz.example.fr"})
    assert env["REMOTE_ADDR"] == "203.0.113.7" and env["wsgi.url_scheme"] == "https"
    assert env["HTTP_HOST"] == "quiz.example.fr"


def test_what_the_client_put_before_the_proxy_is_not_believed():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
    env = seen("10.0.0.0/8", "10.0.0.1", {"X-Forwarded-For": "1.2.3.4, 203.0.113.7, 10.0.0.2"})
    assert env["REMOTE_ADDR"] == "203.0.113.7"


def test_garbage_in_the_chain_keeps_the_last_good_address():
    assert seen("10.0.0.1", "10.0.0.1", {"X-Forwarded-For": "<script>, 203.0.113.7"})["REMOTE_ADDR"] == "203.0.113.7"
    assert seen("10.0.0.1", "10.0.0.1", {"X-Forwarded-For": "203.0.113.7, nonsense"})["REMOTE_ADDR"] == "10.0.0.1"


def test_a_unix_socket_peer_is_trusted_only_when_configured():
    assert seen("unix", "", {"X-Forwarded-For": "203.0.113.7"})["REMOTE_ADDR"] == "203.0.113.7"
    assert seen("", "", {"X-Forwarded-For": "203.0.113.7"})["REMOTE_ADDR"] == ""


def test_a_bad_setting_stops_the_start():
    with pytest.raises(ValueError):
        parse_networks("10.0.0.1, proxy.example")


def test_the_app_is_wired_with_the_setting(app, tmp_path):
    from quiz import create_app
    from tests.conftest import make_test_config

    behind = create_app(make_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path) | {
        "TRUSTED_PROXIES": "10.0.0.1"})
    response = behind.test_client().get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                                        headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    direct = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in direct.headers


@pytest.fixture
def server(db_url, tmp_path):
    from tests.security.test_crash_recovery import Server

    with_schema(db_url)
    running = Server(db_url, tmp_path)
    running.env["QUIZ_LOGIN_MAX_FAILURES_PER_IP"] = "3"
    running.start()
    yield running
    running.kill()


def with_schema(db_url):
    from sqlalchemy import create_engine

    import quiz.models  # noqa: F401
    from quiz.extensions import db

    engine = create_engine(db_url)
    db.metadata.create_all(engine)
    engine.dispose()


def test_the_production_server_sends_no_banner_and_trusts_no_forwarded_header(server):
    response = httpx.get(server.url + "/login", headers={"X-Forwarded-Proto": "https",
                                                        "X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 200
    assert "server" not in {k.lower() for k in response.headers}, response.headers
    assert "strict-transport-security" not in {k.lower() for k in response.headers}


def test_the_production_server_locks_a_direct_client_whatever_address_it_forwards(server):
    import re

    with httpx.Client(base_url=server.url) as client:
        codes = []
        for n in range(5):
            page = client.get("/login").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            codes.append(client.post("/login", headers={"X-Forwarded-For": f"198.51.100.{n}"},
                                     data={"email": f"inconnu{n}@example.org", "password": "mauvais-mot-de-passe",
                                           "csrf_token": token}).status_code)
    assert codes == [200, 200, 200, 429, 429], codes

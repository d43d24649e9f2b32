"""Security headers on every kind of response, and no inline script anywhere in the templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/login", "/nulle-part", "/healthz", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = csp_directives(response.headers["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    hsts = client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600


def test_json_api_errors_carry_the_headers_too(client, make_user, login):
    login(client, make_user())
    response = client.post("/api/attempts/999999/answers/1", json={"response": "a"})
    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_samesite(client, make_user, login):
    response = login(client, make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=[str(t.relative_to(TEMPLATES)) for t in TEMPLATE_FILES])
def test_templates_hold_no_inline_script_or_style(template):
    """The CSP would block them anyway; this keeps the templates honest before a browser sees them."""
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>: put it in static/js/"
    assert not re.search(r"\son[a-z]+\s*=", text), "event handler attribute: bind it from static/js/"
    assert not re.search(r"\sstyle\s*=", text), "style= attribute: use a class from static/css/"
    assert "javascript:" not in text.lower()


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=[str(t.relative_to(TEMPLATES)) for t in TEMPLATE_FILES])
def test_safe_filter_only_on_sanitised_html(template):
    """`|safe` is allowed on `*html` values only: by convention those come from quiz.banks.render."""
    text = template.read_text(encoding="utf-8")
    html_loop_vars = set(re.findall(r"{%-?\s*for\s+(\w+)\s+in\s+[\w.]+html\b", text))
    for expression in re.findall(r"{{-?\s*([^{}]*?)\s*\|\s*safe\b", text):
        assert expression.endswith("html") or expression in html_loop_vars, f"{expression}|safe"
    assert "Markup(" not in text

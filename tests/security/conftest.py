"""Helpers for the security tests: clients acting as a given user, HTML inspection."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import PASSWORD


def client_as(app, user):
    """A client whose session belongs to `user` (as after a login), or an anonymous one."""
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    return client


@pytest.fixture
def as_user(app):
    return lambda user: client_as(app, user)


def post_login(client, email, password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


class Elements(HTMLParser):
    """Every start tag of a document with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)


def parse_html(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset")


def active_content(html: str, allowed_image_prefixes: tuple[str, ...] = ("/",)) -> list[str]:
    """What in `html` could run script: script elements, on* handlers, javascript:/data: URLs, etc.

    An <img src> is allowed when it points under one of `allowed_image_prefixes` (local assets).
    """
    found = []
    doc = parse_html(html)
    for tag, attrs in doc.tags:
        if tag in ("script", "iframe", "object", "embed", "frame", "frameset", "base", "meta", "svg", "math",
                   "style", "link", "form"):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            if name == "style":
                found.append(f"<{tag} style>")
            if name in URL_ATTRIBUTES:
                url = "".join(value.split()).lower()
                if url.startswith(("javascript:", "vbscript:", "data:")):
                    found.append(f"<{tag} {name}={value!r}>")
                if tag == "img" and name == "src" and not value.startswith(allowed_image_prefixes):
                    found.append(f"<img src={value!r}>")
    return found


def page_scripts_are_external(html: str) -> list[str]:
    """Inline script in a whole page: <script> without src, script text, on* handlers, javascript: URLs."""
    problems = []
    doc = parse_html(html)
    for tag, attrs in doc.tags:
        if tag == "script" and not attrs.get("src"):
            problems.append("<script> without src")
        problems += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        problems += [f"<{tag} {n}>" for n, v in attrs.items()
                     if n in URL_ATTRIBUTES and "".join(v.split()).lower().startswith("javascript:")]
    problems += [f"script text {t[:40]!r}" for t in doc.script_text]
    return problems

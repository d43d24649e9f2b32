"""Browser tests: the app served on loopback in a thread, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


# Generous limits for a loaded machine: expectations wait on conditions, never on fixed sleeps,
# so a longer limit costs nothing when the page is quick and saves a run when it is slow.
EXPECT_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("QUIZ_REQUIRE_E2E") == "1":
            pytest.fail("QUIZ_REQUIRE_E2E=1 mais /usr/bin/chromium est absent (apt-get install chromium)")
        pytest.skip("Tests navigateur ignorés : /usr/bin/chromium absent (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app served on an ephemeral loopback port; yields its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Refused to" in msg.text else None)
    page.on("response",
            lambda r: errors.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400 else None)
    yield page
    context.close()
    assert not errors, f"erreurs JavaScript, CSP ou fichiers statiques manquants : {errors}"


@pytest.fixture
def browser_login():
    def do_login(page, user, password="motdepasse-solide"):
        page.goto("/login")
        page.get_by_label("Adresse e-mail").fill(user.email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("networkidle")

    return do_login

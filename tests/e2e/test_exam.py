"""A candidate's real journey in Chromium: take and pass, reload, lose the network, run out of time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quiz.exams.models import Attempt
from quiz.extensions import db
from tests.helpers import key_for


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test", first_name="Camille")


def answer(page, item) -> None:
    """Answer one question through its controls, as a person would."""
    position = item.position
    key = key_for(item)
    kind = item.version.payload["type"]
    if kind == "single":
        page.locator(f"#q{position}-{key}").check()
    elif kind == "multiple":
        for choice in key:
            page.locator(f"#q{position}-{choice}").check()
    elif kind == "truefalse":
        page.locator(f"#q{position}-{'true' if key else 'false'}").check()
    elif kind == "numeric":
        page.locator(f"#q{position}-value").fill(key)
        page.locator(f"#q{position}-value").blur()
    elif kind == "ordering":
        for rank, item_id in enumerate(key, start=1):
            page.locator(f"#q{position}-rank-{item_id}").select_option(str(rank))
    elif kind == "matching":
        for left, right in key.items():
            page.locator(f"#q{position}-match-{left}").select_option(right)


def current_attempt() -> Attempt:
    db.session.expire_all()
    return db.session.execute(select(Attempt)).scalar_one()


def items(attempt: Attempt) -> dict:
    return {i.position: i for i in attempt.items}


def start(page, browser_login, candidate) -> Attempt:
    browser_login(page, candidate)
    page.get_by_role("link", name="Mes questionnaires").first.click()
    page.get_by_role("link", name=re.compile("Commencer")).click()
    expect(page.locator("#start-terms")).to_contain_text("Fin de la tentative")
    page.get_by_role("button", name="Commencer maintenant").click()
    expect(page.get_by_role("timer")).to_be_visible()
    return current_attempt()


def show_all(page) -> None:
    page.get_by_role("button", name="Afficher toutes les questions sur une page").click()
    expect(page.get_by_role("button", name="Afficher une question par page")).to_be_visible()


def wait_all_saved(page) -> None:
    expect(page.get_by_role("status").filter(has_text="Toutes vos réponses sont enregistrées")).to_be_visible()


def test_take_a_whole_questionnaire_and_pass(page, browser_login, clock, open_session, candidate):
    open_session(count=6)
    attempt = start(page, browser_login, candidate)
    questions = items(attempt)
    for position in range(1, 7):
        expect(page.get_by_role("group", name=f"Question {position} sur 6")).to_be_visible()
        answer(page, questions[position])
        wait_all_saved(page)
        if position < 6:
            page.get_by_role("button", name="Question suivante →").click()
    page.get_by_role("button", name="Terminer et remettre").click()
    expect(page.get_by_text("Vous avez répondu à toutes les questions.")).to_be_visible()
    page.get_by_role("button", name="Oui, remettre mon questionnaire").click()
    expect(page.locator("#result-verdict")).to_contain_text("Réussi")
    expect(page.locator("#result-score")).to_contain_text("6 bonnes réponses sur 6")


def test_a_reload_keeps_every_answer(page, browser_login, clock, open_session, candidate):
    open_session(count=6)
    attempt = start(page, browser_login, candidate)
    show_all(page)
    questions = items(attempt)
    for position in (1, 2, 3, 4):
        answer(page, questions[position])
    page.locator("#flag5").check()
    wait_all_saved(page)
    page.reload()
    for position in (1, 2, 3, 4):
        key = key_for(questions[position])
        kind = questions[position].version.payload["type"]
        if kind == "single":
            expect(page.locator(f"#q{position}-{key}")).to_be_checked()
        elif kind == "numeric":
            expect(page.locator(f"#q{position}-value")).to_have_value(key)
    expect(page.locator("#flag5")).to_be_checked()
    saved = current_attempt().items
    assert all(item.response is not None for item in saved[:4])
    assert saved[4].flagged


def test_answers_survive_a_network_cut(page, browser_login, clock, open_session, candidate):
    open_session(count=6)
    attempt = start(page, browser_login, candidate)
    show_all(page)
    questions = items(attempt)
    page.route("**/api/attempts/**", lambda route: route.abort("internetdisconnected"))
    for position in (1, 2, 3):
        answer(page, questions[position])
    expect(page.get_by_role("status").filter(has_text="Connexion perdue")).to_be_visible()
    assert all(i.response is None for i in current_attempt().items)
    page.unroute("**/api/attempts/**")
    wait_all_saved(page)
    responses = {i.position: i.response for i in current_attempt().items}
    for position in (1, 2, 3):
        assert responses[position] is not None


def test_an_ended_session_keeps_the_answer_in_the_browser(page, browser_login, clock, open_session, candidate):
    """Logged out mid-exam (another tab, an expired session): the refused save is not taken for done;
    once logged in again, the reloaded page sends it."""
    open_session(count=6)
    attempt = start(page, browser_login, candidate)
    show_all(page)
    questions = items(attempt)
    page.context.clear_cookies()
    answer(page, questions[1])
    expect(page.get_by_role("status").filter(has_text="Votre session a pris fin")).to_be_visible()
    assert current_attempt().items[0].response is None
    browser_login(page, candidate)
    page.goto(f"/attempts/{attempt.id}")
    wait_all_saved(page)
    assert current_attempt().items[0].response is not None


def test_the_countdown_reaching_zero_submits(page, browser_login, clock, open_session, candidate):
    open_session(count=6, minutes=1)
    attempt = start(page, browser_login, candidate)
    answer(page, items(attempt)[1])
    wait_all_saved(page)
    clock.advance(seconds=56)
    page.reload()
    expect(page.locator("#result-verdict")).to_be_visible(timeout=15_000)
    expect(page.locator("#result-score")).to_contain_text("1 bonne")
    assert current_attempt().finished


def test_the_timer_is_announced_to_screen_readers(page, browser_login, clock, open_session, candidate):
    open_session(count=6, minutes=20)
    start(page, browser_login, candidate)
    clock.advance(minutes=10, seconds=3)
    page.reload()
    expect(page.locator("#timer-announce")).to_have_text("Il reste 10 minutes.", timeout=8_000)
    expect(page.get_by_role("timer")).to_contain_text("min")


def test_time_cannot_be_bought_back_by_the_browser(page, browser_login, clock, open_session, candidate):
    open_session(count=6, minutes=30)
    attempt = start(page, browser_login, candidate)
    clock.advance(minutes=45)
    response = page.request.post(f"/api/attempts/{attempt.id}/answers/1",
                                 data={"response": None, "remaining_seconds": 9999},
                                 headers={"X-CSRFToken": page.locator("input[name=csrf_token]").first.input_value()})
    assert response.status == 409

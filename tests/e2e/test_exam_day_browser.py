"""Exam day in Chromium: offline to the last second, late answers decided on, an early closing, a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from quiz.exams.admin import save_session, to_local
from tests.e2e.test_exam import answer, current_attempt, items, start, wait_all_saved


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test", first_name="Camille")


def status(page):
    return page.locator("#save-status")


def test_offline_at_the_deadline_nothing_is_dropped_and_an_admin_decides(
        page, browser, live_server, browser_login, clock, open_session, candidate, make_user):
    session = open_session(count=6, minutes=1)
    attempt = start(page, browser_login, candidate)
    questions = items(attempt)
    answer(page, questions[1])
    wait_all_saved(page)
    clock.advance(seconds=45)
    page.reload()  # the server now gives the page a quarter of a minute
    expect(page.get_by_role("timer")).to_contain_text("min")
    page.context.set_offline(True)

    # Offline, every question is still reachable, on the page itself.
    page.get_by_role("button", name="Question suivante →").click()
    expect(page.get_by_role("group", name="Question 2 sur 6")).to_be_visible()
    expect(page.locator("#question-2-title")).to_be_focused()
    answer(page, questions[2])
    page.locator("#nav-3").click()
    expect(page.get_by_role("group", name="Question 3 sur 6")).to_be_visible()
    answer(page, questions[3])
    # A link that would leave the page is held back, with a plain message.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mes questionnaires").click()
    expect(status(page)).to_contain_text("ce lien quitterait le questionnaire")
    assert re.search(r"/attempts/\d+", page.url)

    # 0:00 passes while offline: the page keeps what it holds and says so.
    expect(status(page)).to_contain_text("Temps écoulé, hors ligne", timeout=60_000)
    clock.advance(minutes=2)
    page.context.set_offline(False)

    # Back online: the two answers are stored as late answers, and the candidate sees what counted.
    expect(page.locator("#late-answers")).to_contain_text("2 réponses arrivées après la fin du temps")
    expect(page.locator("#result-score")).to_contain_text("1 bonne réponse sur 6")
    expect(page.locator("#result-counted")).to_contain_text("1 question avait une réponse enregistrée")
    assert current_attempt().finished_by == "deadline"

    # The follow-up shows the incident; an administrator accepts the answers with a reason.
    admin = make_user(roles=("admin",))
    staff = browser.new_context(base_url=live_server, locale="fr-FR")
    staff_page = staff.new_page()
    browser_login(staff_page, admin)
    staff_page.goto(f"/manage/sessions/{session.id}")
    incidents = staff_page.locator("#incidents")
    expect(incidents).to_contain_text("2 réponses tardives")
    incidents.get_by_role("link", name="Examiner").click()
    staff_page.get_by_label(re.compile("^Accepter")).check()
    staff_page.get_by_label("Motif (inscrit au journal)").fill("Coupure du réseau du centre à la fin de l'épreuve")
    staff_page.get_by_role("button", name="Enregistrer la décision").click()
    expect(staff_page.get_by_role("status")).to_contain_text("Réponses tardives acceptées")
    staff.close()

    page.reload()
    expect(page.locator("#result-score")).to_contain_text("3 bonnes réponses sur 6")
    expect(page.locator("#result-rescored")).to_contain_text("acceptation de vos réponses tardives")


def test_an_early_closing_reaches_the_open_page(page, browser_login, clock, open_session, candidate, make_user):
    session = open_session(count=6, minutes=60)
    attempt = start(page, browser_login, candidate)
    save_session(session, session.questionnaire_id, to_local(session.opens_at),
                 to_local(clock.now + timedelta(minutes=10)), [c.id for c in session.cohorts], make_user(("admin",)))
    answer(page, items(attempt)[1])
    expect(page.locator("#timer-announce")).to_contain_text("La session a été fermée plus tôt")
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"\b(9|10)\s*min"))


def test_duplicate_ranks_are_refused_next_to_the_question(page, browser_login, clock, open_session, candidate):
    open_session(count=6)
    attempt = start(page, browser_login, candidate)
    ordering = next(i for i in attempt.items if i.version.payload["type"] == "ordering")
    page.locator(f"#nav-{ordering.position}").click()
    first, second, *rest = [str(n) for n in range(1, len(ordering.option_order) + 1)]  # elements by position
    page.locator(f"#q{ordering.position}-rank-{first}").select_option("1")
    page.locator(f"#q{ordering.position}-rank-{second}").select_option("1")
    for rank, item_id in enumerate(rest, start=3):
        page.locator(f"#q{ordering.position}-rank-{item_id}").select_option(str(rank))
    error = page.locator(f"#q{ordering.position}-error")
    expect(error).to_contain_text("Deux éléments ont le même rang (1)")
    expect(page.locator(f"#q{ordering.position}-rank-{first}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#nav-{ordering.position}")).to_have_class(re.compile("btn-outline-secondary"))
    page.locator(f"#q{ordering.position}-rank-{second}").select_option("2")
    expect(error).to_be_empty()
    wait_all_saved(page)
    assert current_attempt().items[ordering.position - 1].answered


def test_on_a_phone_the_countdown_and_the_panel_stay_in_view(browser, live_server, browser_login, clock,
                                                             open_session, candidate):
    phone = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 740},
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        open_session(count=6)
        start(page, browser_login, candidate)
        page.get_by_role("button", name="Afficher toutes les questions sur une page").click()
        page.locator("#question-6").scroll_into_view_if_needed()
        expect(page.locator("#question-6")).to_be_in_viewport()
        expect(page.get_by_role("timer")).to_be_in_viewport()
        expect(page.locator("#nav-1")).to_be_in_viewport()
    finally:
        phone.close()

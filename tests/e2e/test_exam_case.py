"""In Chromium: a case's text shown once above its questions, which come together on one page;
a short answer typed and counted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from quiz.banks.importer import import_banks
from quiz.referential import load_referential
from tests.e2e.test_exam import answer, current_attempt, items, start, wait_all_saved
from tests.helpers import FIXTURES, key_for


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test", first_name="Camille")


@pytest.fixture
def case_session(open_session):
    report = import_banks({"01-analyse-financiere.md": (FIXTURES / "case-bank.md").read_text(encoding="utf-8")},
                          load_referential())
    assert report.ok
    return open_session(count=3)


def test_a_case_and_its_questions_on_one_page(page, browser_login, clock, case_session, candidate):
    attempt = start(page, browser_login, candidate)
    questions = items(attempt)
    case_positions = [p for p, i in questions.items() if i.version.payload.get("case")]
    assert len(case_positions) == 2 and case_positions[1] == case_positions[0] + 1
    lone = next(p for p in questions if p not in case_positions)
    pages = [[lone], case_positions] if lone == 1 else [case_positions, [lone]]
    for number, shown in enumerate(pages):
        for position in shown:
            expect(page.get_by_role("group", name=f"Question {position} sur 3")).to_be_visible()
            item = questions[position]
            if item.version.payload["type"] == "short":
                field = page.get_by_role("textbox", name="Votre réponse").nth(shown.index(position))
                field.fill("  CYCLE ")
                field.blur()
            else:
                answer(page, item)
        case_text = page.get_by_role("region", name="Cas : La société Dupont", exact=True)
        if shown == case_positions:
            expect(case_text).to_be_visible()
            expect(case_text).to_contain_text("fabrique des vélos")
        else:
            expect(case_text).to_have_count(0)
        wait_all_saved(page)
        if number == 0:
            page.get_by_role("button", name="Question suivante →").click()
    expect(page.get_by_role("button", name="Question suivante →")).to_have_count(0)
    page.get_by_role("button", name="Terminer et remettre").click()
    page.get_by_role("button", name="Oui, remettre mon questionnaire").click()
    expect(page.locator("#result-score")).to_contain_text(re.compile("3 bonnes réponses sur 3"))
    short = next(i for i in current_attempt().items if i.version.payload["type"] == "short")
    assert short.response == "CYCLE" and key_for(short) == "cycle"

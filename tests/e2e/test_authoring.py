"""A trainer fixes a broken bank guided by the errors, previews it, publishes it and sees the diff."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from quiz.banks.importer import import_banks
from quiz.referential import load_referential
from tests.unit.banks.banktext import SINGLE, TRUEFALSE, bank, line_of

FILE = "01-analyse-financiere.md"
PUBLISHED = bank(SINGLE, TRUEFALSE)
EDITED = bank(SINGLE.replace("Quel est le BFRE ?", "Quel est le besoin en fonds de roulement d'exploitation ?"),
              TRUEFALSE)
BROKEN = EDITED.replace("- [ ] 60 k€", "- [x] 60 k€")


def test_trainer_fixes_previews_publishes_and_sees_the_diff(app, page, make_user, browser_login, tmp_path):
    directory = tmp_path / "question_banks"
    directory.mkdir()
    (directory / FILE).write_text(BROKEN, encoding="utf-8")
    app.config["QUESTION_BANKS_DIR"] = str(directory)
    assert import_banks({FILE: PUBLISHED}, load_referential()).ok
    trainer = make_user(roles=("trainer",), first_name="Claire", last_name="Formatrice")

    browser_login(page, trainer)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Banques de questions").click()
    page.get_by_role("link", name="1. Analyse financière").click()
    expect(page.locator(".CodeMirror")).to_be_visible()

    line = line_of(BROKEN, "[x] 60 k€")
    status = page.locator("#problem-status")
    expect(status).to_contain_text("1 erreur à corriger")
    problem = page.locator("#problem-list li").first
    expect(problem).to_contain_text("AF-001")
    expect(problem).to_contain_text("2 réponses cochées")
    expect(problem).to_contain_text("une seule est attendue")

    problem.get_by_role("link", name=f"Ligne {line}").click()
    cursor_line = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getCursor().line")
    assert cursor_line == line - 1
    page.keyboard.press("Shift+End")
    page.keyboard.type("- [ ] 60 k€")
    expect(status).to_contain_text("Aucune erreur : 2 questions prêtes à publier.")
    expect(page.locator("#problem-list li")).to_have_count(0)

    page.get_by_role("button", name="Aperçu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aperçu")
    expect(page.locator(".candidate-view").first).to_contain_text("besoin en fonds de roulement d'exploitation")
    expect(page.locator(".trainer-only").first).to_contain_text("Bonne réponse : 240 k€")

    page.get_by_role("link", name="Retour à l'éditeur").click()
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifications de la banque")
    expect(page.get_by_role("status")).to_contain_text("0 ajoutée(s), 1 modifiée(s), 0 retirée(s)")
    expect(page.locator(".diff-del")).to_contain_text(["- Quel est le BFRE ?"])
    expect(page.locator(".diff-add")).to_contain_text([re.compile(r"\+ Quel est le besoin en fonds de roulement")])
    assert (directory / FILE).read_text(encoding="utf-8") == EDITED

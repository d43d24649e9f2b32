"""A trainer brings a Moodle GIFT file into a bank: reads the report, picks the bank, checks the draft."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from quiz.banks.importer import import_banks
from quiz.referential import load_referential
from tests.helpers import FIXTURES
from tests.unit.banks.banktext import SINGLE, TRUEFALSE, bank

FILE = "01-analyse-financiere.md"


def test_trainer_imports_a_moodle_file_into_a_bank_draft(app, page, make_user, browser_login, tmp_path: Path):
    directory = tmp_path / "question_banks"
    directory.mkdir()
    published = bank(SINGLE, TRUEFALSE)
    (directory / FILE).write_text(published, encoding="utf-8")
    app.config["QUESTION_BANKS_DIR"] = str(directory)
    assert import_banks({FILE: published}, load_referential()).ok
    browser_login(page, make_user(roles=("trainer",), first_name="Claire", last_name="Formatrice"))

    page.goto("/atelier/banques")
    page.get_by_role("link", name="Importer une banque Moodle (XML ou GIFT)").click()
    gift = FIXTURES / "moodle" / "gift-reference.gift"
    page.get_by_label("Export Moodle (XML ou GIFT, UTF-8)").set_input_files(str(gift))
    page.get_by_role("button", name="Lire le fichier").click()
    expect(page.get_by_role("status")).to_contain_text("22 questions lues")
    report = page.get_by_role("table")
    expect(report.get_by_role("row").filter(has_text="Ordre partiel")).to_contain_text("RELATIVE_NEXT_EXCLUDE_LAST")
    expect(report.get_by_role("row").filter(has_text="Appariement")).to_contain_text("distractrice")

    page.get_by_label("Banque qui reçoit les questions").select_option("1")
    page.get_by_role("button", name="Ajouter 19 questions au brouillon").click()
    expect(page.get_by_text("19 ajoutée(s) au brouillon")).to_be_visible()
    expect(page.locator("#problem-status")).to_contain_text("Aucune erreur : 21 questions prêtes à publier.")

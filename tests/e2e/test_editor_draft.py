"""The bank editor never loses an edit: leaving asks first, and the text typed is offered back."""

from __future__ import annotations

from playwright.sync_api import expect

from quiz.banks.importer import import_banks
from quiz.referential import load_referential
from tests.unit.banks.banktext import SINGLE, TRUEFALSE, bank

FILE = "01-analyse-financiere.md"


def editor_holds(page, text: str) -> None:
    """Wait until the editor's text (CodeMirror draws only the lines in view) contains `text`."""
    page.wait_for_function("t => document.querySelector('.CodeMirror').CodeMirror.getValue().includes(t)", arg=text)


def test_an_unsaved_edit_asks_before_leaving_and_comes_back(app, browser, live_server, make_user, browser_login):
    assert import_banks({FILE: bank(SINGLE, TRUEFALSE)}, load_referential()).ok
    trainer = make_user(roles=("trainer",))
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    browser_login(page, trainer)
    page.goto("/atelier/banques/1")
    expect(page.locator(".CodeMirror")).to_be_visible()
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nUne ligne ajoutée, pas encore enregistrée.")

    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.close(run_before_unload=True)
    expect(page.locator("body")).to_be_visible()  # staying: the leaving was refused in the dialog
    assert dialogs == ["beforeunload"]
    page.remove_listener("dialog", on_dialog)
    page.evaluate("window.onbeforeunload = null")

    again = context.new_page()
    again.goto("/atelier/banques/1")
    offer = again.locator("#local-draft")
    expect(offer).to_contain_text("n'a pas été enregistré")
    again.get_by_role("button", name="Reprendre ce texte").click()
    expect(offer).to_be_hidden()
    editor_holds(again, "Une ligne ajoutée, pas encore enregistrée.")

    again.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(again.locator(".flash-messages")).to_contain_text("Brouillon enregistré")
    again.reload()
    editor_holds(again, "Une ligne ajoutée")
    expect(again.locator("#local-draft")).to_be_hidden()
    context.close()

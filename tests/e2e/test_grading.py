"""An assessor grades in the browser; the candidate's dashboard changes accordingly."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from quiz.referential import load_referential

REF = load_referential()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def fill_competence(page, code: str, outcome: str = "Acquis") -> None:
    group = page.locator(f"#groupe-{code}")
    for item in REF.competence(code).criteria.items:
        group.get_by_role("group", name=item, exact=True).first.get_by_label("Satisfait", exact=True).check()
    group.get_by_role("group", name="Résultat").get_by_label(outcome, exact=True).check()


def test_assessor_grades_and_the_candidate_sees_it(page, make_user, browser_login, browser):
    candidate = make_user(cohort="Promotion 2026-A", first_name="Élodie", last_name="Martin")
    assessor = make_user(roles=("assessor",), first_name="Paul")

    browser_login(page, assessor)
    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Évaluations").click()
    expect(page.get_by_role("heading", level=1, name="Évaluations en attente")).to_be_visible()
    page.get_by_role("row", name=re.compile("MARTIN Élodie")).get_by_role("link", name="Évaluer en E4").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Évaluer E4 — Élodie Martin")

    # Grade C5 only: untick the other preselected competences.
    for comp in REF.competences_requiring("E4"):
        box = page.get_by_label(f"Évaluer {comp.label}")
        if comp.code == "C5":
            box.check()
        else:
            box.uncheck()
    fill_competence(page, "C5")
    page.locator("#groupe-C5").get_by_label("Note sur 20 (facultatif)").fill("15,5")
    page.get_by_label("Commentaire").fill("Entretien bien préparé.")
    page.get_by_label("Pièces justificatives (PDF, DOCX, ODT ou XLSX)").set_input_files(
        [{"name": "compte-rendu.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    expect(page.get_by_role("status")).to_contain_text("Évaluation enregistrée pour Élodie Martin.")
    expect(page.locator("#competence-C5")).to_contain_text("Acquise")
    expect(page.get_by_role("link", name="compte-rendu.pdf")).to_be_visible()
    expect(page.locator(".ledger-history")).to_contain_text("15,5 / 20")

    context = browser.new_context(base_url=page.url.split("/registre")[0], locale="fr-FR")
    mine = context.new_page()
    browser_login(mine, candidate)
    mine.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Ma progression").click()
    row = mine.locator("#competence-C5")
    expect(row).to_contain_text("Acquise")
    expect(mine.locator("#bloc-B2")).to_contain_text("En cours")  # one competence is not a bloc
    context.close()


def test_an_oversized_evidence_file_keeps_the_rest_of_the_form(page, app, make_user, browser_login):
    app.config["EVIDENCE_MAX_BYTES"] = 1024 * 1024
    candidate = make_user(cohort="Promotion 2026-A")
    browser_login(page, make_user(roles=("assessor",)))
    page.goto(f"/evaluation/candidats/{candidate.id}/E4?c=C5")
    fill_competence(page, "C5")
    page.get_by_label("Commentaire").fill("À ne pas perdre")
    page.get_by_label("Pièces justificatives (PDF, DOCX, ODT ou XLSX)").set_input_files(
        [{"name": "enorme.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * (1024 * 1024)}]
    )
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    expect(page.get_by_text("« enorme.pdf » dépasse la taille maximale de 1 Mo")).to_be_visible()
    expect(page.get_by_label("Commentaire")).to_have_value("À ne pas perdre")
    expect(page.get_by_label("Évaluer C5 (B2.1)")).to_be_checked()

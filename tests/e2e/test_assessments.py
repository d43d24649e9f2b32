"""In the browser: a candidate deposits and gets a receipt; an assessor marks the anonymous copy."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from quiz.assessments import marking
from quiz.referential import load_referential
from tests.assessments_helpers import PDF_BYTES, cohort_of, make_session

REF = load_referential()


def test_a_candidate_deposits_and_an_assessor_marks_the_anonymous_copy(page, make_user, browser_login):
    candidate = make_user(cohort="Promotion 2026-D", first_name="Élodie", last_name="Martin")
    admin = make_user(roles=("admin",))
    assessor = make_user(roles=("assessor",), first_name="Paul")
    session = make_session(admin, cohort_of(candidate), competences=("C10",), title="Synthèse argumentée")

    browser_login(page, candidate)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mes dépôts").click()
    page.get_by_role("row", name=re.compile("Synthèse argumentée")).get_by_role("link", name="Déposer").click()
    page.get_by_label("Fichiers (PDF, DOCX, ODT ou XLSX)").set_input_files(
        [{"name": "synthèse Martin.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("heading", level=1, name="Accusé de dépôt")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("synthèse Martin.pdf")
    expect(page.locator("body")).to_contain_text(re.compile(r"AD-[A-Z2-9]{10}"))
    page.get_by_role("button", name="Élodie Martin").click()
    page.get_by_role("button", name="Se déconnecter").click()

    marking.auto_allocate(session, admin)
    other = page
    browser_login(other, assessor)
    other.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mes copies").click()
    expect(other.locator("main")).not_to_contain_text("Martin")
    other.get_by_role("link", name=re.compile(r"E5-\d{5}")).click()
    expect(other.get_by_role("link", name=re.compile(r"E5-\d{5}-1\.pdf"))).to_be_visible()
    group = other.locator("#groupe-C10")
    for item in REF.competence("C10").criteria.items:
        group.get_by_role("group", name=item, exact=True).first.get_by_label("Satisfait", exact=True).check()
    group.get_by_role("group", name="Résultat").get_by_label("Acquis", exact=True).check()
    other.get_by_role("button", name="Enregistrer ma correction").click()
    expect(other.get_by_role("status")).to_contain_text("Correction de la copie")
    expect(other.get_by_role("cell", name="rendue")).to_be_visible()

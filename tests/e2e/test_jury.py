"""The jury in the browser: a session created, a candidate deliberated, the deliberation closed,
then the certificate checked by a recruiter on the public page (no login)."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from quiz.certification import service
from quiz.certification.identity import Identity
from quiz.referential import load_referential
from tests.integration.test_ledger_views import pass_everything

REF = load_referential()


def test_a_jury_awards_and_a_recruiter_verifies(page, make_user, browser_login, browser, clock):
    admin = make_user(roles=("admin",), first_name="Inès")
    assessor = make_user(roles=("assessor",))
    candidate = make_user(cohort="Promotion 2026-A", first_name="Élodie", last_name="Martin")
    pass_everything(candidate.id, assessor.id, [*REF.bloc("B2").competences], date(2026, 6, 1))
    service.save_identity(candidate.id, Identity(birth_name="Martin", first_name1="Élodie",
                                                 birth_date=date(1994, 3, 2), sex="F", commune_code="69123",
                                                 birth_place="Lyon"), "admin")

    browser_login(page, admin)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Jurys").click()
    page.get_by_role("link", name="Nouvelle session de jury").click()
    page.get_by_label("Date de la délibération").fill("2026-06-15")
    page.get_by_label("Lieu").fill("Lyon")
    page.get_by_label("Nom du membre 1").fill("Jeanne Président")
    page.get_by_label("Qualité du membre 1").fill("Directrice")
    page.get_by_label("Président (membre 1)").check()
    page.get_by_role("button", name="Créer la session").click()
    expect(page.get_by_role("status").first).to_contain_text("Session de jury créée")

    page.get_by_label("MARTIN Élodie").check()
    page.get_by_role("button", name="Présenter au jury").click()
    page.get_by_role("row", name=re.compile("MARTIN Élodie")).get_by_role("link", name=re.compile("Délibérer")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MARTIN Élodie")
    expect(page.get_by_text("Blocs : bloc 2")).to_be_visible()
    expect(page.get_by_label("Blocs délivrés (certification partielle)")).to_be_checked()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("status").first).to_contain_text("Décision enregistrée")

    page.get_by_label("Nom du président, qui clôt la délibération").fill("Jeanne Président")
    page.get_by_role("button", name="Clore la délibération").click()
    expect(page.get_by_role("status").first).to_contain_text("1 certificat(s) délivré(s)")
    (cert,) = service.certificates_of(candidate.id)

    recruiter = browser.new_context(base_url=page.url.split("/certification")[0], locale="fr-FR")
    public = recruiter.new_page()
    public.goto(f"/verification/{cert.verification_code}")
    expect(public.get_by_role("heading", level=1)).to_have_text("Vérification d'un certificat")
    expect(public.get_by_role("status")).to_contain_text("Certificat valide")
    expect(public.locator("main")).to_contain_text("Élodie MARTIN")
    expect(public.locator("main")).to_contain_text(cert.number)
    expect(public.locator("main")).not_to_contain_text("1994")
    recruiter.close()

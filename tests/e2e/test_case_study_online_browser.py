"""An E3 case study written online in Chromium: start with the terms, write with autosave, lose the
network at the end of the time, and find the copy handed in and the late text kept apart."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from quiz import storage
from quiz.assessments import casestudies
from quiz.assessments.models import OnlineAttempt
from quiz.extensions import db
from quiz.referential import load_referential
from tests.assessments_helpers import CASES, GUIDE_PHRASE, cohort_of, make_session


def test_the_candidate_writes_online_and_the_copy_is_handed_in_at_the_end(page, browser_login, clock, make_user):
    casestudies.import_case_studies(casestudies.case_study_files((CASES,)), load_referential())
    candidate = make_user(cohort="Promo E3", first_name="Camille")
    study = casestudies.current_versions(1)[0].case_study
    make_session(make_user(roles=("admin",)), cohort_of(candidate), modality="E3", competences=("C16",),
                           thematic=1, mode="online", case_study_id=study.id, closes_in=8 * 3600,
                           title="Étude de cas en ligne")
    browser_login(page, candidate)
    page.goto("/epreuves/")
    page.get_by_role("link", name="Rédiger en ligne").click()
    expect(page.locator("#start-terms")).to_contain_text(re.compile(r"3\s*h"))
    page.get_by_role("button", name="Commencer maintenant").click()

    # The subject, its documents, the answer; never the marking guide.
    expect(page.get_by_role("heading", name="Sujet")).to_be_visible()
    expect(page.locator(".case-subject table").first).to_contain_text("Chiffre d'affaires")
    expect(page.get_by_role("link", name=re.compile("Utilisation mensuelle du compte courant"))).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(GUIDE_PHRASE)
    answer = page.get_by_label(re.compile("Rédigez votre analyse"))
    answer.fill("L'EBE passe de 780 à 614 k€ : la marge se dégrade.")
    expect(page.locator("#q1-count")).to_contain_text("50 caractères sur 100")
    expect(page.locator("#save-status")).to_contain_text(re.compile(r"Votre texte est enregistré \("))

    # Fifteen seconds before the end (the server's time), the network goes; the text typed stays here.
    attempt_id = re.search(r"/redaction/(\d+)", page.url).group(1)
    for _ in range(11):  # the page's own status polls keep the login alive meanwhile
        clock.advance(minutes=15)
        assert page.request.get(f"/epreuves/api/redaction/{attempt_id}/status").ok
    clock.advance(minutes=14, seconds=45)
    page.reload()
    expect(answer).to_have_value("L'EBE passe de 780 à 614 k€ : la marge se dégrade.")
    page.context.set_offline(True)
    answer.press("End")
    answer.type(" Ajout hors ligne.")
    expect(page.locator("#save-status")).to_contain_text("Connexion perdue")
    expect(page.locator("#save-status")).to_contain_text("Temps écoulé, hors ligne", timeout=60_000)
    clock.advance(minutes=2)
    page.context.set_offline(False)

    # Back online: the late text is kept apart, the copy is the text saved in time, with its receipt.
    expect(page.locator("#handed-in")).to_contain_text("Copie remise", timeout=60_000)
    expect(page.locator("body")).to_contain_text("réponse tardive")
    written = db.session.execute(select(OnlineAttempt)).scalar_one()
    db.session.refresh(written)
    assert written.attempt.finished_by == "deadline" and written.submission_id is not None
    assert storage.read(written.submission.latest.files[0].stored_key).decode() == (
        "L'EBE passe de 780 à 614 k€ : la marge se dégrade.")
    page.get_by_role("link", name="Voir l'accusé de remise").click()
    expect(page.locator("body")).to_contain_text(written.submission.latest.reference)

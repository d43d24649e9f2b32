"""Assessors grade in the browser; the candidate's dashboard follows; corrections keep history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quiz.extensions import db
from quiz.ledger import service
from quiz.ledger.models import LedgerEntry
from quiz.referential import load_referential

REF = load_referential()


@pytest.fixture
def setup(make_user, clock):
    candidate = make_user(cohort="Promo A", first_name="Élodie", last_name="Martin")
    assessor = make_user(roles=("assessor",))
    return candidate, assessor


def form_data(codes, modality="E5", passed=True, **extra):
    """A complete grading of `codes`: every criterion satisfied (or not), the outcome, a score."""
    data = {"assessed_on": "2026-06-10", "comment": "Travail soigné"}
    for code in codes:
        comp = REF.competence(code)
        data[f"{code}_selected"] = "y"
        data[f"{code}_outcome"] = "1" if passed else "0"
        data[f"{code}_score"] = "14,5"
        for i in range(len(comp.criteria.items)):
            data[f"{code}_criterion_{i}"] = "1" if passed else "0"
    data.update(extra)
    return data


def entries() -> list[LedgerEntry]:
    return list(db.session.execute(select(LedgerEntry).order_by(LedgerEntry.id)).scalars())


def test_the_form_shows_statements_and_criteria_of_each_competence_of_the_modality(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    html = client.get(f"/evaluation/candidats/{candidate.id}/E5?c=C1").get_data(as_text=True)
    for code in ("C1", "C2", "C3", "C4", "C8", "C10", "C11", "C12"):
        assert f'id="groupe-{code}"' in html
    assert 'id="groupe-C5"' not in html  # C5 is not assessed by E5
    c1 = REF.competence("C1")
    assert c1.statement in html.replace("&#39;", "'")
    assert all(item in html.replace("&#39;", "'") for item in c1.criteria.items)
    assert re.search(r'name="C1_selected"[^>]*checked|checked[^>]*name="C1_selected"', html)
    assert not re.search(r'name="C2_selected"[^>]*checked', html)


def test_grading_several_competences_updates_the_candidates_dashboard(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    response = client.post(f"/evaluation/candidats/{candidate.id}/E5", data=form_data(["C1", "C2", "C3", "C4"]))
    assert response.status_code == 302
    rows = entries()
    assert [(e.competence, e.modality, e.passed) for e in rows] == [(c, "E5", True) for c in ("C1", "C2", "C3", "C4")]
    assert len({e.act_id for e in rows}) == 1
    assert rows[0].verdicts == {0: True, 1: True, 2: True} and str(rows[0].score) == "14.50"

    client.post("/logout")
    login(client, candidate)
    html = client.get("/registre/").get_data(as_text=True)
    c1 = re.search(r'id="competence-C1".*?</tr>', html, re.S).group(0)
    assert 'data-state="met"' in c1 and "Acquise" in c1 and "10/06/2026" in c1
    c2 = re.search(r'id="competence-C2".*?</tr>', html, re.S).group(0)
    assert "En cours" in c2  # E5 met, E4 still to do


def test_a_bloc_with_one_competence_missing_stays_not_validated_in_the_browser(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    client.post(f"/evaluation/candidats/{candidate.id}/E5", data=form_data(["C10", "C11", "C12"]))
    client.post(f"/evaluation/candidats/{candidate.id}/E4", data=form_data(["C10", "C11"]))
    html = client.get(f"/registre/candidats/{candidate.id}").get_data(as_text=True)
    heading = re.search(r'<h2 id="bloc-B3".*?</h2>', html, re.S).group(0)
    assert "Validé" not in heading.replace("Non validé", "") and "En cours" in heading
    assert not service.candidate_status(candidate.id).bloc("B3").validated

    client.post(f"/evaluation/candidats/{candidate.id}/E4", data=form_data(["C12"]))
    html = client.get(f"/registre/candidats/{candidate.id}").get_data(as_text=True)
    heading = re.search(r'<h2 id="bloc-B3".*?</h2>', html, re.S).group(0)
    assert 'data-state="met"' in heading and "Validé" in heading
    assert "Certification partielle" in html or "blocs validés" in html


def test_an_incomplete_form_is_refused_with_french_messages_and_keeps_what_was_typed(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    data = form_data(["C1"], comment="Commentaire à garder")
    del data["C1_criterion_1"]
    del data["C1_outcome"]
    html = client.post(f"/evaluation/candidats/{candidate.id}/E5", data=data).get_data(as_text=True)
    assert "Donnez un avis sur ce critère" in html and "Indiquez si la compétence est acquise" in html
    assert "Commentaire à garder" in html and re.search(r'name="C1_score"[^>]*value="14[.,]50?"', html)
    kept = [tag for tag in re.findall(r"<input[^>]*>", html) if 'name="C1_criterion_0"' in tag and "checked" in tag]
    assert len(kept) == 1 and 'value="1"' in kept[0]
    assert entries() == []


def test_choosing_no_competence_is_refused(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    html = client.post(
        f"/evaluation/candidats/{candidate.id}/E5", data={"assessed_on": "2026-06-10"}
    ).get_data(as_text=True)
    assert "Choisissez au moins une compétence" in html and entries() == []


def test_a_future_date_is_refused_by_the_service_and_reported(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    html = client.post(
        f"/evaluation/candidats/{candidate.id}/E4", data=form_data(["C5"], assessed_on="2026-07-01")
    ).get_data(as_text=True)
    assert "futur" in html and entries() == []


@pytest.mark.parametrize("path", ["/evaluation/candidats/{id}/E2", "/evaluation/candidats/{id}/E9"])
def test_modalities_assessors_do_not_grade_are_not_found(client, login, setup, path):
    candidate, assessor = setup
    login(client, assessor)
    assert client.get(path.format(id=candidate.id)).status_code == 404


def test_e1_can_be_recorded_and_says_it_counts_for_nothing(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    html = client.get(f"/evaluation/candidats/{candidate.id}/E1").get_data(as_text=True)
    assert "ne compte pour aucune validation" in html
    assert client.post(f"/evaluation/candidats/{candidate.id}/E1", data=form_data(["C5"])).status_code == 302
    assert [e.modality for e in entries()] == ["E1"]
    assert not service.candidate_status(candidate.id).competence("C5").validated


def test_only_assessors_and_admins_grade(client, login, setup, make_user):
    candidate, _ = setup
    url = f"/evaluation/candidats/{candidate.id}/E4"
    assert client.get(url).status_code in (302, 401)
    login(client, candidate)
    assert client.get(url).status_code == 403
    assert client.post(url, data=form_data(["C5"])).status_code == 403
    assert client.get("/evaluation/").status_code == 403
    client.post("/logout")
    login(client, make_user(roles=("trainer",)))
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(client, make_user(roles=("admin",)))
    assert client.get(url).status_code == 200
    assert entries() == []


def test_grading_a_non_candidate_is_not_found(client, login, setup):
    _, assessor = setup
    login(client, assessor)
    assert client.get(f"/evaluation/candidats/{assessor.id}/E4").status_code == 404


def test_the_queue_lists_pending_gradings_per_candidate_and_modality(client, login, setup, make_user):
    candidate, assessor = setup
    make_user(cohort="Promo A", last_name="Zola")
    service.record_grading(
        candidate.id, "E5", [service.CompetenceVerdict(c, True) for c in ("C1", "C2", "C3", "C4", "C8", "C10",
                                                                            "C11", "C12")],
        service.local_date(service.utcnow()), assessor.id,
    )
    login(client, assessor)
    html = client.get("/evaluation/").get_data(as_text=True)  # the only cohort is preselected
    row = re.search(rf'<tr data-candidate="{candidate.id}">.*?</tr>', html, re.S).group(0)
    e5 = re.search(r'data-modality="E5">.*?</td>', row, re.S).group(0)
    assert "Rien en attente" in e5
    e3 = re.search(r'data-modality="E3">.*?</td>', row, re.S).group(0)
    assert all(code in e3 for code in ("C7", "C9", "C16", "C17", "C18"))
    # No competence is pre-ticked from the queue: the assessor ticks the ones graded that day.
    assert f'href="/evaluation/candidats/{candidate.id}/E3"' in e3


def test_a_correction_through_the_form_needs_a_reason_and_keeps_both_entries(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    client.post(f"/evaluation/candidats/{candidate.id}/E4", data=form_data(["C5"], modality="E4"))
    (original,) = entries()
    url = f"/evaluation/corrections/{original.id}"
    form = client.get(url).get_data(as_text=True)
    assert "Motif de la correction" in form and 'name="C5_selected"' not in form

    data = form_data(["C5"], passed=False)
    del data["C5_selected"]
    html = client.post(url, data=data).get_data(as_text=True)
    assert "Le motif de la correction est obligatoire" in html and len(entries()) == 1

    data["reason"] = "Grille mal reportée"
    assert client.post(url, data=data).status_code == 302
    original_after, fix = entries()
    assert original_after.passed is True  # untouched
    assert fix.replaces_id == original.id and fix.correction_reason == "Grille mal reportée" and not fix.passed
    assert not service.candidate_status(candidate.id).competence("C5").validated

    html = client.get(f"/registre/candidats/{candidate.id}").get_data(as_text=True).replace("&#39;", "'")
    assert f"Remplacée par l'entrée n° {fix.id}" in html
    assert f"Corrige l'entrée n° {original.id}\u00a0: Grille mal reportée" in html

    again = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "déjà été corrigée" in again


def test_an_e2_entry_is_corrected_without_criteria(client, login, setup):
    candidate, assessor = setup
    service.record_e2_result(candidate.id, 6, True, attempt_id=42)
    db.session.commit()
    (entry,) = entries()
    login(client, assessor)
    html = client.get(f"/evaluation/corrections/{entry.id}").get_data(as_text=True)
    assert "_criterion_" not in html
    response = client.post(
        f"/evaluation/corrections/{entry.id}",
        data={"assessed_on": "2026-06-12", "C8_outcome": "0", "reason": "Tentative annulée"},
    )
    assert response.status_code == 302
    assert db.session.execute(select(func.count(LedgerEntry.id))).scalar_one() == 2
    assert service.candidate_status(candidate.id).requirement("C8", "E2").passed_thematics == ()


def test_csrf_is_enforced_on_the_grading_form(app_csrf, make_user, login, clock):
    client = app_csrf.test_client()
    candidate = make_user()
    assessor = make_user(roles=("assessor",))
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post("/login", data={"email": assessor.email, "password": "motdepasse-solide", "csrf_token": token})
    response = client.post(f"/evaluation/candidats/{candidate.id}/E4", data=form_data(["C5"]))
    assert response.status_code in (302, 400)
    assert entries() == []


def test_acquired_with_every_criterion_unmet_needs_a_justification(client, login, setup):
    candidate, assessor = setup
    login(client, assessor)
    data = form_data(["C1"], passed=False)
    data["C1_outcome"] = "1"
    html = client.post(f"/evaluation/candidats/{candidate.id}/E5", data=data).get_data(as_text=True)
    assert "justifiez-le" in html
    assert entries() == []

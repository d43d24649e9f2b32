"""The grading form mended (issue item 7): ticked competences only, justification of an outcome
against the criteria, corrections carrying the evidence forward, one scale per modality, bounded
dates; and nobody grading their own work."""

from __future__ import annotations

import io
import re
from fractions import Fraction
from html import unescape

import pytest
from sqlalchemy import select

from quiz import storage
from quiz.extensions import db
from quiz.ledger import service
from quiz.ledger.models import EvidenceFile, LedgerEntry
from quiz.referential import load_referential
from tests.assessments_helpers import PDF_BYTES

REF = load_referential()


@pytest.fixture
def people(app, make_user, clock):
    return {"candidate": make_user(cohort="Promo G"), "assessor": make_user(roles=("assessor",))}


def graded(code, passed=True, criteria=None, **extra):
    data = {"assessed_on": "2026-06-10", f"{code}_selected": "y", f"{code}_outcome": "1" if passed else "0"}
    count = len(REF.competence(code).criteria.items)
    values = criteria if criteria is not None else [passed] * count
    data |= {f"{code}_criterion_{i}": "1" if v else "0" for i, v in enumerate(values)}
    return data | extra


def entries():
    return list(db.session.execute(select(LedgerEntry).order_by(LedgerEntry.id)).scalars())


def test_no_competence_is_pre_ticked_and_unticked_ones_need_nothing(client, login, people):
    login(client, people["assessor"])
    url = f"/evaluation/candidats/{people['candidate'].id}/E4"
    page = client.get(url).get_data(as_text=True)
    assert not re.search(r'name="C\\d+_selected"[^>]*checked', page)
    assert "grading-form.js" in page
    # Only C5 ticked: the 16 other competences' criteria are not asked for.
    assert client.post(url, data=graded("C5")).status_code == 302
    assert [e.competence for e in entries()] == ["C5"]


@pytest.mark.parametrize("passed, criteria", [(False, None), (True, "one unmet")])
def test_an_outcome_against_the_criteria_needs_a_justification_kept_in_the_ledger(client, login, people, passed,
                                                                                  criteria):
    login(client, people["assessor"])
    count = len(REF.competence("C5").criteria.items)
    values = [True] * count if criteria is None else [False] + [True] * (count - 1)
    url = f"/evaluation/candidats/{people['candidate'].id}/E4"
    html = unescape(client.post(url, data=graded("C5", passed, values)).get_data(as_text=True))
    assert "justifiez-le" in html and entries() == []
    data = graded("C5", passed, values, C5_justification="Entretien interrompu par le client")
    assert client.post(url, data=data).status_code == 302
    (entry,) = entries()
    assert entry.passed is passed and "Justification du résultat : Entretien interrompu" in entry.comment


def test_the_service_refuses_an_unjustified_contradiction_too(app, people):
    verdict = service.CompetenceVerdict("C5", False, {i: True for i in range(5)})
    with pytest.raises(service.LedgerError, match="justifiez"):
        service.record_grading(people["candidate"].id, "E4", [verdict], service.local_date(service.utcnow()),
                               people["assessor"].id)


@pytest.mark.parametrize("day, message", [("1900-01-01", "antérieure au 1er janvier 2000"),
                                          ("2026-06-16", "dans le futur")])
def test_dates_are_bounded(client, login, people, day, message):
    login(client, people["assessor"])
    url = f"/evaluation/candidats/{people['candidate'].id}/E4"
    page = client.get(url).get_data(as_text=True)
    assert 'min="2000-01-01"' in page and 'max="2026-06-15"' in page
    html = unescape(client.post(url, data=graded("C5", assessed_on=day)).get_data(as_text=True))
    assert message in html and entries() == []


def test_a_correction_carries_the_original_evidence_forward(client, login, people):
    login(client, people["assessor"])
    url = f"/evaluation/candidats/{people['candidate'].id}/E4"
    client.post(url, data=graded("C5", files=[(io.BytesIO(PDF_BYTES), "grille.pdf")]),
                content_type="multipart/form-data")
    (original,) = entries()
    form = client.get(f"/evaluation/corrections/{original.id}").get_data(as_text=True)
    assert "reprise dans la correction" in form and "grille.pdf" in form
    data = graded("C5", passed=False, criteria=[False] * 5, reason="Grille mal reportée")
    del data["C5_selected"]
    assert client.post(f"/evaluation/corrections/{original.id}", data=data).status_code == 302
    _, fix = entries()
    files = db.session.execute(select(EvidenceFile).where(EvidenceFile.act_id == fix.act_id)).scalars().all()
    assert [f.original_name for f in files] == ["grille.pdf"]
    assert storage.read(files[0].stored_name) == PDF_BYTES
    page = client.get(f"/registre/candidats/{people['candidate'].id}").get_data(as_text=True)
    assert page.count("grille.pdf") >= 2


def test_an_e2_correction_uses_the_e2_scale_out_of_100(client, login, people):
    (e2,) = service.record_e2_result(people["candidate"].id, 9, False, attempt_id=7, score=Fraction(55, 100))
    db.session.commit()
    login(client, people["assessor"])
    form = client.get(f"/evaluation/corrections/{e2.id}").get_data(as_text=True)
    assert "Note sur 100" in form and "Note sur 20" not in form and 'value="55' in form
    data = {"assessed_on": "2026-06-10", "C14_outcome": "1", "C14_score": "62", "reason": "Barème revu"}
    assert client.post(f"/evaluation/corrections/{e2.id}", data=data).status_code == 302
    fix = entries()[-1]
    assert (fix.score, fix.score_max) == (62, 100)
    ledger = client.get(f"/registre/candidats/{people['candidate'].id}").get_data(as_text=True)
    assert "62 / 100" in ledger and "55 / 100" in ledger

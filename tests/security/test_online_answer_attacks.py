"""Attacks on an E3 case study written online: another candidate's answer (IDOR, through these
routes and the E2 ones), hostile markup in the answer (page, assessor view, PDF), the marking guide."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quiz import storage
from quiz.assessments import casestudies, marking, online
from quiz.assessments.models import OnlineAttempt, Submission
from quiz.extensions import db
from quiz.referential import load_referential
from tests.assessments_helpers import CASES, GUIDE_PHRASE, as_user, cohort_of, make_session, save, started

HOSTILE = "<script>alert('copie')</script><img src=x onerror=alert(1)> & </textarea><b>gras</b>"


@pytest.fixture
def world(app, make_user, clock):
    casestudies.import_case_studies(casestudies.case_study_files((CASES,)), load_referential())
    admin = make_user(roles=("admin",))
    candidate = make_user(cohort="Promo S", first_name="Léa", last_name="Martin")
    other = make_user(cohort="Promo S")
    study = casestudies.current_versions(1)[0].case_study
    session = make_session(admin, cohort_of(candidate), modality="E3", competences=("C16",), thematic=1,
                           mode="online", case_study_id=study.id, closes_in=8 * 3600)
    return {"admin": admin, "candidate": candidate, "other": other, "session": session}


def test_another_candidate_cannot_read_write_or_hand_in_the_answer(app, world, client, login):
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "Mon texte.")
    as_user(client, login, world["other"])
    for url in (f"/epreuves/redaction/{attempt_id}", f"/epreuves/redaction/{attempt_id}/remettre",
                f"/epreuves/redaction/{attempt_id}/remise", f"/epreuves/redaction/{attempt_id}/documents/0",
                f"/epreuves/api/redaction/{attempt_id}/status", f"/attempts/{attempt_id}",
                f"/api/attempts/{attempt_id}/status"):
        assert client.get(url).status_code == 404, url
    assert save(client, attempt_id, "Écrasé.").status_code == 404
    assert client.post(f"/api/attempts/{attempt_id}/answers/1", json={"response": "Écrasé."}).status_code == 404
    assert client.post(f"/epreuves/redaction/{attempt_id}", data={"q1": "Écrasé."}).status_code == 404
    assert client.post(f"/epreuves/redaction/{attempt_id}/remettre").status_code == 404
    answer = db.session.get(OnlineAttempt, attempt_id)
    assert online.text_of(answer) == "Mon texte." and not answer.attempt.finished


def test_the_e2_routes_do_not_take_an_online_answer_even_from_its_owner(app, world, client, login):
    attempt_id = started(client, login, world["candidate"], world["session"])
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/api/attempts/{attempt_id}/status").status_code == 404
    assert client.post(f"/attempts/{attempt_id}/submit").status_code == 404
    reply = client.post(f"/api/attempts/{attempt_id}/answers/1", json={"response": "Par l'API E2."})
    assert reply.status_code == 400
    assert online.text_of(db.session.get(OnlineAttempt, attempt_id)) == ""


def test_hostile_markup_in_the_answer_is_text_everywhere(app, world, client, login, make_user):
    assessor = make_user(roles=("assessor",))
    attempt_id = started(client, login, world["candidate"], world["session"])
    assert save(client, attempt_id, HOSTILE).status_code == 200
    page = client.get(f"/epreuves/redaction/{attempt_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "</textarea><b>" not in page
    assert "&lt;script&gt;alert(&#39;copie&#39;)&lt;/script&gt;" in page
    client.post(f"/epreuves/redaction/{attempt_id}/remettre")
    marking.auto_allocate(world["session"], world["admin"])
    mine = marking.assessor_markings(assessor)[0]
    as_user(client, login, assessor)
    view = client.get(f"/epreuves/copies/{mine.id}").get_data(as_text=True)
    assert "<script>alert" not in view and "<img src=x" not in view and "&lt;b&gt;gras&lt;/b&gt;" in view
    submission = db.session.execute(select(Submission)).scalar_one()
    text_file, pdf_file = submission.latest.files
    assert storage.read(text_file.stored_key).decode() == HOSTILE
    served = client.get(f"/epreuves/copies/{mine.id}/fichiers/{text_file.id}")
    assert served.mimetype == "text/plain" and served.headers["X-Content-Type-Options"] == "nosniff"
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(storage.read(pdf_file.stored_key))).pages)
    assert "<script>alert('copie')</script>" in pdf.replace("\n", "")


def test_the_marking_guide_never_reaches_a_candidate(app, world, client, login):
    attempt_id = started(client, login, world["candidate"], world["session"])
    pages = [client.get(f"/epreuves/{world['session'].id}/en-ligne", follow_redirects=True),
             client.get(f"/epreuves/redaction/{attempt_id}/remettre")]
    client.post(f"/epreuves/redaction/{attempt_id}/remettre")
    pages += [client.get(f"/epreuves/redaction/{attempt_id}/remise"), client.get("/epreuves/")]
    answer = db.session.get(OnlineAttempt, attempt_id)
    pages += [client.get(f"/epreuves/accuses/{answer.submission.latest.id}")]
    for response in pages:
        assert response.status_code == 200
        assert GUIDE_PHRASE not in response.get_data(as_text=True)
    assert all(GUIDE_PHRASE.encode() not in storage.read(d["key"]) for d in answer.version.documents)

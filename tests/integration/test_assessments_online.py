"""E3 written online: case studies imported as versions, the timed answer on the attempt engine
(extra time capped by the closing, autosave, late refusal, hand-in by the sweeper), and the copy
marked anonymously with its guide."""

from __future__ import annotations

import hashlib
import io
import shutil
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quiz import storage
from quiz.assessments import casestudies, marking, online, service
from quiz.assessments.models import CaseStudyVersion, DepositVersion, OnlineAttempt, Submission
from quiz.exams import sweeper
from quiz.exams.admin import set_accommodation
from quiz.exams.models import Attempt, LateAnswer
from quiz.extensions import db
from quiz.notifications.models import OutboxMessage
from quiz.referential import load_referential
from tests.assessments_helpers import CASES, GUIDE_PHRASE, as_user, cohort_of, make_session, save, started
from tests.helpers import text_of

SUBJECT_PHRASE = "Menuiseries du Rouergue SAS"


def import_cases(folder: Path = CASES):
    report = casestudies.import_case_studies(casestudies.case_study_files((folder,)), load_referential())
    assert report.ok, report.problems
    return report


@pytest.fixture
def world(app, make_user, clock):
    import_cases()
    admin = make_user(roles=("admin",))
    candidate = make_user(cohort="Promo E3", first_name="Léa", last_name="Martin")
    other = make_user(cohort="Promo E3", first_name="Hugo", last_name="Bernard")
    study = casestudies.current_versions(1)[0].case_study
    session = make_session(admin, cohort_of(candidate), modality="E3", competences=("C16", "C17"), thematic=1,
                           mode="online", case_study_id=study.id, closes_in=8 * 3600, title="Étude de cas E3")
    return {"admin": admin, "candidate": candidate, "other": other, "session": session, "study": study}


def writing_for(client, clock, attempt_id, **delta):
    """Let time pass as on the page: its status poll keeps the login alive (the idle limit)."""
    end = clock.now + timedelta(**delta)
    while clock.now + timedelta(minutes=15) < end:
        clock.advance(minutes=15)
        client.get(f"/epreuves/api/redaction/{attempt_id}/status")
    clock.set(end)


# --- import ----------------------------------------------------------------------------------------


def test_the_import_is_versioned_by_content_and_a_started_attempt_keeps_its_version(app, world, client, login,
                                                                                      tmp_path, clock):
    assert len(casestudies.current_versions()) == 4
    again = import_cases()
    assert not again.touched and {line.number for line in again.lines} == {1}
    attempt_id = started(client, login, world["candidate"], world["session"])
    first = db.session.get(OnlineAttempt, attempt_id).case_study_version_id
    # The same file with one document changed: a new version; the running attempt keeps its own.
    folder = tmp_path / "cases"
    shutil.copytree(CASES, folder)
    csv = folder / "documents" / "etude-01-compte-courant-2025.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "total;;;94;\n", encoding="utf-8")
    changed = import_cases(folder)
    assert [(line.code, line.number) for line in changed.lines if line.created] == [("ETUDE-01-A", 2)]
    versions = db.session.execute(select(CaseStudyVersion).where(
        CaseStudyVersion.case_study_id == world["study"].id).order_by(CaseStudyVersion.number)).scalars().all()
    assert [v.number for v in versions] == [1, 2] and versions[0].content_hash != versions[1].content_hash
    assert storage.read(versions[1].documents[0]["key"]).endswith(b"total;;;94;\n")
    assert db.session.get(OnlineAttempt, attempt_id).case_study_version_id == first == versions[0].id
    other_attempt = started(client, login, world["other"], world["session"])
    assert db.session.get(OnlineAttempt, other_attempt).case_study_version_id == versions[1].id


def test_a_wrong_file_imports_nothing(app, tmp_path):
    folder = tmp_path / "cases"
    shutil.copytree(CASES, folder)
    (folder / "99-faux.md").write_text("---\nid: X\n---\n", encoding="utf-8")
    report = casestudies.import_case_studies(casestudies.case_study_files((folder,)), load_referential())
    assert not report.ok and any("99-faux.md" in p for p in report.problems)
    assert casestudies.current_versions() == []


# --- the session -----------------------------------------------------------------------------------


def test_an_online_session_is_an_e3_one_on_a_case_study_of_its_thematic(app, world):
    with pytest.raises(service.AssessmentError, match="thématique 1, pas sur la thématique 5"):
        make_session(world["admin"], cohort_of(world["candidate"]), modality="E3", competences=("C16",),
                     thematic=5, mode="online", case_study_id=world["study"].id)
    with pytest.raises(service.AssessmentError, match="Choisissez l'étude de cas"):
        make_session(world["admin"], cohort_of(world["candidate"]), modality="E3", competences=("C16",),
                     thematic=1, mode="online")
    assert service.window_problem(world["session"]) is not None  # no file deposit on an online session


def test_the_admin_form_offers_the_mode_and_the_case_studies_of_the_thematic(app, world, client, login):
    as_user(client, login, world["admin"])
    page = text_of(client.get("/epreuves/gestion/nouvelle?modalite=E3&thematique=1"))
    assert "En ligne, chronométrée" in page and "ETUDE-01-A" in page and "ETUDE-05-A" not in page
    response = client.post("/epreuves/gestion/nouvelle?modalite=E3&thematique=1", data={
        "title": "E3 en ligne", "opens_at": "2026-06-15T09:00", "deadline_at": "2026-06-16T18:00",
        "cohorts": [cohort_of(world["candidate"]).id], "competences": ["C16"], "max_files": 5,
        "mode": "online", "case_study": world["study"].id})
    assert response.status_code == 302
    created = service.sessions()[0]
    assert created.online and created.case_study_id == world["study"].id


# --- starting and writing --------------------------------------------------------------------------


def test_the_start_adds_the_exact_extra_time_but_never_passes_the_closing(app, world, client, login, clock):
    set_accommodation(world["candidate"].id, Fraction(1, 3), "tiers-temps", world["admin"])
    terms = online.start_terms(world["candidate"], world["session"])
    assert terms.duration == timedelta(minutes=240) and not terms.cut_by_closing  # 180 min + 1/3
    clock.advance(hours=5)  # three hours left before the closing
    terms = online.start_terms(world["candidate"], world["session"])
    assert terms.deadline == world["session"].deadline_at and terms.cut_by_closing
    as_user(client, login, world["candidate"])
    page = text_of(client.get(f"/epreuves/{world['session'].id}/en-ligne"))
    assert "temps supplémentaire de 1/3 inclus" in page and "ferme avant la fin de la durée normale" in page
    attempt_id = started(client, login, world["candidate"], world["session"])
    assert db.session.get(Attempt, attempt_id).deadline == world["session"].deadline_at
    assert started(client, login, world["candidate"], world["session"]) == attempt_id  # resumed, not restarted


def test_the_text_is_saved_and_shown_again_but_never_the_guide(app, world, client, login, clock):
    as_user(client, login, world["candidate"])
    deposit_page = client.get(f"/epreuves/{world['session'].id}")  # no file deposit: the online page
    assert deposit_page.headers["Location"].endswith(f"/epreuves/{world['session'].id}/en-ligne")
    attempt_id = started(client, login, world["candidate"], world["session"])
    page = text_of(client.get(f"/epreuves/redaction/{attempt_id}"))
    assert SUBJECT_PHRASE in page and "| Chiffre d'affaires" not in page  # the table is rendered
    assert GUIDE_PHRASE not in page and "Guide de correction" not in page
    clock.advance(minutes=10)
    reply = save(client, attempt_id, "Analyse : l'EBE baisse de 780 à 614 k€.")
    assert reply.status_code == 200 and reply.json["saved"]
    assert reply.json["remaining_seconds"] == 170 * 60
    assert "l'EBE baisse de 780 à 614 k€" in text_of(client.get(f"/epreuves/redaction/{attempt_id}"))
    document = client.get(f"/epreuves/redaction/{attempt_id}/documents/0")
    assert document.status_code == 200 and document.data.startswith(b"mois;solde_moyen_keur")
    assert client.get(f"/epreuves/redaction/{attempt_id}/documents/1").status_code == 404


def test_an_answer_too_long_is_refused_in_french_and_the_previous_one_stays(app, world, client, login):
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "Premier jet.")
    reply = save(client, attempt_id, "x" * (online.MAX_ANSWER + 1))
    assert reply.status_code == 400
    message = reply.json["message"].replace("\u202f", " ").replace("\xa0", " ")
    assert "Réponse trop longue : 100 000 caractères au plus, votre texte en compte 100 001." in message
    assert online.text_of(db.session.get(OnlineAttempt, attempt_id)) == "Premier jet."
    assert save(client, attempt_id, "x" * online.MAX_ANSWER).status_code == 200


def test_after_the_deadline_a_save_is_refused_kept_as_late_and_the_copy_is_the_text_before(app, world, client,
                                                                                           login, clock):
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "Texte remis à temps.")
    writing_for(client, clock, attempt_id, minutes=180, seconds=10)  # within the grace: still accepted
    assert save(client, attempt_id, "Texte remis à temps, complété.").status_code == 200
    clock.advance(seconds=30)
    reply = save(client, attempt_id, "Ajouté trop tard.", answered_at="2026-06-15T11:00:30Z")
    assert reply.status_code == 409 and reply.json["finished"] and reply.json["stored_late"]
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "finished" and attempt.finished_by == "deadline"
    (late,) = db.session.execute(select(LateAnswer)).scalars().all()
    assert late.response == "Ajouté trop tard." and late.device_at is not None
    version = db.session.execute(select(DepositVersion)).scalar_one()
    assert storage.read(version.files[0].stored_key).decode() == "Texte remis à temps, complété."
    page = text_of(client.get(f"/epreuves/redaction/{attempt_id}/remise"))
    assert version.reference in page and "réponse tardive" in page


def test_the_sweeper_hands_in_an_abandoned_answer_without_any_browser(app, world, client, login, clock):
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "Écrit puis page fermée.")
    clock.advance(minutes=181)
    app.config["SWEEP_SECONDS"] = 20
    assert sweeper.sweep_once(app) == 1
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "finished" and attempt.finished_by == "deadline"
    submission = db.session.execute(select(Submission)).scalar_one()
    text_file, pdf_file = submission.latest.files
    assert text_file.sha256 == hashlib.sha256("Écrit puis page fermée.".encode()).hexdigest()
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(storage.read(pdf_file.stored_key))).pages)
    assert "Écrit puis page fermée." in pdf and submission.anonymity_number in pdf and "Martin" not in pdf
    receipt = db.session.execute(select(OutboxMessage)).scalar_one()
    assert submission.latest.reference in receipt.subject and text_file.sha256 in receipt.body
    clock.advance(seconds=30)  # the next turn: nothing left to hand in
    assert sweeper.sweep_once(app) == 0


def test_the_candidate_hands_in_and_gets_a_receipt_with_the_text_fingerprint(app, world, client, login):
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "Ma copie.")
    response = client.post(f"/epreuves/redaction/{attempt_id}/remettre")
    assert response.headers["Location"].endswith(f"/epreuves/redaction/{attempt_id}/remise")
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.finished_by == "candidate"
    version = db.session.execute(select(DepositVersion)).scalar_one()
    receipt = text_of(client.get(f"/epreuves/accuses/{version.id}"))
    assert hashlib.sha256(b"Ma copie.").hexdigest() in receipt
    assert save(client, attempt_id, "Après la remise.").status_code == 409
    assert db.session.execute(select(LateAnswer)).first() is None  # handed in by the candidate: nothing kept
    assert client.post(f"/epreuves/redaction/{attempt_id}/remettre").status_code == 302  # changes nothing
    assert len(db.session.execute(select(DepositVersion)).all()) == 1


# --- marking -------------------------------------------------------------------------------------


def test_the_copy_is_marked_anonymously_with_the_guide(app, world, client, login, make_user):
    assessor = make_user(roles=("assessor",), first_name="Eva", last_name="Durand")
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "Diagnostic : effet ciseaux sur le BFR.")
    client.post(f"/epreuves/redaction/{attempt_id}/remettre")
    assert marking.auto_allocate(world["session"], world["admin"]) == 1
    mine = marking.assessor_markings(assessor)[0]
    as_user(client, login, assessor)
    page = text_of(client.get(f"/epreuves/copies/{mine.id}"))
    number = mine.submission.anonymity_number
    assert number in page and "Diagnostic : effet ciseaux sur le BFR." in page and GUIDE_PHRASE in page
    assert "Martin" not in page and "Léa" not in page
    for item in mine.submission.latest.files:
        assert client.get(f"/epreuves/copies/{mine.id}/fichiers/{item.id}").status_code == 200
    as_user(client, login, world["admin"])
    archive = client.get(f"/epreuves/gestion/{world['session'].id}/copies.zip")
    assert archive.status_code == 200 and number.encode() in archive.data


def test_an_administrator_accepts_the_late_text_as_a_late_version_or_rejects_it(app, world, client, login, clock):
    attempt_id = started(client, login, world["candidate"], world["session"])
    save(client, attempt_id, "À temps.")
    writing_for(client, clock, attempt_id, minutes=181)
    assert save(client, attempt_id, "Version tardive.").json["stored_late"]
    as_user(client, login, world["admin"])
    page = text_of(client.get(f"/epreuves/gestion/redaction/{attempt_id}/tardives"))
    assert "À temps." in page and "Version tardive." in page and "en attente" in page
    refused = client.post(f"/epreuves/gestion/redaction/{attempt_id}/tardives", data={"decision": "accept",
                                                                                      "reason": " "})
    assert refused.status_code == 200 and len(db.session.execute(select(DepositVersion)).all()) == 1
    response = client.post(f"/epreuves/gestion/redaction/{attempt_id}/tardives",
                           data={"decision": "accept", "reason": "Coupure du réseau du centre"})
    assert response.status_code == 302
    latest = db.session.execute(select(Submission)).scalar_one().latest
    assert latest.number == 2 and latest.late and storage.read(latest.files[0].stored_key) == b"Version tardive."
    assert db.session.execute(select(LateAnswer)).scalar_one().decision.accepted
    assert "réponse tardive conservée" in text_of(client.get(f"/epreuves/gestion/{world['session'].id}"))

"""Candidates' deposits: checked files, versions kept, receipts on screen, by mail and as PDF,
deadlines with or without late deposits; administrators' sessions."""

from __future__ import annotations

import hashlib
import io
import re
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quiz import storage
from quiz.assessments import service
from quiz.assessments.models import AssessmentSession, DepositVersion
from quiz.extensions import db
from quiz.notifications import sender
from quiz.storage.models import StoredFile
from tests.assessments_helpers import PDF_BYTES, cohort_of, deposit, docx_bytes, make_session
from tests.helpers import text_of


@pytest.fixture
def people(app, make_user, clock):
    return {"candidate": make_user(cohort="Promo D", first_name="Léa", last_name="Martin"),
            "other": make_user(cohort="Promo D"), "outsider": make_user(cohort="Promo X"),
            "admin": make_user(roles=("admin",))}


@pytest.fixture
def session(people):
    return make_session(people["admin"], cohort_of(people["candidate"]))


def test_a_deposit_keeps_the_files_and_answers_with_a_receipt(app, client, login, people, session, mail_to):
    login(client, people["candidate"])
    word = docx_bytes()
    response = deposit(client, session, [("synthèse.pdf", PDF_BYTES), ("annexes.docx", word)])
    assert response.status_code == 302
    version = db.session.execute(select(DepositVersion)).scalar_one()
    assert re.fullmatch(r"AD-[A-Z2-9]{10}", version.reference) and version.number == 1 and not version.late
    assert [storage.read(f.stored_key) for f in version.files] == [PDF_BYTES, word]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert version.reference in page and hashlib.sha256(PDF_BYTES).hexdigest() in page
    assert hashlib.sha256(word).hexdigest() in page and "synthèse.pdf" in page
    # The PDF receipt names the reference and both fingerprints.
    pdf = client.get(f"/epreuves/accuses/{version.id}.pdf")
    assert pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).replace("\n", "")
    assert version.reference in text and hashlib.sha256(word).hexdigest() in text
    # The mail reaches a real SMTP server, with the same PDF attached.
    assert sender.send_due_messages(app) == 1
    (mail,) = mail_to.messages()
    assert mail["To"] == people["candidate"].email and version.reference in mail["Subject"]
    assert hashlib.sha256(PDF_BYTES).hexdigest() in mail.get_body(("plain",)).get_content()
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content() == pdf.data


def test_a_new_deposit_before_the_deadline_is_a_new_version_and_the_old_one_stays(client, login, people, session):
    login(client, people["candidate"])
    deposit(client, session, [("v1.pdf", PDF_BYTES)])
    deposit(client, session, [("v2.pdf", PDF_BYTES + b"% v2\n")])
    versions = db.session.execute(select(DepositVersion).order_by(DepositVersion.number)).scalars().all()
    assert [(v.number, v.files[0].original_name) for v in versions] == [(1, "v1.pdf"), (2, "v2.pdf")]
    assert versions[0].reference != versions[1].reference
    page = client.get(f"/epreuves/{session.id}").get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page and "v1.pdf" in page


def test_after_the_deadline_a_deposit_is_refused_in_french(client, login, people, session, clock):
    clock.advance(days=8)
    login(client, people["candidate"])
    html = unescape(deposit(client, session, [("tard.pdf", PDF_BYTES)]).get_data(as_text=True))
    assert "est passée : le dépôt n'est plus possible" in html
    assert db.session.execute(select(DepositVersion)).first() is None
    assert db.session.execute(select(StoredFile)).first() is None


def test_late_deposits_allowed_by_the_administrator_are_accepted_and_marked(client, login, people, session, clock):
    session = db.session.get(AssessmentSession, session.id)
    session.late_allowed = True
    db.session.commit()
    clock.advance(days=8)
    login(client, people["candidate"])
    assert deposit(client, session, [("tard.pdf", PDF_BYTES)]).status_code == 302
    version = db.session.execute(select(DepositVersion)).scalar_one()
    assert version.late
    assert "dépôt en retard" in service.receipt_mail(service.receipt_of(version))


def test_before_the_opening_nothing_is_accepted(client, login, people, make_user):
    early = make_session(people["admin"], cohort_of(people["candidate"]), opens_in=3600)
    login(client, people["candidate"])
    assert "Les dépôts ouvrent le" in deposit(client, early, [("tot.pdf", PDF_BYTES)]).get_data(as_text=True)


@pytest.mark.parametrize("files, message", [
    ([("faux.pdf", b"<html>")], "n'est pas un fichier PDF, DOCX, ODT ou XLSX valide"),
    ([("a.pdf", PDF_BYTES), ("vide.pdf", b"")], "est vide"),
    ([(f"f{i}.pdf", PDF_BYTES) for i in range(6)], "Joignez au plus 5 fichiers"),
    ([], "Joignez au moins un fichier"),
])
def test_refused_files_leave_nothing_behind(client, login, people, session, files, message):
    login(client, people["candidate"])
    html = unescape(deposit(client, session, files).get_data(as_text=True))
    assert message in html and "Le dépôt n'a pas été enregistré" in html
    assert db.session.execute(select(DepositVersion)).first() is None
    assert db.session.execute(select(StoredFile)).first() is None


def test_an_oversized_file_is_refused_with_its_name(app, client, login, people, session):
    app.config["DEPOSIT_MAX_BYTES"] = 1024 * 1024
    login(client, people["candidate"])
    html = text_of(deposit(client, session, [("gros.pdf", PDF_BYTES + b"0" * (1024 * 1024))]))
    assert "« gros.pdf » dépasse la taille maximale de 1 Mo" in html


def test_others_see_neither_the_session_nor_the_receipts_nor_the_files(client, login, people, session):
    login(client, people["candidate"])
    deposit(client, session, [("synthese.pdf", PDF_BYTES)])
    version = db.session.execute(select(DepositVersion)).scalar_one()
    client.post("/logout")
    login(client, people["other"])
    assert client.get(f"/epreuves/accuses/{version.id}").status_code == 404
    assert client.get(f"/epreuves/accuses/{version.id}.pdf").status_code == 404
    assert client.get(f"/epreuves/fichiers/{version.files[0].id}").status_code == 404
    client.post("/logout")
    login(client, people["outsider"])
    assert client.get(f"/epreuves/{session.id}").status_code == 404
    assert "Synthèse E5" not in client.get("/epreuves/").get_data(as_text=True)


def test_the_candidate_lists_sessions_and_versions(client, login, people, session):
    login(client, people["candidate"])
    assert "aucun dépôt" in client.get("/epreuves/").get_data(as_text=True)
    deposit(client, session, [("synthese.pdf", PDF_BYTES)])
    assert "1 version déposée" in client.get("/epreuves/").get_data(as_text=True)


def test_an_administrator_opens_a_session_with_the_modalitys_competences(client, login, people):
    login(client, people["admin"])
    page = client.get("/epreuves/gestion/nouvelle?modalite=E5").get_data(as_text=True)
    for code in ("C1", "C2", "C3", "C4", "C8", "C10", "C11", "C12"):
        assert re.search(rf'value="{code}"[^>]*checked|checked[^>]*value="{code}"', page), code
    assert 'value="C5"' not in page  # C5 is not assessed by E5
    cohort = cohort_of(people["candidate"])
    data = {"title": "Synthèse juin", "opens_at": "2026-06-15T09:00", "deadline_at": "2026-06-30T18:00",
            "cohorts": [cohort.id], "competences": ["C10", "C11"], "max_files": "3", "double_marking": "y"}
    response = client.post("/epreuves/gestion/nouvelle?modalite=E5", data=data)
    assert response.status_code == 302
    created = db.session.execute(select(AssessmentSession)).scalar_one()
    assert (created.modality, created.competences, created.max_files, created.double_marking, created.anonymous) == (
        "E5", ["C10", "C11"], 3, True, True)
    assert created.deadline_at.isoformat() == "2026-06-30T16:00:00+00:00"  # Paris summer time


@pytest.mark.parametrize("query, data, message", [
    ("modalite=E5", {"opens_at": "1900-01-01T09:00", "deadline_at": "1900-01-02T09:00"}, "entre 2000 et 2099"),
    ("modalite=E5", {"opens_at": "2026-06-30T09:00", "deadline_at": "2026-06-01T09:00"}, "postérieure"),
    ("modalite=E5", {"competences": ["C5"]}, "«\xa0C5\xa0» n'est pas un choix valide"),
    ("modalite=E4", {"double_marking": "y"}, "ne concerne que les épreuves E3 et E5"),
])
def test_sessions_out_of_bounds_are_refused(client, login, people, query, data, message):
    login(client, people["admin"])
    cohort = cohort_of(people["candidate"])
    base = {"title": "Session", "opens_at": "2026-06-15T09:00", "deadline_at": "2026-06-30T18:00",
            "cohorts": [cohort.id], "competences": ["C10"], "max_files": "3"}
    html = unescape(client.post(f"/epreuves/gestion/nouvelle?{query}", data=base | data).get_data(as_text=True))
    assert message in html
    assert db.session.execute(select(AssessmentSession)).first() is None


def test_e3_sessions_are_per_thematic(client, login, people):
    login(client, people["admin"])
    assert "Choisissez la thématique" in client.get("/epreuves/gestion/nouvelle?modalite=E3").get_data(as_text=True)
    page = client.get("/epreuves/gestion/nouvelle?modalite=E3&thematique=5").get_data(as_text=True)
    assert 'value="C16"' in page and 'value="C17"' in page and 'value="C7"' not in page

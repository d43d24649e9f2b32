"""Hostile uploads: disguised types, oversized requests, names that try to choose a path or a header.

Complements tests/integration/test_grading_evidence.py (accepted formats, per-file limit, basic
traversal names) with the attacker's angle: what a refused or accepted file can do afterwards.
"""

from __future__ import annotations

import io
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from quiz.extensions import db
from quiz.ledger.models import EvidenceFile
from quiz.referential import load_referential
from quiz.storage.models import StoredFile
from tests.security.conftest import client_as
from tests.security.world import PDF_BYTES

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
DISGUISED = {
    "rapport.pdf": HTML,
    "schema.pdf": SVG,
    "notes.docx": b"#!/bin/sh\nrm -rf /\n",
    "macro.odt": b"MZ\x90\x00\x03\x00\x00\x00",
    "image.pdf": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "vide.pdf": b"",
    "pdf-tronque.pdf": b"%PD",
    "page.html.pdf": b" %PDF-1.4 but the magic is not at the start",
}


@pytest.fixture
def people(app, make_user, clock):
    return {"candidate": make_user(cohort="Promo U"), "assessor": make_user(roles=("assessor",))}


def grading_form(files):
    comp = load_referential().competence("C10")
    data = {"assessed_on": "2026-06-10", "comment": "Pièce jointe", "files": files,
            "C10_selected": "y", "C10_outcome": "1"}
    data |= {f"C10_criterion_{i}": "1" for i in range(len(comp.criteria.items))}
    return data


def upload(app, people, files):
    client = client_as(app, people["assessor"])
    return client.post(f"/evaluation/candidats/{people['candidate'].id}/E5", data=grading_form(files),
                       content_type="multipart/form-data")


def stored_keys():
    return list(db.session.execute(select(StoredFile.key)).scalars())


def stored():
    return list(db.session.execute(select(EvidenceFile)).scalars())


@pytest.mark.parametrize("name", DISGUISED)
def test_a_file_disguised_by_its_extension_is_refused_and_nothing_is_kept(app, people, name):
    response = upload(app, people, [(io.BytesIO(DISGUISED[name]), name)])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "PDF, DOCX, ODT ou XLSX" in body or "est vide" in body
    assert stored() == []
    assert stored_keys() == []


def test_a_pdf_carrying_html_is_only_ever_served_as_a_pdf_attachment(app, people):
    polyglot = PDF_BYTES + HTML
    assert upload(app, people, [(io.BytesIO(polyglot), "page.html")]).status_code == 302
    (row,) = stored()
    assert row.content_type == "application/pdf"
    response = client_as(app, people["candidate"]).get(f"/evaluation/pieces/{row.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"] or "default-src" in response.headers[
        "Content-Security-Policy"]


@pytest.mark.parametrize("name", [
    "../../../../tmp/evil.pdf", "....//....//evil.pdf", "C:\\Windows\\evil.pdf", "evil.pdf\x00.html",
    "rapport\u202efdp.exe", 'a"; filename="evil.html', "x" * 400 + ".pdf", "%2e%2e%2fevil.pdf",
])
def test_a_hostile_name_chooses_neither_the_path_nor_a_header(app, people, tmp_path, name):
    assert upload(app, people, [(io.BytesIO(PDF_BYTES), name)]).status_code == 302
    (row,) = stored()
    assert stored_keys() == [row.stored_name]
    assert row.stored_name.isalnum() and len(row.stored_name) == 32
    assert "/" not in row.original_name and "\\" not in row.original_name
    assert not any(ch in row.original_name for ch in "\x00\r\n\u202e")
    assert len(row.original_name) <= 255
    response = client_as(app, people["assessor"]).get(f"/evaluation/pieces/{row.id}")
    assert response.status_code == 200
    header = EmailMessage()
    header["Content-Disposition"] = response.headers["Content-Disposition"]
    assert header.get_content_disposition() == "attachment"
    assert header.get_filename() == row.original_name  # one name, the cleaned one: nothing injected
    assert not list(tmp_path.rglob("evil.pdf"))


def test_a_request_above_every_limit_is_refused_with_a_french_413(app, people):
    app.config["EVIDENCE_MAX_BYTES"] = 64 * 1024  # the grading page then accepts up to 5 × 64 Kio + 1 Mio
    huge = PDF_BYTES + b"0" * (2 * 1024 * 1024)
    response = upload(app, people, [(io.BytesIO(huge), "enorme.pdf")])
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)
    assert stored() == [] and stored_keys() == []


def test_an_oversized_csv_import_is_refused_with_a_french_413(app, make_user):
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    client = client_as(app, make_user(roles=("admin",)))
    big = b"nom,prenom,email,cohorte\n" + b"Martin,Lea,lea@example.org,P1\n" * 2000
    response = client.post("/admin/import", data={"file": (io.BytesIO(big), "candidats.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)

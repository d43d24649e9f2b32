"""Evidence files: checked by content, stored under a random name, downloadable by the right people."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from quiz import storage
from quiz.extensions import db
from quiz.ledger.models import EvidenceFile, LedgerEntry
from quiz.referential import load_referential
from quiz.storage.models import StoredFile

REF = load_referential()
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def odt_bytes() -> bytes:
    return zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active["A1"] = "Indicateurs"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ACCEPTED = {
    "rapport.pdf": (PDF_BYTES, "application/pdf"),
    "compte-rendu.docx": (docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "livret.odt": (odt_bytes(), "application/vnd.oasis.opendocument.text"),
    "indicateurs.xlsx": (xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
REFUSED = {
    "faux.pdf": b"MZ\x90\x00 this is an executable",
    "texte.docx": b"juste du texte",
    "archive.docx": zip_bytes({"readme.txt": b"rien"}),
    "classeur.xlsx": zip_bytes({"[Content_Types].xml": b"<Types/>", "other/x.xml": b""}),
    "tableur.odt": zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
    "page.pdf": b"<html><script>alert(1)</script></html>",
}


@pytest.fixture
def people(make_user, clock):
    candidate = make_user(cohort="Promo A")
    return {
        "candidate": candidate,
        "other": make_user(cohort="Promo A"),
        "assessor": make_user(roles=("assessor",)),
        "admin": make_user(roles=("admin",)),
        "trainer": make_user(roles=("trainer",)),
    }


def grading(files, codes=("C10", "C11", "C12"), comment="Synthèse argumentée"):
    data = {"assessed_on": "2026-06-10", "comment": comment, "files": files}
    for code in codes:
        data[f"{code}_selected"] = "y"
        data[f"{code}_outcome"] = "1"
        for i in range(len(REF.competence(code).criteria.items)):
            data[f"{code}_criterion_{i}"] = "1"
    return data


def upload(client, candidate, files, **kw):
    return client.post(
        f"/evaluation/candidats/{candidate.id}/E5", data=grading(files, **kw), content_type="multipart/form-data"
    )


def stored_keys() -> list[str]:
    return list(db.session.execute(select(StoredFile.key)).scalars())


def stored_files() -> list[EvidenceFile]:
    return list(db.session.execute(select(EvidenceFile).order_by(EvidenceFile.id)).scalars())


def test_accepted_formats_are_recognised_by_content_and_stored_under_random_names(app, client, login, people):
    login(client, people["assessor"])
    files = [(io.BytesIO(content), name) for name, (content, _) in ACCEPTED.items()]
    assert upload(client, people["candidate"], files).status_code == 302
    rows = stored_files()
    assert [(r.original_name, r.content_type) for r in rows] == [(n, t) for n, (_, t) in ACCEPTED.items()]
    assert sorted(stored_keys()) == sorted(r.stored_name for r in rows)
    for row, (name, (content, _)) in zip(rows, ACCEPTED.items(), strict=True):
        assert name not in row.stored_name and re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
        assert row.size == len(content) and row.sha256 == hashlib.sha256(content).hexdigest()
        assert storage.read(row.stored_name) == content
    # One upload backs the three competences graded together.
    entries = db.session.execute(select(LedgerEntry)).scalars().all()
    assert len(entries) == 3 and {e.act_id for e in entries} == {rows[0].act_id}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_files_with_the_wrong_content_are_refused_and_the_form_is_kept(client, login, people, name):
    login(client, people["assessor"])
    response = upload(client, people["candidate"], [(io.BytesIO(REFUSED[name]), name)], comment="À conserver")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"«\u00a0{name}\u00a0» n&#39;est pas un fichier PDF, DOCX, ODT ou XLSX valide" in html or (
        f"« {name} » n'est pas un fichier PDF, DOCX, ODT ou XLSX valide" in html
    )
    assert "À conserver" in html and "le reste de votre saisie est conservé" in html
    assert stored_files() == [] and db.session.execute(select(LedgerEntry)).first() is None


def test_an_oversized_file_gets_a_clear_message_and_nothing_else_is_lost(app, client, login, people):
    app.config["EVIDENCE_MAX_BYTES"] = 1024 * 1024
    login(client, people["assessor"])
    big = PDF_BYTES + b"0" * (1024 * 1024)
    files = [(io.BytesIO(PDF_BYTES), "petit.pdf"), (io.BytesIO(big), "gros.pdf")]
    html = upload(client, people["candidate"], files, comment="Texte saisi").get_data(as_text=True)
    assert "«\u00a0gros.pdf\u00a0» dépasse la taille maximale de 1 Mo" in html
    assert "Texte saisi" in html
    for code in ("C10", "C11", "C12"):
        assert re.search(rf'name="{code}_selected"[^>]*checked|checked[^>]*name="{code}_selected"', html)
    assert stored_files() == [] and stored_keys() == []


def test_a_request_far_above_the_global_limit_still_reaches_the_form(app, client, login, people):
    """MAX_CONTENT_LENGTH is the per-file limit; the grading pages accept several such files."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login(client, people["assessor"])
    big = PDF_BYTES + b"0" * (100 * 1024)
    html = upload(client, people["candidate"], [(io.BytesIO(big), "gros.pdf")]).get_data(as_text=True)
    assert "dépasse la taille maximale" in html


def test_path_traversal_names_cannot_choose_where_files_go(app, client, login, people, tmp_path):
    login(client, people["assessor"])
    names = ["../../evil.pdf", "..\\..\\windows.pdf", "/etc/passwd.pdf", ".hidden.pdf"]
    files = [(io.BytesIO(PDF_BYTES), n) for n in names]
    assert upload(client, people["candidate"], files).status_code == 302
    rows = stored_files()
    assert [r.original_name for r in rows] == ["evil.pdf", "windows.pdf", "passwd.pdf", "hidden.pdf"]
    assert sorted(stored_keys()) == sorted(r.stored_name for r in rows)
    assert not (tmp_path / "evil.pdf").exists() and not (tmp_path.parent / "evil.pdf").exists()


@pytest.fixture
def evidence(client, login, people):
    login(client, people["assessor"])
    upload(client, people["candidate"], [(io.BytesIO(PDF_BYTES), "synthèse finale.pdf")])
    client.post("/logout")
    (row,) = stored_files()
    return row


@pytest.mark.parametrize("who", ["assessor", "admin", "candidate"])
def test_assessors_admins_and_the_candidate_concerned_download_as_attachment(client, login, people, evidence, who):
    login(client, people[who])
    response = client.get(f"/evaluation/pieces/{evidence.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "synth%C3%A8se%20finale.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["other", "trainer"])
def test_anyone_else_is_refused(client, login, people, evidence, who):
    login(client, people[who])
    assert client.get(f"/evaluation/pieces/{evidence.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, evidence):
    response = client.get(f"/evaluation/pieces/{evidence.id}")
    assert response.status_code in (302, 401)
    assert "login" in response.headers.get("Location", "/login")


def test_unknown_or_traversing_download_paths_are_not_found(client, login, people, evidence):
    login(client, people["assessor"])
    assert client.get("/evaluation/pieces/999999").status_code == 404
    assert client.get("/evaluation/pieces/..%2F..%2Fsecret_key").status_code == 404
    assert client.get("/evaluation/pieces/../../instance/secret_key").status_code == 404


def test_evidence_links_show_on_the_candidates_own_dashboard(client, login, people, evidence):
    login(client, people["candidate"])
    html = client.get("/registre/").get_data(as_text=True)
    assert f"/evaluation/pieces/{evidence.id}" in html and "synthèse finale.pdf" in html

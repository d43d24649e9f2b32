"""Shared set-up of the assessments tests: a session opened to a cohort, files to deposit."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

from quiz.extensions import db
from quiz.timeutil import utcnow

CASES = Path(__file__).resolve().parent.parent / "case_studies"
GUIDE_PHRASE = "Effet ciseaux"  # in the marking guide of ETUDE-01-A only
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_bytes(author: str = "Léa Martin") -> bytes:
    core = (f'<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
            f'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Synthèse</dc:title>'
            f'<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>'
            f'</cp:coreProperties>').encode()
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                      "docProps/core.xml": core})


def make_session(admin, cohort, modality="E5", competences=("C10", "C11"), opens_in=-3600, closes_in=7 * 86400,
                 **kw):
    from quiz.assessments import service

    now = utcnow()
    data = service.SessionData(modality=modality, title=kw.pop("title", f"Synthèse {modality}"),
                               opens_at=now + timedelta(seconds=opens_in),
                               deadline_at=now + timedelta(seconds=closes_in),
                               cohort_ids=[cohort.id], competences=list(competences), **kw)
    return service.create_session(data, admin)


def deposit(client, session, files):
    return client.post(f"/epreuves/{session.id}", data={"files": [(io.BytesIO(c), n) for n, c in files]},
                       content_type="multipart/form-data")


def cohort_of(user):
    db.session.refresh(user)
    return user.cohorts[0]


def as_user(client, login, user):
    """The client logged out of whoever it was, then in as `user`."""
    client.post("/logout")
    login(client, user)


def started(client, login, user, session) -> int:
    """The id of `user`'s online answer to `session`, started (or resumed) through its page."""
    as_user(client, login, user)
    response = client.post(f"/epreuves/{session.id}/en-ligne")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def save(client, attempt_id, text, **extra):
    """The page script's autosave of an online answer."""
    return client.post(f"/epreuves/api/redaction/{attempt_id}/answers/1", json={"response": text, **extra})

"""Evidence files: recognised by their content (never their name), stored under a random key.

Accepted: PDF (starts with %PDF-), DOCX and XLSX (a ZIP holding [Content_Types].xml and word/ or
xl/), ODT (a ZIP whose `mimetype` member is the ODF text type). The name the browser sends is
kept for display and download only; nothing stored is ever derived from it. The bytes go to
quiz.storage (the database, reachable from every server) after a check on a temporary copy.
"""

from __future__ import annotations

import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from quiz import storage
from quiz.extensions import db
from quiz.ledger.service import StoredEvidence

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
KINDS = {PDF: "PDF", DOCX: "DOCX", XLSX: "XLSX", ODT: "ODT"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 1024 * 1024


class EvidenceError(ValueError):
    """A file refused, with a French message naming it and saying what is accepted."""


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as sent and a readable binary stream."""

    filename: str
    stream: BinaryIO


def detect(path: Path) -> str | None:
    """The content type of the file at `path` by its bytes, or None if it is not accepted."""
    with path.open("rb") as handle:
        return detect_stream(handle)


def detect_stream(handle: BinaryIO) -> str | None:
    """The content type of a seekable binary file by its bytes, or None if it is not accepted."""
    handle.seek(0)
    head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    if member.read(100).strip() == ODT.encode():
                        return ODT
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None
    return None


def display_name(filename: str | None) -> str:
    """The base name the browser sent, without directories or control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".")
    return name[:200] or "piece-jointe"


def store(upload: Upload, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredEvidence:
    """Check the upload (size, content) on a temporary copy, then store it under a random key in
    the caller's transaction; refused files leave nothing behind."""
    name = display_name(upload.filename)
    with tempfile.TemporaryFile() as spool:
        _spool(upload.stream, spool, name, max_bytes)
        content_type = detect_stream(spool)
        if content_type is None:
            raise EvidenceError(
                f"« {name} » n'est pas un fichier PDF, DOCX, ODT ou XLSX valide (son contenu a été vérifié, "
                "pas seulement son extension) : enregistrez-le dans l'un de ces formats."
            )
        spool.seek(0)
        blob = storage.put(spool)
    return StoredEvidence(name, blob.key, content_type, blob.size, blob.sha256)


def _spool(stream: BinaryIO, spool: BinaryIO, name: str, max_bytes: int) -> None:
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise EvidenceError(
                f"« {name} » dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo : "
                "réduisez-le (PDF compressé, par exemple) puis joignez-le à nouveau."
            )
        spool.write(chunk)
    if size == 0:
        raise EvidenceError(f"« {name} » est vide : joignez le bon fichier.")


def discard(stored: list[StoredEvidence]) -> None:
    """Remove files stored for a grading that was not recorded after all, and commit that."""
    storage.delete_files(item.stored_name for item in stored)
    db.session.commit()

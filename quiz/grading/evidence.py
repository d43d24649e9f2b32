"""Evidence files: recognised by their content (never their name), stored under a random name.

Accepted: PDF (starts with %PDF-), DOCX and XLSX (a ZIP holding [Content_Types].xml and word/ or
xl/), ODT (a ZIP whose `mimetype` member is the ODF text type). The name the browser sends is
kept for display and download only; nothing on disk is ever derived from it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
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


def store(upload: Upload, folder: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredEvidence:
    """Copy the upload under `folder` with a random name, refusing oversized or unknown files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = display_name(upload.filename)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("xb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise EvidenceError(
                        f"« {name} » dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo : "
                        "réduisez-le (PDF compressé, par exemple) puis joignez-le à nouveau."
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EvidenceError(f"« {name} » est vide : joignez le bon fichier.")
        content_type = detect(path)
        if content_type is None:
            raise EvidenceError(
                f"« {name} » n'est pas un fichier PDF, DOCX, ODT ou XLSX valide (son contenu a été vérifié, "
                "pas seulement son extension) : enregistrez-le dans l'un de ces formats."
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredEvidence(name, stored_name, content_type, size, digest.hexdigest())


def discard(stored: list[StoredEvidence], folder: str | Path) -> None:
    """Remove files written for a grading that was not recorded after all."""
    for item in stored:
        (Path(folder) / item.stored_name).unlink(missing_ok=True)


def path_of(stored_name: str, folder: str | Path) -> Path:
    """The file on disk; the name comes from the database and must be a bare token."""
    if not stored_name or os.sep in stored_name or "/" in stored_name or stored_name.startswith("."):
        raise EvidenceError("nom de fichier stocké invalide")
    return Path(folder) / stored_name

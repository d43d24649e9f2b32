"""The workshop's Moodle import: a GIFT or Moodle XML file is converted and its report shown;
the trainer then chooses the bank that receives the converted questions (added to its draft).

Nothing is kept between the two steps but what the page sends back (the file's text), so any
server may answer either step.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from quiz.authoring.service import UploadError, banks_dir, editor_text, save_draft
from quiz.banks.exporting import convert_text, sniff
from quiz.banks.interchange import Conversion
from quiz.banks.parser import ID_RE
from quiz.banks.store import Question
from quiz.extensions import db
from quiz.referential import load_referential

MAX_IMPORT_BYTES = 8 * 1024 * 1024
EXTENSIONS = (".xml", ".gift", ".txt")
PREVIEW_PREFIX = "IMPORT"


def read_moodle_upload(data: bytes, filename: str) -> tuple[str, str]:
    """(kind, text) of an uploaded Moodle file, or UploadError with what to do."""
    if not filename.lower().endswith(EXTENSIONS):
        raise UploadError("le fichier doit être un export Moodle : XML (.xml) ou GIFT (.gift, .txt).")
    if len(data) > MAX_IMPORT_BYTES:
        raise UploadError(f"le fichier dépasse {MAX_IMPORT_BYTES // (1024 * 1024)} Mio — exportez Moodle catégorie "
                          "par catégorie, ou utilisez « quiz banks convert ».")
    kind, text = sniff(filename, data)
    if kind is None:
        raise UploadError("caractères non UTF-8 — exportez le fichier depuis Moodle en UTF-8.")
    return kind, text.replace("\r\n", "\n").replace("\r", "\n")


def preview(kind: str, text: str) -> Conversion:
    """The report of a file before it has a destination (ids are given when it is added)."""
    return convert_text(text, kind, prefix=PREVIEW_PREFIX, thematic=1)


def _taken(prefix: str, text: str) -> frozenset[str]:
    """Ids the bank uses or has ever used: an id is never given twice."""
    codes = set(db.session.execute(select(Question.code).where(Question.code.like(f"{prefix}-%"))).scalars())
    for line in text.splitlines():
        if line.startswith("## "):
            candidate = line[3:].split("·", 1)[0].strip()
            if ID_RE.match(candidate):
                codes.add(candidate)
    return frozenset(codes)


def add_to_bank(thematic, kind: str, text: str, user) -> tuple[Conversion, list[str]]:
    """Convert for `thematic` and append the questions to its draft; (conversion, images not written)."""
    base, _source = editor_text(thematic)
    conversion = convert_text(text, kind, prefix=thematic.prefix, thematic=thematic.number,
                              referential=load_referential(), taken=_taken(thematic.prefix, base),
                              title=thematic.title)
    if conversion.markdown is None:
        return conversion, []
    save_draft(thematic, base.rstrip("\n") + "\n\n" + conversion.body, user)
    return conversion, _write_assets(conversion.assets)


def _write_assets(assets: dict[str, bytes]) -> list[str]:
    """Write the embedded images into question_banks/assets/; the names that could not be."""
    directory = banks_dir() / "assets"
    missing = []
    for name, data in sorted(assets.items()):
        target = directory / name
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if not os.access(directory, os.W_OK):
                raise PermissionError(str(directory))
            if not target.exists():
                Path(target).write_bytes(data)
        except OSError:
            missing.append(name)
    return missing

"""Files in and out: export a bank to a target format, convert a Moodle XML or GIFT file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quiz.banks.gift import export_gift, import_gift
from quiz.banks.interchange import drafts_to_bank
from quiz.banks.model import Bank
from quiz.banks.moodle import export_moodle, import_moodle
from quiz.banks.qti import export_qti

SUFFIXES = {"moodle-xml": ".moodle.xml", "gift": ".gift", "qti": ".qti.zip"}


def export_bank(bank: Bank, fmt: str, out: Path) -> tuple[Path, list[str]]:
    """Write one bank into `out` in `fmt`; returns the file and what the format could not hold."""
    target = out / (Path(bank.filename).stem + SUFFIXES[fmt])
    if fmt == "qti":
        data, losses = export_qti(bank)
        target.write_bytes(data)
        return target, losses
    text, losses = export_moodle(bank) if fmt == "moodle-xml" else export_gift(bank)
    target.write_text(text, encoding="utf-8")
    return target, losses


def convert_text(text: str, kind: str, *, prefix: str, thematic: int, referential: Any = None) -> tuple[str, list[str]]:
    """A Moodle XML (`kind` "xml") or GIFT text as a bank in this format, with what was lost."""
    title, drafts, losses = import_moodle(text) if kind == "xml" else import_gift(text)
    if referential is not None and any(t.number == thematic for t in referential.thematics):
        title = title or referential.thematic(thematic).title
    markdown, more = drafts_to_bank(drafts, prefix=prefix, thematic=thematic, title=title or f"Thématique {thematic}",
                                    referential=referential)
    return markdown, losses + more


def convert_file(path: Path, *, prefix: str, thematic: int, referential: Any = None) -> tuple[str, list[str]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    kind = "xml" if path.suffix.lower() == ".xml" or text.lstrip().startswith("<") else "gift"
    return convert_text(text, kind, prefix=prefix, thematic=thematic, referential=referential)

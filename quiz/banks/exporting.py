"""Files in and out: export a bank to a target format, convert a Moodle XML or GIFT file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quiz.banks.gift import export_gift, import_gift
from quiz.banks.interchange import Conversion, drafts_to_bank
from quiz.banks.model import Bank
from quiz.banks.moodle import export_moodle, read_moodle
from quiz.banks.qti import export_qti

CATEGORY_TAG = "catégorie:"
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


def convert_text(text: str, kind: str, *, prefix: str, thematic: int, referential: Any = None,
                 taken: frozenset[str] = frozenset(), title: str | None = None) -> Conversion:
    """A Moodle XML (`kind` "xml") or GIFT text as a bank in this format, with a report per question.

    The bank is titled `title`, or after the file's category (or the thematic) when not given.
    """
    assets: dict[str, bytes] = {}
    if kind == "xml":
        category, drafts, errors, assets = read_moodle(text)
    else:
        category, drafts, errors = import_gift(text)
    title = title or category
    if referential is not None and any(t.number == thematic for t in referential.thematics):
        title = title or referential.thematic(thematic).title
    _category_tags(drafts, title)
    conversion = drafts_to_bank(drafts, prefix=prefix, thematic=thematic, title=title or f"Thématique {thematic}",
                                referential=referential, taken=taken)
    conversion.errors = errors
    if conversion.markdown is not None:
        conversion.assets = {name: data for name, data in assets.items() if f"assets/{name}" in conversion.markdown}
    return conversion


def _category_tags(drafts: list, title: str | None) -> None:
    """Categories become tags, except a file's single flat category that is the bank's title."""
    found = {t for d in drafts for t in d.meta.get("tags", ()) if t.startswith(CATEGORY_TAG)}
    if found == {f"{CATEGORY_TAG}{title}"}:
        for draft in drafts:
            draft.meta["tags"] = [t for t in draft.meta.get("tags", ()) if not t.startswith(CATEGORY_TAG)]


def sniff(name: str, data: bytes) -> tuple[str | None, str]:
    """(kind, text) of an uploaded or given file; kind is None when it is not UTF-8 text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ""
    kind = "xml" if name.lower().endswith(".xml") or text.lstrip().startswith("<") else "gift"
    return kind, text


def convert_file(path: Path, *, prefix: str, thematic: int, referential: Any = None) -> Conversion:
    kind, text = sniff(path.name, path.read_bytes())
    if kind is None:
        return Conversion(None, errors=[f"{path.name} : fichier non lisible en UTF-8"])
    return convert_text(text, kind, prefix=prefix, thematic=thematic, referential=referential)

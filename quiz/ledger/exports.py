"""The jury grid as a table, and that table as CSV, XLSX and JSON: every format from one source,
so that exports agree with the grid on screen. Labels are French whatever the interface
language: these are documents for the certification jury."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from quiz.ledger.rules import CertificationStatus, State
from quiz.ledger.service import Grid, GridRow, Person
from quiz.referential import Referential
from quiz.spreadsheet import csv_text, neutralise
from quiz.typography import french

COMPETENCE_LABELS = {
    State.MET: "Acquise",
    State.IN_PROGRESS: "En cours",
    State.FAILED: "Non acquise",
    State.PENDING: "À évaluer",
}
BLOC_LABELS = {
    State.MET: "Validé",
    State.IN_PROGRESS: "En cours",
    State.FAILED: "Non validé",
    State.PENDING: "Non validé",
}
FILTERS = {
    "titre": "Titre validé",
    "partiel": "Certification partielle",
    "aucun": "Aucun bloc validé",
}


def short_date(day: date | None) -> str:
    """« 15/06/2026 »: digits only, so strftime gives what babel's dd/MM/yyyy would, much faster
    (a grid page and an export write thousands)."""
    return day.strftime("%d/%m/%Y") if day else ""


def long_date(day: date) -> str:
    return format_date(day, "d MMMM y", locale="fr")


def with_date(label: str, day: date | None) -> str:
    return f"{label} le {short_date(day)}" if day else label


def title_cell(status: CertificationStatus) -> str:
    if status.validated:
        return with_date("Titre validé", status.date)
    if status.partial:
        return french("Certification partielle : ") + ", ".join(b.bloc for b in status.validated_blocs)
    return "Non validé"


def certification_filter(status: CertificationStatus) -> str:
    """The grid filter a status falls under (keys of FILTERS)."""
    if status.validated:
        return "titre"
    return "partiel" if status.partial else "aucun"


def grid_header(referential: Referential) -> list[str]:
    competences = [f"{c} ({referential.competence(c).ref})" for b in referential.blocs for c in b.competences]
    return ["Nom", "Prénom", "E-mail", *competences, *[f"Bloc {b.number}" for b in referential.blocs], "Titre"]


def row_cells(row: GridRow) -> list[str]:
    """One candidate's cells: name, first name, e-mail, each competence, each bloc, the title."""
    s = row.status
    cells = [row.candidate.last_name, row.candidate.first_name, row.candidate.email]
    cells += [with_date(COMPETENCE_LABELS[c.state], c.date) for b in s.blocs for c in b.competences]
    cells += [with_date(BLOC_LABELS[b.state], b.date) for b in s.blocs]
    cells.append(title_cell(s))
    return cells


def grid_table(rows: Iterable[GridRow], referential: Referential) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per candidate, one cell per competence, bloc and the title."""
    return grid_header(referential), [row_cells(r) for r in rows]


def to_csv(rows: Iterable[GridRow], referential: Referential, bom: bool = True) -> str:
    """Semicolon-separated, UTF-8 with a BOM by default: what a French spreadsheet opens as is;
    no cell can be read as a formula (quiz.spreadsheet)."""
    return "".join(csv_chunks(rows, referential, bom))


def csv_chunks(rows: Iterable[GridRow], referential: Referential, bom: bool = True,
               size: int = 500) -> Iterator[str]:
    """The CSV in pieces of `size` rows, for a streamed download that never holds the whole file."""
    yield csv_text([grid_header(referential)], bom=bom)
    batch = []
    for row in rows:
        batch.append(row_cells(row))
        if len(batch) == size:
            yield csv_text(batch, bom=False)
            batch = []
    if batch:
        yield csv_text(batch, bom=False)


def _widths(referential: Referential, people: Sequence[Person]) -> list[int]:
    """Column widths known before the first row is written (a streamed sheet cannot go back):
    the names from the people, the status cells from the longest label they can hold."""
    dated = len(" le 01/01/2000")
    competence = max(len(label) for label in COMPETENCE_LABELS.values()) + dated
    bloc = max(len(label) for label in BLOC_LABELS.values()) + dated
    title = max(len("Titre validé") + dated, len(french("Certification partielle : ") + ", ".join(
        b.code for b in referential.blocs)))
    longest = [max([0, *(len(getattr(p, name)) for p in people)]) for name in ("last_name", "first_name", "email")]
    cells = [*longest, *[competence] * len(referential.competences), *[bloc] * len(referential.blocs), title]
    return [max(len(h), w) for h, w in zip(grid_header(referential), cells, strict=True)]


def to_xlsx(rows: Iterable[GridRow], referential: Referential, people: Sequence[Person]) -> bytes:
    """A write-only workbook: rows go to disk as they come, whatever the size of the cohort.
    Every text cell is a string, neutralised (quiz.spreadsheet)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Grille du jury")
    for index, width in enumerate(_widths(referential, people), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 40)
    sheet.freeze_panes = "D2"
    bold = Font(bold=True)
    header = []
    for title in grid_header(referential):
        cell = WriteOnlyCell(sheet, value=neutralise(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_text_cell(sheet, v) for v in row_cells(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"
    return cell


def status_dict(status: CertificationStatus) -> dict:
    """A status as plain JSON-ready data (ISO dates)."""

    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "title": {"validated": status.validated, "date": iso(status.date), "missing_blocs": list(status.missing)},
        "partial_certification": [{"bloc": b.bloc, "date": iso(b.date)} for b in status.validated_blocs],
        "blocs": {
            b.bloc: {"validated": b.validated, "date": iso(b.date), "missing": list(b.missing)} for b in status.blocs
        },
        "competences": {
            c.competence: {
                "validated": c.validated,
                "date": iso(c.date),
                "missing": list(c.missing),
                "requirements": {
                    r.modality: {
                        "met": r.met,
                        "date": iso(r.date),
                        **({"missing_thematics": list(r.missing_thematics)} if r.modality == "E2" else {}),
                    }
                    for r in c.requirements
                },
            }
            for b in status.blocs
            for c in b.competences
        },
    }


def to_json(grid: Grid) -> str:
    """Full statuses (`service.detailed_grid`): requirements and what is missing are part of it."""
    data = {
        "cohort": grid.cohort.name if grid.cohort else None,
        "candidates": [
            {
                "id": row.candidate.id,
                "last_name": row.candidate.last_name,
                "first_name": row.candidate.first_name,
                "email": row.candidate.email,
                **status_dict(row.status),
            }
            for row in grid.rows
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)

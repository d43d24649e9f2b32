"""The jury grid as a table, and that table as CSV, XLSX and JSON: every format from one source,
so that exports agree with the grid on screen. Labels are French whatever the interface
language: these are documents for the certification jury."""

from __future__ import annotations

import io
import json
from datetime import date

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from quiz.ledger.rules import CertificationStatus, State
from quiz.ledger.service import Grid
from quiz.referential import Referential
from quiz.spreadsheet import append_text_row, csv_text
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
    return format_date(day, "dd/MM/yyyy", locale="fr") if day else ""


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


def grid_table(grid: Grid, referential: Referential) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per candidate, one cell per competence, bloc and the title."""
    rows = []
    for row in grid.rows:
        s = row.status
        cells = [row.candidate.last_name, row.candidate.first_name, row.candidate.email]
        cells += [with_date(COMPETENCE_LABELS[c.state], c.date) for b in s.blocs for c in b.competences]
        cells += [with_date(BLOC_LABELS[b.state], b.date) for b in s.blocs]
        cells.append(title_cell(s))
        rows.append(cells)
    return grid_header(referential), rows


def to_csv(grid: Grid, referential: Referential, bom: bool = True) -> str:
    """Semicolon-separated, UTF-8 with a BOM by default: what a French spreadsheet opens as is;
    no cell can be read as a formula (quiz.spreadsheet)."""
    header, rows = grid_table(grid, referential)
    return csv_text([header, *rows], bom=bom)


def to_xlsx(grid: Grid, referential: Referential) -> bytes:
    header, rows = grid_table(grid, referential)
    book = Workbook()
    sheet = book.active
    sheet.title = "Grille du jury"
    append_text_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_text_row(sheet, row)
    sheet.freeze_panes = "D2"
    for index, title in enumerate(header, start=1):
        width = max([len(title), *(len(r[index - 1]) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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

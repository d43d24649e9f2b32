"""Cells for spreadsheets: every export (CSV, XLSX) goes through here, so that no text a user
typed (a name, a cohort, a questionnaire title) is ever read back by a spreadsheet as a formula.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or the start
of one) for Excel, LibreOffice and Google Sheets, even in a CSV file: `=HYPERLINK(...)` in a
name becomes a live link that can send the sheet's other cells away. Such a text gets a leading
apostrophe, the spreadsheets' own "this is text" mark (OWASP's advice for CSV injection). A
plain number (`-0,25`, `+3`) is left as it is: it is no formula, and it must stay a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?: ?%)?")


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet must show it: text that could start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[Any]], bom: bool = True) -> str:
    """Semicolon-separated, CRLF, UTF-8 BOM by default (what a French spreadsheet opens as is),
    every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return ("\ufeff" if bom else "") + out.getvalue()


def append_text_row(sheet, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet with every text cell stored as a string.

    `sheet.append` turns any string starting with `=` into a formula; here a text cell is typed
    `s` (shared string) whatever it starts with, and is neutralised too, so that a copy of the
    sheet pasted or saved as CSV stays inert."""
    values = list(values)
    sheet.append([None if isinstance(v, str) else v for v in values])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            cell = sheet.cell(row=row, column=column)
            cell.value = neutralise(value)
            cell.data_type = "s"

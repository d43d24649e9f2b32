"""The E3 case-study format: a valid file parses; every mistake is reported with its line."""

from __future__ import annotations

import pytest

from quiz.assessments.casestudy import parse
from quiz.referential import load_referential

REF = load_referential()
VALID = """---
id: ETUDE-05-A
thematic: 5
title: Une PME exportatrice face au risque de change
duration: 120
competences:
  C16: [0, 1]
  C17: all
---
# Sujet
La société Durand exporte 40 % de sa production vers les États-Unis.

# Documents
- [Bilan 2025](documents/bilan-2025.pdf)

# Guide de correction
Attendu : une couverture à terme argumentée.
"""


def test_a_valid_case_study():
    report = parse(VALID, "etude.md", REF, existing_files={"documents/bilan-2025.pdf"})
    assert report.ok, report.lines()
    case = report.case_study
    assert (case.id, case.thematic, case.duration_minutes) == ("ETUDE-05-A", 5, 120)
    assert case.criteria["C16"] == (0, 1) and case.criteria["C17"] == tuple(
        range(len(REF.competence("C17").criteria.items)))
    assert case.subject.startswith("La société Durand") and "couverture" in case.guide
    assert [(d.label, d.path, d.line) for d in case.documents] == [("Bilan 2025", "documents/bilan-2025.pdf", 14)]


@pytest.mark.parametrize("change, expected", [
    (("thematic: 5", "thematic: 13"), "etude.md:3: thematic : un numéro de thématique de 1 à 12"),
    (("duration: 120", "duration: 5"), "etude.md:5: duration : une durée en minutes, de 10 à 600"),
    (("  C16: [0, 1]", "  C5: all"), "etude.md:7: C5 n'est pas évaluée par l'étude de cas"),
    (("  C16: [0, 1]", "  C16: [0, 9]"), "etude.md:7: C16 : « all » ou une liste d'indices de critères"),
    (("id: ETUDE-05-A", "id: etude"), "etude.md:2: id : lettres majuscules"),
    (("# Documents", "# Annexes"), "etude.md:13: section inconnue « Annexes »"),
    (("- [Bilan 2025](documents/bilan-2025.pdf)", "- [Bilan](../secret.pdf)"), "etude.md:14: « ../secret.pdf »"),
    (("- [Bilan 2025](documents/bilan-2025.pdf)", "- [Bilan](documents/absent.pdf)"),
     "etude.md:14: document introuvable"),
    (("# Guide de correction\n", ""), "section « # Guide de correction » manquante"),
    (("title: Une PME", "colour: bleu\ntitle: Une PME"), "etude.md:4: clé inconnue « colour »"),
])
def test_each_mistake_is_reported_with_its_line(change, expected):
    report = parse(VALID.replace(*change), "etude.md", REF, existing_files={"documents/bilan-2025.pdf"})
    assert not report.ok and any(line.startswith(expected) or expected in line for line in report.lines()), \
        report.lines()


def test_broken_metadata():
    assert parse("# Sujet\n", "e.md", REF).lines()[0].startswith("e.md:1: le fichier commence par")
    assert "non fermé" in parse("---\nid: X\n", "e.md", REF).lines()[0]
    assert parse("---\nid: [\n---\n", "e.md", REF).lines()[0].startswith("e.md:")


def test_the_command_reports_file_and_line_and_fails(tmp_path):
    from click.testing import CliRunner

    from quiz.assessments.cli import casestudies_cli

    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "bilan-2025.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "bonne.md").write_text(VALID, encoding="utf-8")
    (tmp_path / "fausse.md").write_text(VALID.replace("duration: 120", "duration: 5"), encoding="utf-8")
    result = CliRunner().invoke(casestudies_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'fausse.md'}:5: duration" in result.output
    assert "bonne.md" not in result.output.replace("2 étude(s)", "")
    ok = CliRunner().invoke(casestudies_cli, ["check", str(tmp_path / "bonne.md")])
    assert ok.exit_code == 0, ok.output

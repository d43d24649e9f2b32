"""The shipped case studies parse, and the content hash that versions them on import."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.assessments.casestudy import content_hash, parse
from quiz.referential import load_referential

REF = load_referential()
FOLDER = Path(__file__).resolve().parents[2] / "case_studies"
FILES = sorted(FOLDER.glob("*.md"))
EXISTING = {f.relative_to(FOLDER).as_posix() for f in FOLDER.rglob("*") if f.is_file()}


def parsed(text: str, existing=frozenset({"documents/d.csv"})):
    report = parse(text, "etude.md", REF, set(existing))
    assert report.ok, report.lines()
    return report.case_study


BASE = """---
id: ETUDE-01-Z
thematic: 1
title: Un cas
duration: 60
competences:
  C16: [0]
---
# Sujet
Le sujet.

# Documents
- [Bilan](documents/d.csv)

# Guide de correction
Le guide.
"""


def test_the_shipped_case_studies_are_complete():
    assert len(FILES) >= 4
    thematics = set()
    for path in FILES:
        report = parse(path.read_text(encoding="utf-8"), path.name, REF, EXISTING)
        assert report.ok, report.lines()
        case = report.case_study
        thematics.add(case.thematic)
        assert case.documents and len(case.subject) > 1500 and len(case.guide) > 2500, path.name
        assert "Acquis / non acquis" in case.guide and "| ---" in case.subject
        for code, indexes in case.criteria.items():  # the guide says what each assessed criterion needs
            for index in indexes:
                assert f"{code}, critère {index}" in case.guide, (path.name, code, index)
    assert {1, 5, 6, 8} <= thematics


def test_the_hash_follows_the_content_not_the_layout():
    case = parsed(BASE)
    same = parsed(BASE.replace("# Sujet\n", "# Sujet\n\n\n").replace("  C16: [0]", "  C16: [0, 0]"))
    assert content_hash(case, ["aa"]) == content_hash(same, ["aa"])


@pytest.mark.parametrize("change", [
    ("Le sujet.", "Le sujet modifié."), ("Le guide.", "Le guide modifié."), ("duration: 60", "duration: 90"),
    ("  C16: [0]", "  C16: [0, 1]"), ("title: Un cas", "title: Un autre cas"), ("[Bilan]", "[Bilan 2025]"),
])
def test_any_change_of_what_is_read_changes_the_hash(change):
    assert content_hash(parsed(BASE), ["aa"]) != content_hash(parsed(BASE.replace(*change)), ["aa"])


def test_a_changed_document_changes_the_hash():
    case = parsed(BASE)
    assert content_hash(case, ["aa"]) != content_hash(case, ["bb"])

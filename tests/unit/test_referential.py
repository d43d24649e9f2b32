"""The referential data agrees with the seed's tables, and the loader refuses broken files."""

from __future__ import annotations

import copy
import re
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from quiz.referential import ReferentialError, load_referential
from quiz.referential.loader import DEFAULT_PATH, build_referential

SEED = Path(__file__).parent.parent / "fixtures" / "referential-seed.txt"
ROW = re.compile(r"C(\d+) \((B(\d)\.\d+)\) (.+?)\t(.*)")
MODALITY = re.compile(r"\bE([1-5])\s*[-–]")


def seed_rows() -> dict[str, tuple[str, str, str, list[str]]]:
    """code -> (ref, bloc, statement, modalities in the seed's order), read from the seed text."""
    rows = {}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        match = ROW.search(line)
        if match:
            number, ref, bloc, statement, rest = match.groups()
            modalities_cell = rest.split("\t")[0]
            modalities = [f"E{m}" for m in MODALITY.findall(modalities_cell)]
            rows[f"C{number}"] = (ref, f"B{bloc}", statement.strip(), modalities)
    return rows


@pytest.fixture(scope="module")
def ref():
    return load_referential()


def test_seed_has_eighteen_competences():
    assert len(seed_rows()) == 18


@pytest.mark.parametrize("code", sorted(seed_rows(), key=lambda c: int(c[1:])))
def test_competence_matches_seed(ref, code):
    seed_ref, seed_bloc, statement, modalities = seed_rows()[code]
    competence = ref.competence(code)
    assert competence.ref == seed_ref
    assert competence.bloc == seed_bloc
    assert competence.statement == statement
    assert list(competence.modalities) == modalities
    assert ref.competence(seed_ref) is competence


def test_blocs_hold_their_competences(ref):
    assert [b.code for b in ref.blocs] == ["B1", "B2", "B3"]
    assert ref.bloc("B1").competences == ("C1", "C2", "C3", "C4", "C13", "C14", "C15", "C16", "C17", "C18")
    assert ref.bloc("B2").competences == ("C5", "C6", "C7", "C8", "C9")
    assert ref.bloc("B3").competences == ("C10", "C11", "C12")


def test_threshold_is_sixty_percent(ref):
    assert ref.pass_threshold == Fraction(60, 100)


def test_twelve_thematics_with_default_mapping(ref):
    mapping = {t.number: t.competences for t in ref.thematics}
    assert mapping == {
        1: ("C15", "C6"), 2: ("C13", "C8"), 3: ("C13", "C9"), 4: ("C15", "C17"), 5: ("C16", "C17"),
        6: ("C8",), 7: ("C17", "C18"), 8: ("C18",), 9: ("C14",), 10: ("C8", "C9"), 11: ("C9",), 12: ("C14",),
    }
    assert [t.filename for t in ref.thematics][:2] == ["01-analyse-financiere.md", "02-flux.md"]


def test_e2_competences_are_exactly_those_the_seed_assesses_by_questionnaire(ref):
    expected = {code for code, row in seed_rows().items() if "E2" in row[3]}
    assert {c.code for c in ref.e2_competences()} == expected
    for competence in ref.e2_competences():
        assert competence.thematics, competence.code


def test_shared_criteria_are_one_group(ref):
    assert ref.competence("C13").criteria is ref.competence("C14").criteria
    assert ref.competence("C15").criteria is ref.competence("C16").criteria
    assert ref.competence("C10").criteria is ref.competence("C12").criteria
    assert len(ref.competence("C8").criteria.items) == 7


def test_e4_phases(ref):
    phases = {c.code: r.phase for c in ref.competences for r in c.requires if r.modality == "E4"}
    assert phases["C14"] == "suivi"
    assert phases["C7"] == "entretien"
    assert phases["C15"] == "preparation"
    assert "C1" not in phases


def _data():
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_loader_refuses_competence_without_bloc():
    data = _data()
    data["competences"][0]["bloc"] = "B9"
    with pytest.raises(ReferentialError, match="C1 : bloc inconnu"):
        build_referential(data)


def test_loader_refuses_e2_competence_without_thematic():
    data = _data()
    for thematic in data["thematics"]:
        thematic["competences"] = [c for c in thematic["competences"] if c != "C16"]
    with pytest.raises(ReferentialError, match="C16 exige E2 mais aucune thématique"):
        build_referential(data)


def test_loader_refuses_thematic_without_e2_competence():
    data = _data()
    data["thematics"][5]["competences"] = ["C1"]
    with pytest.raises(ReferentialError, match="thématique 6 n'évalue aucune compétence E2"):
        build_referential(data)


def test_loader_refuses_duplicate_codes():
    data = _data()
    data["competences"].append(copy.deepcopy(data["competences"][0]))
    with pytest.raises(ReferentialError, match=r"en double : B1\.1"):
        build_referential(data)


def test_loader_refuses_bad_rule():
    data = _data()
    data["e2_rule"] = "some"
    with pytest.raises(ReferentialError, match="e2_rule"):
        build_referential(data)


def test_loader_reports_unreadable_file(tmp_path):
    bad = tmp_path / "ref.yaml"
    bad.write_text("competences: [", encoding="utf-8")
    with pytest.raises(ReferentialError, match="lecture impossible"):
        load_referential(bad)


def test_any_rule_override():
    data = _data()
    next(c for c in data["competences"] if c["code"] == "C8")["e2_rule"] = "any"
    assert build_referential(data).competence("C8").e2_rule == "any"

"""The broken-bank corpus: each file in tests/fixtures/banks must give exactly its .expected lines."""

from pathlib import Path

import pytest

from quiz.banks import check_paths
from quiz.banks.checker import check_banks, read_source
from quiz.referential import load_referential

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "banks"
REF = load_referential()


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.md")), ids=lambda p: p.stem)
def test_broken_bank_gives_its_exact_problems(path):
    text, problem = read_source(path, path.name)
    problems = [problem] if problem else check_banks(
        {path.name: text}, REF, require_all_thematics=False, assets_dir=CORPUS / "assets"
    ).problems
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in problems] == expected
    assert expected, "a corpus file must produce at least one problem"


def test_corpus_through_check_paths_names_files_as_given():
    path = CORPUS / "single-two-checked.md"
    result = check_paths([path], REF)
    assert [str(p) for p in result.problems] == [
        line.replace("single-two-checked.md", str(path), 1)
        for line in path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    ]

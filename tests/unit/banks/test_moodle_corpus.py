"""The corpus written from Moodle's format documentation: every question is converted (and the
result passes the checker) or refused with its reason; the figures of bench/README.md."""

from pathlib import Path

import pytest

from quiz.banks import parse_bank
from quiz.banks.exporting import convert_file
from quiz.referential import load_referential

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "moodle"
REF = load_referential()


@pytest.mark.parametrize("name, summary", [
    ("gift-reference.gift", "22 questions read, 19 converted, 3 refused, 1 converted with losses"),
    ("moodle-reference.xml", "18 questions read, 11 converted, 7 refused, 3 converted with losses"),
])
def test_the_corpus_converts_or_refuses_every_question(name, summary):
    conversion = convert_file(CORPUS / name, prefix="AF", thematic=1, referential=REF)
    assert conversion.summary() == summary
    assert conversion.exit_code == 1
    assert all(e.losses and e.losses[0] for e in conversion.entries if e.status == "refused")
    bank, problems = parse_bank(conversion.markdown, "01-analyse-financiere.md", REF)
    assert problems == []
    assert len(bank.questions) == conversion.converted

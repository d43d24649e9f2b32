"""Weighted choices, further numeric answers, short answers and case contexts in the bank format."""

from decimal import Decimal
from fractions import Fraction

import pytest

from quiz.banks import parse_bank
from quiz.banks.model import Question
from quiz.banks.shortanswer import matches, normalise
from quiz.banks.writer import bank_markdown
from quiz.scoring import score_response
from tests.unit.banks.banktext import HEADER

CASE = """## AF-010 · Cas : la société Dupont

```yaml
type: case
```

La société Dupont fabrique des vélos ; son **BFR** double en un an.

"""


def member(number: int, case: str = "AF-010", kind: str = "truefalse") -> str:
    line = f"case: {case}\n" if case else ""
    return (f"## AF-{number:03d} · Question {number}\n\n```yaml\ntype: {kind}\nanswer: true\n{line}```\n\n"
            f"Affirmation {number}.\n\n### Explication\n\nParce que.\n\n")


SHORT = """## AF-020 · Sigle

```yaml
type: short
normalise: [case, accents, punctuation]
```

Quel sigle désigne l'excédent brut d'exploitation ?

### Réponses

- [x] EBE
- [50%] excédent*
- [ ] CA
  > Le chiffre d'affaires n'est pas un solde.

### Explication

L'EBE.
"""


def parse(*sections: str):
    return parse_bank(HEADER + "\n" + "".join(sections), "01-analyse-financiere.md")


def messages(*sections: str) -> list[str]:
    return [p.message for p in parse(*sections)[1]]


def test_a_case_introduces_the_questions_that_follow_it():
    bank, problems = parse(CASE, member(11), member(12), member(13, case=""))
    assert problems == []
    first, second, alone = bank.questions
    assert first.case == second.case and first.case.id == "AF-010" and alone.case is None
    assert "**BFR**" in first.case.text and bank.cases == (first.case,)
    assert first.to_payload()["case"] == {"id": "AF-010", "title": "Cas : la société Dupont",
                                          "text": first.case.text, "position": 1}
    assert (first.case_position, second.case_position, alone.case_position) == (1, 2, 0)
    again, problems = parse_bank(bank_markdown(bank), "01-analyse-financiere.md")
    assert problems == [] and again.questions == bank.questions


@pytest.mark.parametrize("sections, expected", [
    ((CASE, member(11)), "cas « AF-010 » suivi de 1 question"),
    ((CASE, member(11), member(12, case=""), member(13)), "séparée de lui"),
    ((member(11, case="AF-099"),), "case « AF-099 » inconnu"),
    ((CASE.replace("type: case", "type: case\ndifficulty: 2"), member(11), member(12)), "sans effet pour un cas"),
    ((CASE.replace("La société Dupont", "### Réponses\n\nLa société"), member(11), member(12)), "un cas n'a ni"),
])
def test_case_mistakes_are_reported(sections, expected):
    assert any(expected in m for m in messages(*sections)), messages(*sections)


def test_short_answer_parses_scores_and_round_trips():
    bank, problems = parse(SHORT)
    assert problems == []
    (q,) = bank.questions
    assert q.normalise == ("case", "accents", "punctuation")
    assert [c.weight for c in q.choices] == [100, 50, 0]
    assert score_response(q, "e.b.e.") == 1 and score_response(q, "Excedent brut") == Fraction(1, 2)
    assert score_response(q, "CA") == 0 and score_response(q, "x" * 500) == 0
    assert Question.from_payload(q.to_payload()) == q
    assert parse_bank(bank_markdown(bank), "01-analyse-financiere.md")[0].questions == bank.questions


@pytest.mark.parametrize("ignore, typed, answer, expected", [
    ((), "EBE", "ebe", False),
    (("case",), "EBE", "ebe", True),
    (("accents",), "Créance", "Creance", True),
    (("spaces",), "fonds de roulement", "fondsderoulement", True),
    (("punctuation",), "l'E.B.E.", "lEBE", True),
    (("case",), "  marge  ", "marge", True),
    (("case",), "marge brute", "marge*", True),
    (("case",), "a*b", r"a\*b", True),
    (("case",), "ab", r"a\*b", False),
])
def test_normalisation_is_chosen_per_question(ignore, typed, answer, expected):
    assert matches(typed, answer, ignore) is expected
    assert normalise("ÉTÉ", ("case", "accents")) == "ete"


def test_weighted_choices_and_their_checks():
    single = SHORT.replace("type: short\nnormalise: [case, accents, punctuation]", "type: single")
    bank, problems = parse(single)
    assert problems == [] and bank.questions[0].weighted
    assert "poids 150 % hors limites" in " ".join(messages(single.replace("[50%]", "[150%]")))
    assert any("sans réponse à 100 %" in m for m in messages(single.replace("- [x] EBE", "- [90%] EBE")))
    multiple = single.replace("type: single", "type: multiple").replace("- [x] EBE", "- [40%] EBE")
    assert any("moins de 100 %" in m for m in messages(multiple))
    assert any("scoring" in m for m in messages(multiple.replace("type: multiple", "type: multiple\nscoring: partial")
                                               .replace("[40%]", "[50%]")))


def test_numeric_further_answers_are_tried_in_order():
    numeric = ("## AF-030 · Grant\n\n```yaml\ntype: numeric\nanswer: 1822\ntolerance: 0\npartial:\n"
               "  - {answer: 1822, tolerance: 2, credit: 50}\n  - {answer: 1800, tolerance: 50, credit: 10}\n```\n\n"
               "Année ?\n\n### Explication\n\n1822.\n")
    bank, problems = parse(numeric)
    assert problems == []
    (q,) = bank.questions
    assert [score_response(q, v) for v in ("1822", "1823", "1790", "1900")] == [1, Fraction(1, 2), Fraction(1, 10), 0]
    assert q.partial[0].tolerance.value == Decimal(2)
    assert parse_bank(bank_markdown(bank), "01-analyse-financiere.md")[0].questions == bank.questions
    assert any("credit" in m for m in messages(numeric.replace("credit: 50", "credit: 150")))
    assert any("partial" in m for m in messages(numeric.replace("partial:\n", "partial: 3\nx:\n")))

"""Calculated questions: the expression evaluator, placeholders, the whole-grid checks, instances."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from quiz.banks import parse_bank
from quiz.banks.calculated import (
    ExprError,
    draw_instance,
    evaluate,
    french_number,
    instantiate,
    round_half_up,
    valid_instances,
)
from quiz.banks.model import Question
from quiz.referential import load_referential
from quiz.scoring import score_response
from tests.unit.banks.banktext import HEADER, bank, line_of

REF = load_referential()

CALCULATED = """## AF-060 · Délai clients

```yaml
type: calculated
difficulty: 2
competences: [C15]
tags: [bfr, cas]
law_as_of: 2026-01-01
variables:
  ca: {min: 1200, max: 3600, step: 120}
  clients: {min: 150, max: 600, step: 15}
constraints:
  - "clients < ca"
answer: "clients / (ca * 1.2) * 360"
tolerance: 1
unit: jours
decimals: 0
```

Un chiffre d'affaires de {ca} k€ HT, des créances de {clients} k€ TTC. Délai clients ?

### Explication

{clients} / ({ca} × 1,2) × 360 = {=answer} jours ; TTC : {=ca*1.2:1} k€ ; {{littéral}}.
"""


def problems_of(question: str) -> list[str]:
    _bank, problems = parse_bank(bank(question), "01-analyse-financiere.md", REF)
    return [str(p) for p in problems]


def variant(**changes: str) -> str:
    text = CALCULATED
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


# --- the evaluator --------------------------------------------------------------------------


@pytest.mark.parametrize("expression, expected", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("a / 4", Fraction(5, 8)), ("2 ** 3", 8), ("2 ** -2", Fraction(1, 4)),
    ("-a + +a", 0), ("min(a, 1, 3)", 1), ("max(a, 1)", Fraction(5, 2)), ("abs(-a)", Fraction(5, 2)),
    ("round(a)", 3), ("round(-a)", -3), ("round(1.005, 2)", Fraction(101, 100)), ("0.1 + 0.2", Fraction(3, 10)),
])
def test_expressions_are_exact(expression, expected):
    assert evaluate(expression, {"a": Decimal("2.5")}) == expected


@pytest.mark.parametrize("expression, said", [
    ("a.__class__", "non permis"),
    ("().__class__.__bases__", "non permis"),
    ("__import__('os').system('true')", "fonction « __import__('os').system » non permise"),
    ("__import__('os')", "fonction « __import__ » non permise"),
    ("open('x')", "fonction « open » non permise"),
    ("eval('1')", "fonction « eval » non permise"),
    ("a.real", "non permis"),
    ("[1, 2]", "non permis"),
    ("a[0]", "non permis"),
    ("lambda: 1", "non permis"),
    ("a if a else 1", "non permis"),
    ("'texte'", "n'est pas un nombre permis"),
    ("1e300", "n'est pas un nombre permis"),
    ("0x10", "n'est pas un nombre permis"),
    ("2 ** 100000", "exposant « 100000 » non permis"),
    ("9 ** 12 ** 12", "non permis"),
    ("2 ** 0.5", "exposant"),
    ("b + 1", "nom « b » inconnu"),
    ("x", "nom « x » inconnu"),
    ("a / (a - 2.5)", "division par zéro"),
    ("1, 2", "virgule"),
    ("a < 1", "comparaison permise seulement dans constraints"),
    ("round(a, a)", "round(x, n)"),
    ("min(a, key=abs)", "pas d'argument nommé"),
    ("1 +", "mal formée"),
    ("+".join(["a"] * 140), "trop longue"),
])
def test_hostile_or_wrong_expressions_are_refused(expression, said):
    with pytest.raises(ExprError, match=said.replace("(", r"\(").replace(")", r"\)")):
        evaluate(expression, {"a": Decimal("2.5")})


def test_numbers_cannot_grow_without_bound():
    with pytest.raises(ExprError, match="trop grand"):
        evaluate("((((a ** 12) ** 12) ** 12) ** 12)", {"a": 1000})


def test_french_numbers_round_half_up_with_narrow_spaces():
    assert french_number(Fraction(1234567, 10), 2) == "123\u202f456,70"
    assert french_number(Fraction(5, 2), 0) == "3"
    assert french_number(Fraction(-5, 2), 0) == "\u22123"
    assert french_number(Fraction(3, 2), 2, trim=True) == "1,5"
    assert round_half_up(Fraction(-1, 8), 2) == Fraction(-13, 100)


# --- the checker ----------------------------------------------------------------------------


def test_the_contract_example_is_valid():
    parsed, problems = parse_bank(bank(CALCULATED), "01-analyse-financiere.md", REF)
    assert problems == []
    question = parsed.question("AF-060")
    assert question.type == "calculated" and question.formula == "clients / (ca * 1.2) * 360"
    assert [v.name for v in question.variables] == ["ca", "clients"] and question.law_as_of == "2026-01-01"
    assert Question.from_payload(question.to_payload()) == question


def test_division_by_zero_anywhere_in_the_grid_is_refused_on_the_answer_line():
    text = variant(**{"(ca * 1.2)": "(ca - 1200)"})
    assert problems_of(text) == [
        f"01-analyse-financiere.md:{line_of(bank(text), 'answer:')}: AF-060: answer impossible à calculer pour "
        "ca = 1\u202f200, clients = 150 : division par zéro — ajoutez une contrainte qui écarte ce cas ou changez "
        "les bornes."]


def test_unknown_placeholders_and_lone_braces_are_located():
    text = variant(**{"{clients} k€ TTC": "{client} k€ TTC {"})
    found = problems_of(text)
    line = line_of(bank(text), "{client} k€")
    assert f"01-analyse-financiere.md:{line}: AF-060: variable « {{client}} » inconnue — vouliez-vous dire " \
           "« {clients} » ?" in found
    assert any(p.startswith(f"01-analyse-financiere.md:{line}: AF-060: accolade « {{ » seule") for p in found)


def test_expressions_in_placeholders_are_checked():
    text = variant(**{"{=ca*1.2:1}": "{=ca/(clients-150)}"})
    found = problems_of(text)
    assert len(found) == 1 and "« {=ca/(clients-150)} » impossible à calculer" in found[0]
    assert found[0].startswith(f"01-analyse-financiere.md:{line_of(bank(text), '{=ca/')}:")
    assert "fonction « open » non permise" in problems_of(variant(**{"{=ca*1.2:1}": "{=open(ca)}"}))[0]


def test_constraints_must_leave_an_instance():
    text = variant(**{'"clients < ca"': '"clients > ca"'})
    assert problems_of(text) == [f"01-analyse-financiere.md:{line_of(bank(text), 'constraints:')}: AF-060: aucune "
                                 "instance ne satisfait les contraintes — relâchez-les ou changez les bornes des "
                                 "variables."]


def test_a_grid_over_the_limit_is_refused():
    text = variant(**{"step: 15}": "step: 0.01}"})
    found = problems_of(text)
    assert len(found) == 1 and "grille de 945\u202f021 instances (au plus 100\u202f000)" in found[0]
    assert found[0].startswith(f"01-analyse-financiere.md:{line_of(bank(text), 'variables:')}:")


def test_answer_range_is_checked_for_every_instance():
    assert problems_of(variant(**{"decimals: 0": "decimals: 0\nanswer_range: [0, 360]"})) == []
    found = problems_of(variant(**{"decimals: 0": "decimals: 0\nanswer_range: [0, 100]"}))
    assert len(found) == 1 and "hors de answer_range" in found[0]


def test_the_shown_key_must_be_accepted_by_the_tolerance():
    found = problems_of(variant(**{"tolerance: 1": "tolerance: 0"}))
    assert len(found) == 1 and "serait refusée" in found[0]


@pytest.mark.parametrize("change, said", [
    ({"  ca: {min: 1200, max: 3600, step: 120}": "  ca: {min: 1200, max: 3600}"}, "donnez min, max et step"),
    ({"  ca: {min: 1200, max: 3600, step: 120}": "  ca: {min: 1200, max: 3600, step: 0}"}, "step > 0"),
    ({"  ca: {min": "  Answer: {min"}, "nom invalide"),
    ({'answer: "clients / (ca * 1.2) * 360"': "answer: [1]"}, "answer « [1] » invalide"),
    ({'answer: "clients / (ca * 1.2) * 360"': 'answer: "clients.real"'}, "answer « clients.real » refusée"),
    ({'  - "clients < ca"': '  - "clients"'}, "une contrainte compare deux expressions"),
    ({"decimals: 0": "decimals: 11"}, "decimals « 11 » invalide"),
    ({"tolerance: 1\n": ""}, "clé « tolerance » manquante"),
    ({"### Explication": "### Réponses\n\n- [x] 1\n\n### Explication"}, "« ### Réponses » inattendue"),
])
def test_metadata_mistakes_are_named(change, said):
    found = problems_of(variant(**change))
    assert any(said in p for p in found), found


def test_calculated_keys_are_reserved_to_calculated_questions():
    numeric = """## AF-004 · Gearing

```yaml
type: numeric
answer: 42.5
tolerance: 0.5
decimals: 1
```

Gearing ?

### Explication

42,5 %.
"""
    assert any("clé « decimals » réservée aux questions « calculated »" in p for p in problems_of(numeric))


# --- instances ------------------------------------------------------------------------------


def test_instances_are_drawn_among_those_satisfying_the_constraints_and_scored_with_their_key():
    question = parse_bank(HEADER + "\n" + CALCULATED, "01-analyse-financiere.md", REF)[0].question("AF-060")
    payload = question.to_payload()
    instances = valid_instances(payload)
    assert len(instances) == 21 * 31  # every clients (150…600) is below every ca (1200…3600)
    instance = draw_instance(payload, random.Random(4))
    assert set(instance) == {"ca", "clients"} and tuple(instance.values()) in instances
    shown = instantiate(payload, {"ca": "1200", "clients": "150"})
    assert shown["type"] == "numeric" and shown["instance"] == {"ca": "1200", "clients": "150"}
    assert "1\u202f200 k€ HT" in shown["stem"] and "{" not in shown["stem"]
    assert shown["explanation"] == "150 / (1\u202f200 × 1,2) × 360 = 38 jours ; TTC : 1\u202f440,0 k€ ; {littéral}."
    assert shown["key_shown"] == "38" and Decimal(shown["answer"]) == Decimal("37.5")
    assert score_response(shown, "38") == 1 and score_response(shown, "36,5") == 1
    assert score_response(shown, "39") == 0
    assert draw_instance(bank_question_payload("single"), random.Random(1)) is None


def bank_question_payload(kind: str) -> dict:
    return {"type": kind}


# --- exports and imports --------------------------------------------------------------------


def test_moodle_xml_round_trip_keeps_the_question():
    from quiz.banks.exporting import convert_text
    from quiz.banks.moodle import export_moodle

    original = parse_bank(bank(CALCULATED), "01-analyse-financiere.md", REF)[0]
    xml, losses = export_moodle(original)
    assert '<question type="calculated">' in xml and "<tolerancetype>2</tolerancetype>" in xml
    assert "<text>(({clients} / ({ca} * 1.2)) * 360)</text>" in xml and "<synchronize>1</synchronize>" in xml
    assert any("instances exportées sur 651" in loss for loss in losses)
    conversion = convert_text(xml, "xml", prefix="AF", thematic=1, referential=REF)
    assert conversion.summary() == "1 questions read, 1 converted, 0 refused, 0 converted with losses"
    back = parse_bank(conversion.markdown, "01-analyse-financiere.md", REF)[0].questions[0]
    mine = original.questions[0]
    assert (back.variables, back.constraints, back.formula, back.tolerance, back.decimals, back.unit,
            back.law_as_of, back.stem) == (mine.variables, mine.constraints, mine.formula, mine.tolerance,
                                           mine.decimals, mine.unit, mine.law_as_of, mine.stem)
    assert back.explanation == mine.explanation.replace("{=ca*1.2:1}", "{=ca * 1.2}"), "Moodle has no {=…:N}"
    assert any("décimales des {=expression:N} non exportées" in loss for loss in losses)


def test_a_moodle_calculated_question_is_imported_or_refused_naming_why():
    from quiz.banks.exporting import convert_text

    def moodle(answer: str, tolerance_type: str = "2") -> str:
        return f"""<quiz><question type="calculatedsimple"><name><text>Somme</text></name>
<questiontext format="html"><text>Combien font {{a}} + {{b}} ?</text></questiontext>
<answer fraction="100"><text>{answer}</text><tolerance>0.01</tolerance><tolerancetype>{tolerance_type}</tolerancetype>
<correctanswerformat>1</correctanswerformat><correctanswerlength>2</correctanswerlength></answer>
<dataset_definitions>
<dataset_definition><status><text>private</text></status><name><text>a</text></name><type>calculated</type>
<minimum><text>1</text></minimum><maximum><text>10</text></maximum><decimals><text>1</text></decimals>
</dataset_definition>
<dataset_definition><status><text>private</text></status><name><text>b</text></name><type>calculated</type>
<minimum><text>2</text></minimum><maximum><text>5</text></maximum><decimals><text>0</text></decimals>
</dataset_definition></dataset_definitions></question></quiz>"""

    converted = convert_text(moodle("pow({a}, 2) + {b}"), "xml", prefix="AF", thematic=1, referential=REF)
    question = parse_bank(converted.markdown, "01-analyse-financiere.md", REF)[0].questions[0]
    assert question.formula == "a ** 2 + b" and [str(v.step) for v in question.variables] == ["0.1", "1"]
    assert question.tolerance is not None and str(question.tolerance) == "0.01"
    refused = convert_text(moodle("sqrt({a})"), "xml", prefix="AF", thematic=1, referential=REF)
    reason = refused.entries[0].losses[0]
    assert "formule de question calculée sans équivalent : fonction « sqrt » non permise" in reason
    geometric = convert_text(moodle("{a}", "3"), "xml", prefix="AF", thematic=1, referential=REF)
    assert "tolérance géométrique" in geometric.entries[0].losses[0]


def test_qti_declares_template_variables_and_gift_refuses():
    from quiz.banks.gift import export_gift
    from quiz.banks.qti import calculated_item_xml

    question = parse_bank(bank(CALCULATED), "01-analyse-financiere.md", REF)[0].questions[0]
    xml, _losses = calculated_item_xml(question)
    assert '<qti-template-declaration identifier="ca" cardinality="single" base-type="integer"' in xml
    assert '<qti-random-integer min="1200" max="3600" step="120" />' in xml and "<qti-template-constraint>" in xml
    assert '<qti-printed-variable identifier="clients" format="%.0f"/>' in xml
    text, losses = export_gift(parse_bank(bank(CALCULATED), "01-analyse-financiere.md", REF)[0])
    assert "AF-060" not in text and any("question calculée non exportée en GIFT" in x for x in losses)

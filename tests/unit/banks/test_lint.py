"""Item-writing lint: each rule with a question it flags and one it leaves alone; waivers; dates."""

from __future__ import annotations

from datetime import date

import pytest

from quiz.banks import check_banks
from quiz.banks.lint import RULES, check
from quiz.banks.model import Choice, MatchPair, OrderItem, Question
from quiz.referential import load_referential
from tests.unit.banks.banktext import bank, line_of

REF = load_referential()


def single(stem: str, key: str, *distractors: str, kind: str = "single", keys: tuple[str, ...] = ()) -> Question:
    options = [Choice("a", key, True), *(Choice(chr(98 + i), d, False) for i, d in enumerate(distractors))]
    options += [Choice(f"k{i}", k, True) for i, k in enumerate(keys)]
    return Question("AF-001", "Titre", kind, stem, "Explication.", choices=tuple(options))


def rules(question: Question) -> set[str]:
    return {rule for rule, _message in check(question)}


CASES = {
    "key-longest": (
        single("Quel est le rôle de l'auditeur légal ?",
               "Certifier la régularité, la sincérité et l'image fidèle des comptes annuels", "Tenir la comptabilité",
               "Établir la liasse"),
        single("Quel est le rôle de l'auditeur légal ?", "Certifier les comptes annuels",
               "Tenir la comptabilité de l'entreprise", "Établir la liasse fiscale"),
    ),
    "stem-echo": (
        single("Quelle ressource finance le besoin en fonds de roulement ?", "Le fonds de roulement",
               "Le découvert", "Le capital social"),
        single("Quelle ressource finance le besoin en fonds de roulement ?", "Les capitaux permanents",
               "Le découvert", "Le capital social"),
    ),
    "all-none": (
        single("Quel solde précède les amortissements ?", "L'EBE", "La marge", "Aucune des réponses ci-dessus"),
        single("Quel solde précède les amortissements ?", "L'EBE", "La marge", "Le résultat net"),
    ),
    "negative-stem": (
        single("Quel élément ne figure pas au bilan ?", "Le chiffre d'affaires", "Les stocks", "Le capital"),
        single("Quel élément ne figure **pas** au bilan ?", "Le chiffre d'affaires", "Les stocks", "Le capital"),
    ),
    "grammar-cue": (
        single("Le solde avant amortissements est une", "marge brute", "excédent brut", "résultat"),
        single("Quel solde précède les amortissements ?", "L'excédent brut", "La marge", "Le résultat"),
    ),
    "absolute-distractor": (
        single("Quand l'EBE est-il positif ?", "Quand la VA dépasse les charges de personnel",
               "Toujours", "Quand le résultat est positif"),
        single("Quand l'EBE est-il positif ?", "Quand la VA dépasse les charges de personnel",
               "Quand les ventes progressent", "Quand le résultat est positif"),
    ),
    "two-item": (
        Question("AF-001", "T", "ordering", "Classez.", "E.", items=(OrderItem("a", "Un"), OrderItem("b", "Deux"))),
        Question("AF-001", "T", "ordering", "Classez.", "E.",
                 items=(OrderItem("a", "Un"), OrderItem("b", "Deux"), OrderItem("c", "Trois"))),
    ),
    "duplicate-option": (
        single("Quel sigle ?", "EBE", "CAF", "caf "),
        single("Quel sigle ?", "EBE", "CAF", "VA"),
    ),
}


def test_every_rule_has_its_cases():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_a_rule_flags_its_case_and_leaves_the_other_alone(rule):
    flagged, clean = CASES[rule]
    assert rule in rules(flagged)
    assert rule not in rules(clean)


def test_the_plural_grammar_cue():
    cue = single("Quels sont les soldes retenus ?", "Les soldes intermédiaires", "La marge", "Le résultat")
    assert "grammar-cue" in rules(cue)
    assert "grammar-cue" not in rules(single("Quels sont les soldes retenus ?", "Les soldes intermédiaires",
                                             "Les marges", "Le résultat"))


def test_matching_duplicates_on_either_side():
    pairs = (MatchPair("a", "Gearing", "x", "Dettes"), MatchPair("b", "ROE", "y", "dettes"),
             MatchPair("c", "Marge", "z", "CA"))
    assert "duplicate-option" in rules(Question("AF-001", "T", "matching", "Associez.", "E.", pairs=pairs))


LONG_KEY = """## AF-001 · Rôle de l'auditeur légal

```yaml
type: single
competences: [C15]
{waive}```

Quel est le rôle de l'auditeur légal ?

### Réponses

- [x] Certifier la régularité, la sincérité et l'image fidèle des comptes annuels
- [ ] Tenir la comptabilité
- [ ] Établir la liasse

### Explication

C'est sa mission légale.
"""


def checked(question: str, today: date | None = None):
    text = bank(question)
    return text, check_banks({"01-analyse-financiere.md": text}, REF, require_all_thematics=False, today=today)


def test_a_warning_is_located_and_blocks_nothing():
    text, result = checked(LONG_KEY.format(waive=""))
    assert result.problems == [] and len(result.banks[0].questions) == 1
    assert [str(w) for w in result.warnings] == [
        f"01-analyse-financiere.md:{line_of(text, '## AF-001')}: AF-001: avertissement : [key-longest] la bonne "
        "réponse est nettement la plus longue (75 caractères, 21 au plus pour les autres) — allongez les "
        "distracteurs ou resserrez la réponse."]


def test_a_waiver_with_its_reason_silences_the_rule():
    _text, result = checked(LONG_KEY.format(waive='waive:\n  key-longest: "la mission légale a trois termes"\n'))
    assert result.problems == [] and result.warnings == []
    assert result.banks[0].questions[0].waive == (("key-longest", "la mission légale a trois termes"),)


@pytest.mark.parametrize("waive, said", [
    ('waive:\n  key-longuest: "raison"\n',
     "waive : règle « key-longuest » inconnue — vouliez-vous dire « key-longest » ?"),
    ('waive:\n  key-longest: ""\n', "waive : raison vide pour « key-longest »"),
    ("waive: [key-longest]\n", "waive : attendu des lignes"),
])
def test_a_wrong_waiver_is_an_error(waive, said):
    text, result = checked(LONG_KEY.format(waive=waive))
    assert any(said in p.message and p.line == line_of(text, "waive") for p in result.problems), result.problems


def test_dates_are_checked_and_warn_once_past():
    dated = 'law_as_of: 2026-01-01\nreview_by: 2026-06-30\nvalid_until: 2027-07-10\nwaive:\n  key-longest: "x"\n'
    text, result = checked(LONG_KEY.format(waive=dated), today=date(2026, 6, 1))
    assert result.problems == [] and result.warnings == []
    question = result.banks[0].questions[0]
    assert (question.law_as_of, question.review_by, question.valid_until) == ("2026-01-01", "2026-06-30", "2027-07-10")
    assert question.to_payload()["valid_until"] == "2027-07-10"
    _text, later = checked(LONG_KEY.format(waive=dated), today=date(2027, 8, 1))
    assert [w.line for w in later.warnings] == [line_of(text, "review_by"), line_of(text, "valid_until")]
    assert "review_by 2026-06-30 dépassée" in later.warnings[0].message
    _text, wrong = checked(LONG_KEY.format(waive="review_by: 30/06/2026\n"))
    assert "review_by « 30/06/2026 » invalide — une date AAAA-MM-JJ" in wrong.problems[0].message

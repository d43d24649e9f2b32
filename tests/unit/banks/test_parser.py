from decimal import Decimal

import pytest

from quiz.banks import Problem, Question, Tolerance, content_hash, parse_bank
from quiz.referential import load_referential
from tests.unit.banks.banktext import HEADER, MATCHING, NUMERIC, ORDERING, SINGLE, VALID, bank, line_of

REF = load_referential()
NAME = "01-analyse-financiere.md"


def parse(text: str, name: str = NAME):
    return parse_bank(text, name, REF)


def messages(text: str, name: str = NAME) -> list[str]:
    return [str(p) for p in parse(text, name)[1]]


def test_valid_bank_parses_every_type_without_problem():
    result, problems = parse(VALID)
    assert problems == []
    assert result is not None
    assert (result.thematic, result.prefix, result.title) == (1, "AF", "Analyse financière")
    assert result.heading == "Analyse financière"
    assert result.intro == "Introduction pour les formateurs."
    assert [q.type for q in result.questions] == ["single", "multiple", "truefalse", "numeric", "ordering", "matching"]


def test_single_choice_keeps_ids_feedback_and_lines():
    result, _ = parse(VALID)
    q = result.question("AF-001")
    assert q.title == "Besoin en fonds de roulement"
    assert [(c.id, c.text, c.correct) for c in q.choices] == [
        ("a", "600 k€", False), ("b", "240 k€", True), ("c", "60 k€", False)
    ]
    assert q.choices[0].feedback == "Les dettes fournisseurs se retranchent."
    assert q.choices[1].line == line_of(VALID, "- [x] 240 k€")
    assert q.line == line_of(VALID, "## AF-001")
    assert q.competences == ("C15",) and q.tags == ("bfr",) and q.difficulty == 2
    assert q.stem.startswith("| Stocks |") and q.stem.endswith("Quel est le BFRE ?")
    assert q.explanation == "BFRE = 120 + 300 − 180 = 240 k€."


def test_numeric_answer_is_exact_decimal():
    q = parse(VALID)[0].question("AF-004")
    assert q.answer == Decimal("42.5") and isinstance(q.answer, Decimal)
    assert q.tolerance == Tolerance(Decimal("0.5")) and q.unit == "%"


def test_relative_tolerance():
    text = bank(NUMERIC.replace("tolerance: 0.5", 'tolerance: "1%"'))
    q = parse(text)[0].question("AF-004")
    assert q.tolerance == Tolerance(Decimal(1), relative=True)
    assert q.tolerance.margin(Decimal("42.5")) == Decimal("0.425")


def test_ordering_ids_do_not_reveal_the_order_but_are_stable():
    q = parse(VALID)[0].question("AF-005")
    assert [i.text for i in q.items] == ["Marge commerciale", "Valeur ajoutée", "Excédent brut d'exploitation"]
    assert sorted(i.id for i in q.items) == ["a", "b", "c"]
    assert [i.id for i in q.items] == [i.id for i in parse(VALID)[0].question("AF-005").items]


def test_matching_pairs_and_columns():
    q = parse(VALID)[0].question("AF-006")
    assert q.columns == ("Ratio", "Formule")
    assert [p.left_id for p in q.pairs] == ["a", "b", "c"]
    assert sorted(p.right_id for p in q.pairs) == ["a", "b", "c"]
    assert q.pairs[1].right == "Résultat net / capitaux propres"


def test_matching_cell_may_hold_an_escaped_pipe():
    text = bank(MATCHING.replace("| ROE |", "| ROE \\| ROA |"))
    q = parse(text)[0].question("AF-006")
    assert q.pairs[1].left == "ROE | ROA"


def test_payload_round_trip_and_hash():
    for q in parse(VALID)[0].questions:
        payload = q.to_payload()
        assert Question.from_payload(payload) == q
        assert content_hash(payload) == content_hash(Question.from_payload(payload).to_payload())
    a, b = parse(VALID)[0].questions[:2]
    assert content_hash(a.to_payload()) != content_hash(b.to_payload())


def test_typo_changes_the_hash():
    q1 = parse(VALID)[0].question("AF-001")
    q2 = parse(VALID.replace("Quel est le BFRE ?", "Quel est le BFRE ?!"))[0].question("AF-001")
    assert content_hash(q1.to_payload()) != content_hash(q2.to_payload())


def test_defaults_apply_and_questions_override():
    header = HEADER.replace("  shuffle: true", "  shuffle: false\n  difficulty: 3")
    result, problems = parse(bank(SINGLE.replace("difficulty: 2\n", ""), header=header))
    assert problems == []
    q = result.questions[0]
    assert (q.shuffle, q.difficulty) == (False, 3)


def test_crlf_and_bom_keep_line_numbers():
    text = "\ufeff" + VALID.replace("\n", "\r\n")
    result, problems = parse(text)
    assert problems == []
    assert result.question("AF-001").line == line_of(VALID, "## AF-001")


def test_competence_accepts_other_numbering():
    code = REF.competence("C15").ref
    q = parse(bank(SINGLE.replace("[C15]", f"[{code}]")))[0].questions[0]
    assert q.competences == ("C15",)


def test_problem_str_format():
    assert str(Problem("a.md", 3, "AF-001", "m.")) == "a.md:3: AF-001: m."
    assert str(Problem("a.md", 3, None, "m.")) == "a.md:3: m."


@pytest.mark.parametrize(
    ("change", "needle", "expected"),
    [
        (("type: single\n", "type: single\ntolerence: 1\n"), "tolerence",
         "AF-001: clé « tolerence » inconnue — vouliez-vous dire « tolerance » ?"),
        (("type: single", "type: singel"), "type: singel",
         "AF-001: type « singel » inconnu — vouliez-vous dire « single » ?"),
        (("- [ ] 60 k€", "- [x] 60 k€"), "- [x] 60 k€",
         "AF-001: question « single » avec 2 réponses cochées [x] — une seule est attendue."),
        (("- [x] 240 k€", "- [ ] 240 k€"), "### Réponses",
         "AF-001: question « single » sans réponse cochée [x] — cochez la bonne réponse."),
        (("competences: [C15]", "competences: [C1]"), "competences:",
         "AF-001: compétence « C1 » non évaluée par la thématique 1 (Analyse financière) — compétences possibles : "
         "C15, C6."),
        (("competences: [C15]", "competences: [C99]"), "competences:",
         "AF-001: compétence « C99 » inconnue du référentiel — compétences de la thématique 1 (Analyse financière) : "
         "C15, C6."),
        (("difficulty: 2", "difficulty: 5"), "difficulty:",
         "AF-001: difficulty « 5 » invalide — 1 (facile), 2 (moyen) ou 3 (difficile)."),
        (("## AF-001 · ", "## AF-001 - "), "## AF-001",
         "AF-001: séparateur « · » attendu entre l'identifiant et le titre — écrivez « ## AF-001 · Besoin en fonds "
         "de roulement »."),
        (("## AF-001", "## FL-001"), "## FL-001",
         "FL-001: l'identifiant doit commencer par le préfixe de la banque « AF- » — par exemple AF-001."),
        (("## AF-001", "## AF-1"), "## AF-1",
         "AF-1: identifiant « AF-1 » invalide — format PRÉFIXE-NNN, par exemple AF-001."),
        (("### Réponses", "### Reponses"), "### Reponses",
         "AF-001: titre de section « Reponses » — écrivez exactement « ### Réponses »."),
        (("Quel est le BFRE ?", "Quel est le <b>BFRE</b> ?"), "<b>",
         "AF-001: HTML brut « <b> » interdit — utilisez la syntaxe Markdown (**gras**, listes, tableaux, ligne vide)."),
        (("Quel est le BFRE ?", "![](assets/bilan.png)"), "![](",
         "AF-001: image « assets/bilan.png » sans texte alternatif — décrivez-la : ![description](assets/bilan.png)."),
        (("Quel est le BFRE ?", "![Bilan](https://example.com/b.png)"), "![Bilan]",
         "AF-001: image « https://example.com/b.png » non permise — seules les images locales de "
         "question_banks/assets/ "
         "sont acceptées : ![description](assets/fichier.png)."),
        (("- [ ] 60 k€", "- [v] 60 k€"), "- [v]",
         "AF-001: case « [v] » invalide — écrivez « [ ] » (fausse), « [x] » (juste) ou un poids « [50%] », "
         "« [-100%] »."),
        (("- [ ] 60 k€", "- 60 k€"), "- 60 k€",
         "AF-001: réponse sans case à cocher — écrivez « - [ ] texte » (fausse) ou « - [x] texte » (juste)."),
    ],
)
def test_single_question_problems(change, needle, expected):
    text = bank(SINGLE.replace(*change))
    assert f"{NAME}:{line_of(text, needle)}: {expected}" in messages(text)


def test_missing_explanation_is_reported_at_the_heading():
    text = bank(SINGLE.split("### Explication")[0])
    assert messages(text) == [
        f"{NAME}:{line_of(text, '## AF-001')}: AF-001: section « ### Explication » manquante — elle est obligatoire : "
        "c'est ce que le candidat apprend de la question."
    ]


def test_code_is_not_html_and_fenced_headings_are_not_questions():
    stem = "Le code `<b>` et :\n\n```text\n## pas une question\n<div>\n```\n\nQuel est le BFRE ?"
    result, problems = parse(bank(SINGLE.replace("Quel est le BFRE ?", stem)))
    assert problems == []
    assert "## pas une question" in result.questions[0].stem


@pytest.mark.parametrize(
    ("question", "change", "needle", "expected"),
    [
        (NUMERIC, ("answer: 42.5", 'answer: "42,5"'), "answer:",
         "AF-004: answer « 42,5 » : dans les métadonnées, écrivez le nombre avec un point et sans espace — "
         "answer: 42.5."),
        (NUMERIC, ("tolerance: 0.5", "tolerance: -1"), "tolerance:",
         "AF-004: tolérance « -1 » négative — donnez un écart positif, ou 0 pour une valeur exacte."),
        (NUMERIC, ("tolerance: 0.5", "tolerance: beaucoup"), "tolerance:",
         "AF-004: tolérance « beaucoup » invalide — un nombre (écart absolu, ex. 0.5) ou \"N%\" "
         "(relatif, ex. \"1%\")."),
        (NUMERIC, ("tolerance: 0.5\n", ""), "```yaml",
         "AF-004: clé « tolerance » manquante — tolerance: 0 pour une valeur exacte, 0.5 (écart absolu) ou \"1%\" "
         "(relatif)."),
        (NUMERIC, ("answer: 42.5", "answer: abc"), "answer:",
         "AF-004: answer « abc » n'est pas un nombre — par exemple answer: 42.5."),
        (ORDERING, ("2. Valeur", "3. Valeur"), "3. Valeur",
         "AF-005: numéro 3 inattendu — numérotez 1, 2, 3… dans l'ordre correct (ici 2)."),
        (MATCHING, ("| ROE | Résultat net / capitaux propres |", "| ROE | |"), "| ROE |",
         "AF-006: ligne à 2 cellule(s) remplie(s) — chaque ligne donne un élément et sa correspondance, deux cellules "
         "non vides."),
    ],
)
def test_other_type_problems(question, change, needle, expected):
    text = bank(question.replace(*change))
    assert f"{NAME}:{line_of(text, needle)}: {expected}" in messages(text)


def test_every_problem_is_reported_not_only_the_first():
    text = bank(SINGLE.replace("difficulty: 2", "difficulty: 9").replace("- [ ] 60 k€", "- [x] 60 k€"),
                NUMERIC.replace("tolerance: 0.5", "tolerence: 0.5"))
    assert len(messages(text)) == 3  # difficulty, two ticks, misspelt key (not also "missing tolerance")


def test_missing_front_matter_gives_no_bank_but_still_checks_questions():
    result, problems = parse(bank(SINGLE.replace("difficulty: 2", "difficulty: 9"), header=""))
    assert result is None
    assert next(p.line for p in problems) == 1
    assert any("difficulty" in p.message for p in problems)


def test_front_matter_problems():
    header = HEADER.replace("thematic: 1", "thematic: 1\nthematik: 2").replace("prefix: AF", "prefix: XY")
    text = bank(SINGLE, header=header)
    assert messages(text)[:2] == [
        f"{NAME}:3: clé « thematik » inconnue — vouliez-vous dire « thematic » ?",
        f"{NAME}:4: prefix « XY » différent de celui du référentiel pour la thématique 1 — écrivez prefix: AF.",
    ]


def test_duplicate_id_in_one_file():
    text = bank(SINGLE, SINGLE)
    first = line_of(text, "## AF-001")
    second = line_of(text, "## AF-001", 2)
    assert f"{NAME}:{second}: AF-001: identifiant déjà utilisé dans {NAME}:{first}." in messages(text)


def test_problems_are_sorted_by_line():
    text = bank(SINGLE.replace("difficulty: 2", "difficulty: 9"), NUMERIC.replace("answer: 42.5", "answer: x"))
    lines = [p.line for p in parse(text)[1]]
    assert lines == sorted(lines) and all(line >= 1 for line in lines)

"""GIFT read as Moodle's own reader reads it (question/format/gift), question by question."""

from decimal import Decimal

import pytest

from quiz.banks import parse_bank
from quiz.banks.exporting import convert_text
from quiz.banks.gift import import_gift
from quiz.scoring import score_response


def one(text: str):
    _title, drafts, errors = import_gift(text)
    assert errors == [] and len(drafts) == 1
    return drafts[0]


def converted(text: str):
    conversion = convert_text(text, "gift", prefix="AF", thematic=1)
    bank, problems = parse_bank(conversion.markdown or "", "01-analyse-financiere.md")
    assert problems == [], conversion.markdown
    return conversion, bank


@pytest.mark.parametrize("answers, value, tolerance", [
    ("#1822", Decimal(1822), Decimal(0)),
    ("#1822:5", Decimal(1822), Decimal(5)),
    ("#1822..1823", Decimal("1822.5"), Decimal("0.5")),
    ("#\n=%100%3:2#\n~#Completely wrong\n", Decimal(3), Decimal(2)),  # as Moodle exports it
])
def test_every_numerical_form(answers, value, tolerance):
    draft = one("::N::Combien ?{" + answers + "}")
    assert draft.refusal is None and draft.type == "numeric"
    assert (draft.numbers[0].value, draft.numbers[0].tolerance, draft.numbers[0].fraction) == (value, tolerance, 100)


def test_several_numerical_answers_with_partial_credit_and_feedback():
    conversion, bank = converted("::Grant::Né en ?{#\n=1822:0#Exact\n=%50%1822:2#Presque\n####Il est né en 1822.}")
    (q,) = bank.questions
    assert conversion.exit_code == 0
    assert score_response(q, "1822") == 1 and score_response(q, "1823") == Decimal("0.5") * 1
    assert score_response(q, "1825") == 0
    assert "Presque" in q.explanation and q.explanation.startswith("Il est né en 1822.")


def test_moodle_round_trip_form_converts_without_loss():
    conversion, bank = converted("// question: 1  name: N\n::N::[html]<p>Combien ?</p>{#\n\t=%100%3:2#\n\t~#Faux\n}")
    assert conversion.summary() == "1 questions read, 1 converted, 0 refused, 0 converted with losses"
    assert bank.questions[0].stem == "Combien ?"


def test_weighted_choices_keep_moodle_scoring():
    _c, bank = converted("::Q::Choisir {~faux ~%50%à moitié =juste####Parce que.}")
    (q,) = bank.questions
    assert q.type == "single" and q.weighted
    assert [score_response(q, cid) for cid in "abc"] == [0, Decimal("0.5") * 1, 1]


def test_comment_line_inside_the_braces_is_ignored():
    draft = one("::Q::Capitale ?{\n// les villes\n=Paris\n~Lyon\n}")
    assert draft.refusal is None and [c[0] for c in draft.choices] == ["Paris", "Lyon"]


def test_formats_html_plain_markdown_and_moodle():
    assert one("::Q::[html]Qui a écrit <i>Hamlet</i> ?{=Shakespeare ~Molière}").stem == "Qui a écrit *Hamlet* ?"
    assert one("::Q::[plain]2*3*4 ?{=24 ~9}").stem == r"2\*3\*4 ?"
    assert one("::Q::[markdown]Le **BFR** ?{=a ~b}").stem == "Le **BFR** ?"
    assert one("::Q::Qui a écrit <b>Hamlet</b> ?{=Shakespeare ~Molière}").stem == "Qui a écrit **Hamlet** ?"


def test_escapes_are_characters_not_syntax():
    draft = one(r"::Q::Le signe \{ \} \= \~ \# \: ?{=\# ~\=}")
    assert draft.stem.startswith("Le signe { } = ~ # : ?") and [c[0] for c in draft.choices] == ["#", "="]


def test_missing_word_question_gets_a_blank():
    draft = one("::Q::Le ciel est {=bleu ~vert} le jour.")
    assert draft.stem == r"Le ciel est \_\_\_\_\_ le jour." and draft.type == "single"


def test_tilde_equal_is_a_right_answer():
    draft = one("::Q::Capitale ?{~=Paris ~Lyon}")
    assert draft.choices == [("Paris", 100, None), ("Lyon", 0, None)]


def test_truefalse_feedback_is_kept_in_the_explanation():
    _c, bank = converted("::TF::Le ciel est bleu.{T#Non : il est bleu.#Oui.####Diffusion Rayleigh.}")
    text = bank.questions[0].explanation
    assert "Non : il est bleu." in text and "Oui." in text and "Diffusion Rayleigh." in text


def test_short_answer_is_converted_and_ignores_case_as_moodle():
    _c, bank = converted("::S::Le sigle ?{=EBE =%50%excédent brut####Excédent brut d'exploitation.}")
    (q,) = bank.questions
    assert q.type == "short" and q.normalise == ("case",)
    assert score_response(q, "ebe") == 1 and score_response(q, "Excédent brut") == Decimal("0.5") * 1


def test_matching_distractor_is_reported_not_broken():
    conversion, bank = converted("::M::Associez {=Chien -> Aboie =Chat -> Miaule =Vache -> Meugle = -> Chante"
                                 "####Cris.}")
    assert [p.right for p in bank.questions[0].pairs] == ["Aboie", "Miaule", "Meugle"]
    assert conversion.entries[0].status == "lossy" and "Chante" in conversion.entries[0].losses[0]


def test_two_item_ordering_and_matching_are_refused():
    conversion = convert_text("::M::Associez {=Chien -> Aboie =Chat -> Miaule}\n\n"
                              "::O::Dans l'ordre {>2 ALL ALL_OR_NOTHING\nUn\nDeux\n}", "gift", prefix="AF", thematic=1)
    assert [e.status for e in conversion.entries] == ["refused", "refused"]
    assert all(any("au moins trois" in loss for loss in e.losses) for e in conversion.entries)


def test_ordering_all_or_nothing_converts_and_partial_grading_is_refused():
    conversion, bank = converted("::O::Dans l'ordre {>3 ALL VERTICAL ALL_OR_NOTHING\nUn\nDeux\nTrois\n}\n\n"
                                 "::P::Dans l'ordre {>6 ALL\nA\nB\nC\n}")
    _ordering, refused = conversion.entries
    assert [i.text for i in bank.questions[0].items] == ["Un", "Deux", "Trois"]
    assert refused.status == "refused" and "RELATIVE_NEXT_EXCLUDE_LAST" in refused.losses[0]


def test_ids_tags_and_categories():
    _conversion, bank = converted("$CATEGORY: $course$/top/Finance/Ratios\n\n// [id:ratio-7] [tag:bfr]\n"
                                 "::Q::Capitale ?{=Paris ~Lyon####Paris.}")
    q = bank.questions[0]
    assert q.source_id == "ratio-7" and q.tags == ("bfr", "catégorie:Finance/Ratios")


def test_essay_and_description_are_refused_with_a_reason():
    conversion = convert_text("::E::Racontez.{}\n\n::D::Un simple texte.", "gift", prefix="AF", thematic=1)
    assert [e.status for e in conversion.entries] == ["refused", "refused"]
    assert conversion.markdown is None and conversion.exit_code == 1

"""Property: a Moodle question converted by the platform scores every response exactly as Moodle
does (tests/unit/banks/moodle_rules.py), or is refused with a reason."""

from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.banks import parse_bank
from quiz.banks.exporting import convert_text
from quiz.banks.model import letter_id
from quiz.scoring import score_response
from tests.unit.banks import moodle_rules

# Moodle stores fractions with 7 decimals and counts a grade above 0.999999 as right: the
# platform's exact credit may differ from Moodle's float by that much and no more.
MOODLE_PRECISION = Fraction(1, 10**6)
GRADES = [100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5,
          11.11111, 10, 5, 0]
grade = st.sampled_from(GRADES + [-g for g in GRADES if g])


def fraction(percent) -> Fraction:
    return Fraction(Decimal(str(percent))) / 100


def convert(xml_questions: str, fmt: str = "xml"):
    text = f'<?xml version="1.0" encoding="UTF-8"?><quiz>{xml_questions}</quiz>' if fmt == "xml" else xml_questions
    conversion = convert_text(text, fmt, prefix="AF", thematic=1)
    (entry,) = conversion.entries
    if entry.status == "refused":
        assert entry.losses and entry.losses[0], "a refusal says why"
        return None
    bank, problems = parse_bank(conversion.markdown, "01-analyse-financiere.md")
    assert problems == [], conversion.markdown
    return bank.questions[0]


def answer_xml(text: str, percent, extra: str = "") -> str:
    return f'<answer fraction="{percent}" format="html"><text>{escape(text)}</text>{extra}</answer>'


def head(qtype: str) -> str:
    return (f'<question type="{qtype}"><name><text>Q</text></name><questiontext format="html"><text>Énoncé ?'
            "</text></questiontext><generalfeedback format=\"html\"><text>Parce que.</text></generalfeedback>")


@settings(max_examples=150, deadline=None)
@given(st.lists(grade, min_size=2, max_size=5), st.booleans())
def test_multichoice_scores_as_moodle_for_every_response(percents, single):
    xml = head("multichoice") + f"<single>{'true' if single else 'false'}</single>"
    xml += "".join(answer_xml(f"Réponse {i}", p) for i, p in enumerate(percents)) + "</question>"
    question = convert(xml)
    fractions = [fraction(p) for p in percents]
    positives = sum(f for f in fractions if f > 0)
    if question is None:  # refused only when full credit is unreachable, or given to any response
        if single:
            assert max(fractions) < 1 - MOODLE_PRECISION or min(fractions) >= 1 - MOODLE_PRECISION
        else:
            assert positives < 1 - MOODLE_PRECISION
        return
    n = len(percents)
    responses = [{i} for i in range(n)] if single else [set(c) for k in range(n + 1) for c in combinations(range(n), k)]
    for chosen in responses:
        response = letter_id(next(iter(chosen))) if single else [letter_id(i) for i in sorted(chosen)]
        expected = moodle_rules.multichoice(fractions, single, chosen)
        assert abs(score_response(question, response) - expected) <= MOODLE_PRECISION, (percents, chosen)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-20, 20), st.integers(0, 5), st.sampled_from([100, 50, 25, 0])),
                min_size=1, max_size=4), st.lists(st.integers(-30, 30), min_size=5, max_size=12))
def test_numerical_scores_as_moodle_for_every_response(answers, responses):
    xml = head("numerical") + "".join(
        answer_xml(str(v), p, f"<tolerance>{t}</tolerance>") for v, t, p in answers) + "</question>"
    question = convert(xml)
    rules = [(Fraction(v), Fraction(t), fraction(p)) for v, t, p in answers]
    if question is None:
        return
    for value in responses + [v + t for v, t, _ in answers] + [v - t - 1 for v, t, _ in answers]:
        assert score_response(question, str(value)) == moodle_rules.numerical(rules, Fraction(value)), (answers, value)


words = st.sampled_from(["EBE", "ebe", "Marge", "marge brute", "BFR", "bfr", "CAF", "caf*", "*brute", "marge *", "x"])
typed = st.sampled_from(["EBE", "ebe", "Marge brute", "marge", "BFR", "CAFard", "brute", "x", "X", "autre",
                         "margebrute", "Marge  brute"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(words, st.sampled_from([100, 75, 50, 0])), min_size=1, max_size=4, unique_by=lambda a: a[0]),
       st.booleans(), st.lists(typed, min_size=3, max_size=8))
def test_shortanswer_scores_as_moodle_for_every_response(answers, case_sensitive, responses):
    xml = head("shortanswer") + f"<usecase>{int(case_sensitive)}</usecase>"
    xml += "".join(answer_xml(text, p) for text, p in answers) + "</question>"
    question = convert(xml)
    if question is None:
        assert max(p for _, p in answers) < 100
        return
    rules = [(text, fraction(p)) for text, p in answers]
    # Responses as the platform stores them: repeated spaces typed by the candidate never count
    # (the one deliberate difference with Moodle, documented in docs/bank-format.md).
    for response in (" ".join(r.split()) for r in responses):
        expected = moodle_rules.shortanswer(rules, case_sensitive, response)
        assert score_response(question, response) == expected, (answers, response)


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 6), st.data())
def test_matching_scores_as_moodle_pair_by_pair(size, data):
    xml = head("matching") + "".join(
        f'<subquestion format="html"><text>Élément {i}</text><answer><text>Réponse {i}</text></answer></subquestion>'
        for i in range(size)) + "</question>"
    question = convert(xml)
    rights = [p.right_id for p in question.pairs]
    response = {p.left_id: data.draw(st.sampled_from(rights)) for p in question.pairs}
    right = sum(1 for p in question.pairs if response[p.left_id] == p.right_id)
    assert score_response(question, response) == moodle_rules.matching(right, size)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([100, 50, 33.33333, 25, 0, -50, -100]), min_size=2, max_size=5), st.booleans())
def test_gift_choices_score_as_moodle(percents, with_equal):
    """GIFT: `=` makes a one-answer question, otherwise several answers; weights as written."""
    parts = [("=" if with_equal and i == 0 else f"~%{p}%") + f"R{i}" for i, p in enumerate(percents)]
    question = convert("::Q::Énoncé ?{" + " ".join(parts) + "####Parce que.}", "gift")
    fractions = [Fraction(1) if with_equal and i == 0 else fraction(p) for i, p in enumerate(percents)]
    if question is None:
        return
    single = with_equal
    assert question.type == ("single" if single else "multiple")
    n = len(percents)
    responses = [{i} for i in range(n)] if single else [set(c) for k in range(n + 1) for c in combinations(range(n), k)]
    for chosen in responses:
        response = letter_id(next(iter(chosen))) if single else [letter_id(i) for i in sorted(chosen)]
        expected = moodle_rules.multichoice(fractions, single, chosen)
        assert abs(score_response(question, response) - expected) <= MOODLE_PRECISION

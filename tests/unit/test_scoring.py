from decimal import Decimal
from fractions import Fraction

import pytest

from quiz.banks import parse_bank
from quiz.banks.model import Question, Tolerance
from quiz.referential import load_referential
from quiz.scoring import Outcome, Result, assess, grade, score_response
from tests.unit.banks.banktext import VALID

BANK = parse_bank(VALID, "01-analyse-financiere.md", load_referential())[0]
SINGLE, MULTIPLE, TRUEFALSE, NUMERIC, ORDERING, MATCHING = BANK.questions
MULTI_ALL = Question.from_payload(MULTIPLE.to_payload() | {"scoring": "all-or-nothing"})
ONE, ZERO = Fraction(1), Fraction(0)


@pytest.mark.parametrize("response", [None, "", "   ", [], {}, 0, 3.5, ["b"], {"b": 1}, "z", "B"])
def test_single_wrong_or_invalid_is_zero(response):
    assert score_response(SINGLE, response) == ZERO


def test_single_right():
    assert score_response(SINGLE, "b") == ONE
    assert score_response(SINGLE.to_payload(), "b") == ONE


@pytest.mark.parametrize(
    ("response", "credit"),
    [(["a", "b"], ONE), (["b", "a"], ONE), (["a", "a", "b"], ONE), (["a"], ZERO), (["a", "b", "c"], ZERO),
     ([], ZERO), (None, ZERO), ("a", ZERO), (["a", "z"], ZERO), ([1], ZERO)],
)
def test_multiple_all_or_nothing(response, credit):
    assert score_response(MULTI_ALL, response) == credit


@pytest.mark.parametrize(
    ("response", "credit"),
    [(["a", "b"], ONE), (["a"], Fraction(1, 2)), (["b"], Fraction(1, 2)), (["a", "c"], ZERO),
     (["a", "b", "c"], Fraction(1, 2)), (["c"], ZERO), ([], ZERO), (["a", "z"], ZERO)],
)
def test_multiple_partial_is_right_minus_wrong_over_right_floored(response, credit):
    assert MULTIPLE.scoring == "partial"
    assert score_response(MULTIPLE, response) == credit


@pytest.mark.parametrize(
    ("response", "credit"),
    [(True, ONE), (False, ZERO), ("true", ONE), ("false", ZERO), (None, ZERO), (1, ZERO), ("oui", ZERO)],
)
def test_truefalse(response, credit):
    assert TRUEFALSE.answer is True
    assert score_response(TRUEFALSE, response) == credit


@pytest.mark.parametrize(
    ("response", "credit"),
    [("42,5", ONE), ("42.5", ONE), ("42", ONE), ("43", ONE), ("43,01", ZERO), ("41,99", ZERO), ("42", ONE),
     (" 42,5 % ", ONE), (42.5, ONE), (43, ONE), (Decimal("42.0"), ONE), ("42,5 k€", ZERO), ("abc", ZERO),
     ("4 2,5", ZERO), ("", ZERO), (True, ZERO), ("1e3", ZERO), ("nan", ZERO), ("inf", ZERO), ([], ZERO)],
)
def test_numeric_absolute_tolerance_is_inclusive(response, credit):
    assert score_response(NUMERIC, response) == credit


def test_numeric_relative_tolerance_and_grouped_thousands():
    q = Question.from_payload(NUMERIC.to_payload() | {"answer": "1250.5", "tolerance": "1%", "unit": None})
    margin = Tolerance(Decimal(1), True).margin(Decimal("1250.5"))
    assert margin == Decimal("12.505")
    for typed in ("1 250,5", "1\u00a0250,5", "1\u202f250,5", "1263,005", "1237,995"):
        assert score_response(q, typed) == ONE, typed
    for typed in ("1263,006", "1237,994", "1,250.5", "1.250,5"):
        assert score_response(q, typed) == ZERO, typed


def test_numeric_negative_answer():
    q = Question.from_payload(NUMERIC.to_payload() | {"answer": "-3", "tolerance": "0", "unit": None})
    assert score_response(q, "-3") == ONE
    assert score_response(q, "\u22123") == ONE
    assert score_response(q, "3") == ZERO


def test_numeric_float_noise_does_not_matter():
    q = Question.from_payload(NUMERIC.to_payload() | {"answer": "0.3", "tolerance": "0", "unit": None})
    assert score_response(q, 0.1 + 0.2) == ZERO  # 0.30000000000000004 is not 0.3: exact arithmetic
    assert score_response(q, "0,3") == ONE


def test_ordering():
    right = [i.id for i in ORDERING.items]
    assert score_response(ORDERING, right) == ONE
    assert score_response(ORDERING, list(reversed(right))) == ZERO
    assert score_response(ORDERING, right[:2]) == ZERO
    assert score_response(ORDERING, "".join(right)) == ZERO


def test_matching():
    right = {p.left_id: p.right_id for p in MATCHING.pairs}
    assert score_response(MATCHING, right) == ONE
    swapped = dict(right)
    swapped["a"], swapped["b"] = right["b"], right["a"]
    assert score_response(MATCHING, swapped) == ZERO
    assert score_response(MATCHING, {"a": right["a"]}) == ZERO
    assert score_response(MATCHING, list(right.items())) == ZERO


def test_assess_tells_unanswered_from_wrong():
    assert assess(SINGLE, None) == Outcome(ZERO, False)
    assert assess(SINGLE, "a") == Outcome(ZERO, True)
    assert assess(SINGLE, "b").correct


@pytest.mark.parametrize(
    ("right", "total", "passed"),
    [(12, 20, True), (11, 20, False), (3, 5, True), (2, 5, False), (20, 20, True), (0, 20, False)],
)
def test_grade_threshold_is_exact(right, total, passed):
    credits = [ONE] * right + [ZERO] * (total - right)
    result = grade(credits, Fraction(3, 5))
    assert result == Result(Fraction(right), total, Fraction(right, total), passed)


def test_grade_with_partial_credits():
    result = grade([Fraction(1, 2)] * 6 + [ONE] * 9 + [ZERO] * 5, Fraction(3, 5))
    assert (result.score, result.ratio, result.passed) == (Fraction(12), Fraction(3, 5), True)
    assert not grade([Fraction(1, 2)] * 6 + [ONE] * 8 + [ZERO] * 5 + [Fraction(99, 100)], Fraction(3, 5)).passed


def test_grade_of_nothing_fails():
    assert grade([], Fraction(3, 5)) == Result(ZERO, 0, ZERO, False)

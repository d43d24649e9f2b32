"""Scoring, pure and exact: a response against a question, and a result against the threshold.

Responses are plain JSON values, one shape per type:
single "b" · multiple ["a", "c"] · truefalse true · numeric "42,5" (as typed) or a number ·
ordering ["c", "a", "b"] · matching {"a": "y", ...} (left id -> right id) · short "EBE" (as typed).
Weighted choices and further numeric or short answers follow Moodle's rules: the credit of the
chosen option, of the first matching answer, or the sum of the ticked options, clipped to [0, 1].
Anything missing, empty or malformed scores 0; nothing here raises on a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from quiz.banks.model import Question
from quiz.banks.numbers import parse_number
from quiz.banks.shortanswer import MAX_LENGTH, matches

ZERO, ONE = Fraction(0), Fraction(1)


@dataclass(frozen=True)
class Outcome:
    """How one response fared: its credit in [0, 1], and whether anything was answered."""

    credit: Fraction
    answered: bool

    @property
    def correct(self) -> bool:
        return self.credit == ONE


@dataclass(frozen=True)
class Result:
    score: Fraction
    total: int
    ratio: Fraction
    passed: bool


def _question(question_or_payload: Question | dict[str, Any]) -> Question:
    if isinstance(question_or_payload, Question):
        return question_or_payload
    return Question.from_payload(question_or_payload)


def is_answered(response: Any) -> bool:
    if response is None:
        return False
    if isinstance(response, (str, list, dict)):
        return bool(response.strip() if isinstance(response, str) else response)
    return True


def score_response(question_or_payload: Question | dict[str, Any], response: Any) -> Fraction:
    """The credit of `response`, a Fraction in [0, 1]."""
    q = _question(question_or_payload)
    if not is_answered(response):
        return ZERO
    scorer = _SCORERS.get(q.type)
    return scorer(q, response) if scorer else ZERO


def assess(question_or_payload: Question | dict[str, Any], response: Any) -> Outcome:
    return Outcome(score_response(question_or_payload, response), is_answered(response))


def clip(value: Fraction) -> Fraction:
    return min(ONE, max(ZERO, value))


def _percent(weight: Decimal | None) -> Fraction:
    return Fraction(weight or 0) / 100


def _single(q: Question, response: Any) -> Fraction:
    if q.weighted:
        chosen = next((c for c in q.choices if c.id == response), None)
        return clip(_percent(chosen.weight)) if chosen is not None else ZERO
    return ONE if isinstance(response, str) and response in q.correct_ids else ZERO


def _multiple(q: Question, response: Any) -> Fraction:
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        return ZERO
    ticked = set(response)
    known = {c.id for c in q.choices}
    if not ticked <= known:
        return ZERO
    if q.weighted:
        return clip(sum((_percent(c.weight) for c in q.choices if c.id in ticked), ZERO))
    right = set(q.correct_ids)
    if q.scoring == "partial":
        credit = Fraction(len(ticked & right) - len(ticked - right), len(right))
        return max(ZERO, credit)
    return ONE if ticked == right else ZERO


def _truefalse(q: Question, response: Any) -> Fraction:
    if isinstance(response, str) and response.strip().lower() in ("true", "false"):
        response = response.strip().lower() == "true"
    return ONE if isinstance(response, bool) and response == q.answer else ZERO


def _numeric(q: Question, response: Any) -> Fraction:
    value = parse_number(response, q.unit)
    if value is None or not isinstance(q.answer, Decimal) or q.tolerance is None:
        return ZERO
    accepted = [(q.answer, q.tolerance, Decimal(100))] + [(p.answer, p.tolerance, p.credit) for p in q.partial]
    for answer, tolerance, credit in accepted:
        if abs(Fraction(value) - Fraction(answer)) <= Fraction(tolerance.margin(answer)):
            return clip(_percent(credit))
    return ZERO


def _short(q: Question, response: Any) -> Fraction:
    if not isinstance(response, str) or len(response) > MAX_LENGTH:
        return ZERO
    for answer in q.choices:
        if matches(response, answer.text, q.normalise):
            return clip(_percent(answer.weight))
    return ZERO


def _ordering(q: Question, response: Any) -> Fraction:
    if not isinstance(response, list):
        return ZERO
    return ONE if response == [i.id for i in q.items] else ZERO


def _matching(q: Question, response: Any) -> Fraction:
    if not isinstance(response, dict):
        return ZERO
    if q.scoring == "partial":
        return Fraction(sum(1 for p in q.pairs if response.get(p.left_id) == p.right_id), len(q.pairs))
    return ONE if response == {p.left_id: p.right_id for p in q.pairs} else ZERO


_SCORERS = {
    "single": _single,
    "multiple": _multiple,
    "truefalse": _truefalse,
    "numeric": _numeric,
    "ordering": _ordering,
    "matching": _matching,
    "short": _short,
}


def grade(credits: list[Fraction], threshold: Fraction) -> Result:
    """Sum the credits; passed when score / number of questions reaches the threshold (exactly)."""
    score = sum((Fraction(c) for c in credits), ZERO)
    total = len(credits)
    ratio = score / total if total else ZERO
    return Result(score=score, total=total, ratio=ratio, passed=total > 0 and ratio >= Fraction(threshold))

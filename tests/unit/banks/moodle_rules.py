"""Moodle's grading rules, written from Moodle's documentation (question types' help pages),
independently of the platform's scorer, for the property tests of the import.

- Multiple choice, one answer: the grade of the chosen answer.
- Multiple choice, several answers: the sum of the grades of the ticked answers, never below 0
  nor above 100 %.
- Short answer: the grade of the first answer (in the teacher's order) that matches; `*` matches
  any characters; letter case ignored unless the question is case-sensitive.
- Numerical: the grade of the first answer whose value ± its error margin contains the response.
- Matching: the proportion of sub-questions answered correctly.
"""

from __future__ import annotations

import re
from fractions import Fraction


def clip(value: Fraction) -> Fraction:
    return max(Fraction(0), min(Fraction(1), value))


def multichoice(fractions: list[Fraction], single: bool, chosen: set[int]) -> Fraction:
    if single:
        return clip(fractions[next(iter(chosen))]) if len(chosen) == 1 else Fraction(0)
    return clip(sum((fractions[i] for i in chosen), Fraction(0)))


def shortanswer(answers: list[tuple[str, Fraction]], case_sensitive: bool, response: str) -> Fraction:
    response = response.strip()
    for text, fraction in answers:
        pattern = "^" + ".*".join(re.escape(part) for part in text.split("*")) + "$"
        if re.match(pattern, response, 0 if case_sensitive else re.IGNORECASE | re.S):
            return clip(fraction)
    return Fraction(0)


def numerical(answers: list[tuple[Fraction, Fraction, Fraction]], response: Fraction) -> Fraction:
    for value, tolerance, fraction in answers:
        if value - tolerance <= response <= value + tolerance:
            return clip(fraction)
    return Fraction(0)


def matching(right: int, total: int) -> Fraction:
    return Fraction(right, total)

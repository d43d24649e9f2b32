"""Bank statistics: composition, targets, and the expected overlap of two random draws.

Two candidates draw independently, so the expected number of questions they share is
Σ p_q², p_q being the probability that question q is drawn. With no case, p_q = n / N. With
cases, the draw (quiz.exams.draw, rule `uniform`) takes the units (a lone question, or all the
questions of a case) in a uniformly random order, each one that still fits: `inclusion` computes
each unit's probability exactly (Fractions) by dynamic programming over the states of that fill.
Pure: no Flask here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from quiz.banks.model import Bank, Question
from quiz.exams.draw import level_quotas

CASE_TAG = "cas"
TARGET_QUESTIONS = 100
TARGET_LEVEL_SHARE = Fraction(1, 4)
TARGET_CASE_SHARE = Fraction(1, 3)
TARGET_OVERLAP = 4
TARGET_CALCULATED = 10
CALCULATED_BANKS = (1, 3, 4, 7, 8, 10, 11)


def inclusion(sizes: list[int], count: int) -> list[Fraction]:
    """For units of the given sizes, the exact probability that each is drawn when units are taken
    in a uniformly random order while they fit in `count` places.

    By symmetry two units of one size have the same probability, so the state of the fill is the
    room left, the places taken by cases so far (which fixes how many lone questions remain: a
    lone question always fits while there is room) and how many cases of each size remain.
    """
    case_sizes = sorted({s for s in sizes if s > 1})
    singles = sizes.count(1)
    start = tuple(sizes.count(s) for s in case_sizes)
    width = len(case_sizes) + 1
    zero = (Fraction(0),) * width

    def plus(vector: tuple[Fraction, ...], index: int) -> tuple[Fraction, ...]:
        return tuple(v + (1 if i == index else 0) for i, v in enumerate(vector))

    @cache
    def expected(room: int, in_cases: int, cases: tuple[int, ...]) -> tuple[Fraction, ...]:
        """The expected number of units of each kind (lone, then each case size) still taken."""
        lone = singles - (count - room - in_cases)
        total = lone + sum(cases)
        if room == 0 or total == 0:
            return zero
        result = [Fraction(0)] * width
        branches: list[tuple[int, tuple[Fraction, ...]]] = []
        if lone > 0:
            branches.append((lone, plus(expected(room - 1, in_cases, cases), 0)))
        for j, size in enumerate(case_sizes):
            if cases[j]:
                rest = (*cases[:j], cases[j] - 1, *cases[j + 1:])
                if size <= room:
                    branches.append((cases[j], plus(expected(room - size, in_cases + size, rest), j + 1)))
                else:
                    branches.append((cases[j], expected(room, in_cases, rest)))
        for weight, vector in branches:
            for i in range(width):
                result[i] += Fraction(weight, total) * vector[i]
        return tuple(result)

    if sum(sizes) <= count:
        return [Fraction(1)] * len(sizes)
    taken = expected(count, 0, start)
    per_size = {1: taken[0] / singles if singles else Fraction(0)}
    for j, size in enumerate(case_sizes):
        per_size[size] = taken[j + 1] / start[j]
    return [per_size[s] for s in sizes]


def units(questions: tuple[Question, ...] | list[Question]) -> list[list[Question]]:
    """Lone questions and cases (their questions together), as the draw sees them."""
    groups: dict[str, list[Question]] = {}
    found: list[list[Question]] = []
    for q in questions:
        if q.case is None:
            found.append([q])
        elif q.case.id in groups:
            groups[q.case.id].append(q)
        else:
            groups[q.case.id] = [q]
            found.append(groups[q.case.id])
    return found


def _level(unit: list[Question]) -> int:
    return Counter(q.difficulty for q in unit).most_common(1)[0][0]


def expected_overlap(questions: tuple[Question, ...] | list[Question], count: int, rule: str = "uniform") -> Fraction:
    """Σ p_q² for two independent draws of `count` questions.

    `uniform` is exact. `spread` applies the same computation level by level with the level's
    quota (exact when every quota is filled by its own level's units, the usual case; the
    tag-balancing tie-breaks within a level are not modelled).
    """
    found = units(questions)
    if rule == "spread" and count < sum(len(u) for u in found):
        by_level: dict[int, list[list[Question]]] = {}
        for unit in found:
            by_level.setdefault(_level(unit), []).append(unit)
        quotas = level_quotas({lvl: sum(len(u) for u in us) for lvl, us in by_level.items()}, count)
        total = Fraction(0)
        for level, members in by_level.items():
            sizes = [len(u) for u in members]
            total += sum((s * p * p for s, p in zip(sizes, inclusion(sizes, quotas[level]), strict=True)), Fraction(0))
        return total
    sizes = [len(u) for u in found]
    return sum((s * p * p for s, p in zip(sizes, inclusion(sizes, count), strict=True)), Fraction(0))


def is_case_based(question: Question) -> bool:
    return question.case is not None or CASE_TAG in question.tags


@dataclass(frozen=True)
class BankStats:
    bank: Bank
    questions: int
    levels: dict[int, Fraction]
    case_based: Fraction
    calculated: int
    overlap: Fraction
    draw: int

    def unmet(self) -> list[str]:
        """The targets this bank does not meet yet (French)."""
        missing = []
        if self.questions < TARGET_QUESTIONS:
            missing.append(f"au moins {TARGET_QUESTIONS} questions ({self.questions})")
        for level, share in self.levels.items():
            if share < TARGET_LEVEL_SHARE:
                missing.append(f"difficulté {level} ≥ 25 % ({percent(share)})")
        if self.case_based < TARGET_CASE_SHARE:
            missing.append(f"au moins 1/3 de questions au cas ({percent(self.case_based)})")
        if self.overlap > TARGET_OVERLAP:
            missing.append(f"recouvrement attendu ≤ {TARGET_OVERLAP} ({number(self.overlap)})")
        if self.bank.thematic in CALCULATED_BANKS and self.calculated < TARGET_CALCULATED:
            missing.append(f"au moins {TARGET_CALCULATED} questions calculées ({self.calculated})")
        return missing


def bank_stats(bank: Bank, draw: int = 20, rule: str = "uniform") -> BankStats:
    questions = bank.questions
    n = len(questions) or 1
    levels = Counter(q.difficulty for q in questions)
    return BankStats(
        bank=bank,
        questions=len(questions),
        levels={d: Fraction(levels.get(d, 0), n) for d in (1, 2, 3)},
        case_based=Fraction(sum(1 for q in questions if is_case_based(q)), n),
        calculated=sum(1 for q in questions if q.type == "calculated"),
        overlap=expected_overlap(questions, draw, rule) if questions else Fraction(0),
        draw=draw,
    )


def number(value: Fraction, decimals: int = 2) -> str:
    scaled = round(value * 10 ** decimals)
    text = f"{scaled / 10 ** decimals:.{decimals}f}"
    return text.replace(".", ",")


def percent(value: Fraction) -> str:
    return f"{round(value * 100)}\u202f%"

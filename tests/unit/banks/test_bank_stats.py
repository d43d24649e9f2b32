"""The expected overlap of two draws: exact inclusion probabilities against brute force."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from quiz.banks.model import Case, Question
from quiz.banks.stats import bank_stats, expected_overlap, inclusion
from quiz.exams import draw


def greedy(sizes: list[int], order: tuple[int, ...], count: int) -> set[int]:
    """The units the draw takes in this order (quiz.exams.draw._draw_units, rule uniform)."""
    taken, room = set(), count
    for unit in order:
        if sizes[unit] <= room:
            taken.add(unit)
            room -= sizes[unit]
    return taken


@pytest.mark.parametrize("sizes, count", [
    ([1, 1, 1, 2, 3], 3), ([1, 1, 2, 2, 3, 1], 4), ([3, 1, 1, 1, 1, 1, 2], 5), ([2, 2, 2, 1], 3), ([1] * 6, 4),
    ([4, 1, 2], 10),
])
def test_inclusion_is_exactly_the_average_over_every_order(sizes, count):
    orders = list(itertools.permutations(range(len(sizes))))
    brute = [Fraction(sum(1 for o in orders if u in greedy(sizes, o, count)), len(orders)) for u in range(len(sizes))]
    assert inclusion(sizes, count) == brute


def questions(lone: int, cases: list[int]) -> list[Question]:
    found = [Question(f"AF-{n:03d}", "T", "truefalse", "S", "E", answer=True) for n in range(lone)]
    for c, size in enumerate(cases):
        case = Case(f"AF-9{c:02d}", "Cas", "Texte")
        found += [Question(f"AF-9{c:02d}{k}", "T", "truefalse", "S", "E", answer=True, case=case, case_position=k + 1)
                  for k in range(size)]
    return found


def test_without_cases_the_overlap_is_n_squared_over_the_bank_size():
    assert expected_overlap(questions(100, []), 20) == Fraction(4)


def test_the_overlap_matches_a_simulation_of_the_real_draw():
    bank = questions(14, [3, 2, 4])
    exact = expected_overlap(bank, 8)
    pool = [draw.Candidate(n, 2, group=q.case.id if q.case else None, rank=q.case_position) for n, q in enumerate(bank)]
    rng = random.Random(19)
    runs = 20_000
    shared = 0
    for _ in range(runs):
        first = {c.version_id for c in draw.draw(pool, 8, "uniform", rng)}
        second = {c.version_id for c in draw.draw(pool, 8, "uniform", rng)}
        shared += len(first & second)
    assert abs(shared / runs - float(exact)) < 0.05, (shared / runs, float(exact))


def test_bank_stats_counts_cases_calculated_and_targets():
    from quiz.banks.model import Bank

    bank = Bank("01-analyse-financiere.md", 1, "AF", "Analyse", tuple(questions(40, [2])))
    stats = bank_stats(bank, 20)
    assert stats.questions == 42 and stats.case_based == Fraction(2, 42) and stats.calculated == 0
    unmet = stats.unmet()
    assert unmet[0] == "au moins 100 questions (42)" and any("questions calculées (0)" in u for u in unmet)

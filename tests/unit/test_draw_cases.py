"""A case context's questions are drawn together, next to each other, in bank order, and each
counts as one question of the draw."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from quiz.exams.draw import Candidate, draw, units_of


@st.composite
def pools_with_cases(draw_):
    pool, next_id = [], 1
    for group in range(draw_(st.integers(0, 4))):
        for rank in range(draw_(st.integers(2, 4))):
            pool.append(Candidate(next_id, draw_(st.integers(1, 3)), group=f"AF-{900 + group}", rank=rank))
            next_id += 1
    for _ in range(draw_(st.integers(0, 20))):
        pool.append(Candidate(next_id, draw_(st.integers(1, 3))))
        next_id += 1
    draw_(st.randoms()).shuffle(pool)
    return pool


@given(pools_with_cases(), st.integers(1, 40), st.sampled_from(["uniform", "spread"]), st.integers(0, 2**32))
def test_a_case_comes_whole_and_in_order_and_never_past_the_count(pool, count, rule, seed):
    chosen = draw(pool, count, rule, random.Random(seed))
    assert len(chosen) <= count and len({c.version_id for c in chosen}) == len(chosen)
    members = {}
    for item in pool:
        if item.group:
            members.setdefault(item.group, []).append(item)
    for group, items in members.items():
        picked = [i for i, c in enumerate(chosen) if c.group == group]
        if picked:
            assert len(picked) == len(items), "all the case's questions or none"
            assert picked == list(range(picked[0], picked[0] + len(items))), "next to each other"
            assert [chosen[i].rank for i in picked] == sorted(c.rank for c in items), "in bank order"
    if count >= len(pool):
        assert len(chosen) == len(pool)


@given(pools_with_cases(), st.integers(1, 40), st.integers(0, 2**32))
def test_uniform_draw_fills_the_count_when_lone_questions_allow(pool, count, seed):
    chosen = draw(pool, count, "uniform", random.Random(seed))
    lone = sum(1 for c in pool if c.group is None)
    assert len(chosen) >= min(count, lone)


def test_every_case_can_be_drawn():
    pool = [Candidate(i, 2, group="AF-010", rank=i) for i in range(1, 4)] + [Candidate(i, 2) for i in range(4, 12)]
    seen = {tuple(c.version_id for c in draw(pool, 5, "uniform", random.Random(seed)) if c.group)
            for seed in range(200)}
    assert (1, 2, 3) in seen and () in seen


def test_units_group_a_case_in_bank_order():
    pool = [Candidate(3, 1, group="X", rank=2), Candidate(1, 1), Candidate(2, 1, group="X", rank=1)]
    assert [[c.version_id for c in u] for u in units_of(pool)] == [[2, 3], [1]]

"""Drawing questions and option orders: counts, uniqueness, spread over levels and tags."""

from __future__ import annotations

import random
from collections import Counter
from itertools import permutations

from hypothesis import given
from hypothesis import strategies as st

from quiz.exams.draw import Candidate, draw, level_quotas, option_order

pools = st.lists(
    st.builds(Candidate, version_id=st.integers(1, 10_000), difficulty=st.integers(1, 3),
              tags=st.lists(st.sampled_from(["bfr", "caf", "sig", "ratios"]), max_size=2).map(tuple)),
    min_size=1, max_size=60, unique_by=lambda c: c.version_id,
)


@given(pools, st.integers(1, 80), st.sampled_from(["uniform", "spread"]), st.integers(0, 2**32))
def test_draw_returns_distinct_questions_from_the_pool(pool, count, rule, seed):
    chosen = draw(pool, count, rule, random.Random(seed))
    assert len(chosen) == min(count, len(pool))
    assert len({c.version_id for c in chosen}) == len(chosen)
    assert set(chosen) <= set(pool)


@given(pools, st.integers(1, 40), st.integers(0, 2**32))
def test_spread_takes_the_quota_of_each_level(pool, count, seed):
    chosen = draw(pool, count, "spread", random.Random(seed))
    available = Counter(c.difficulty for c in pool)
    quotas = level_quotas(dict(available), min(count, len(pool)))
    assert Counter(c.difficulty for c in chosen) == Counter({k: v for k, v in quotas.items() if v})


@given(st.dictionaries(st.integers(1, 3), st.integers(0, 30), min_size=1), st.integers(0, 100))
def test_level_quotas_are_as_even_as_capacity_allows(available, count):
    quotas = level_quotas(available, count)
    assert sum(quotas.values()) == min(count, sum(available.values()))
    for level, quota in quotas.items():
        assert 0 <= quota <= available[level]
        for other, other_quota in quotas.items():
            if quota < other_quota - 1:
                assert quota == available[level], (level, other, quotas)


def test_level_quotas_water_fill():
    assert level_quotas({1: 10, 2: 10, 3: 10}, 20) == {1: 7, 2: 7, 3: 6}
    assert level_quotas({1: 2, 2: 10, 3: 10}, 20) == {1: 2, 2: 9, 3: 9}
    assert level_quotas({1: 2, 2: 3, 3: 4}, 20) == {1: 2, 2: 3, 3: 4}


def test_spread_prefers_uncovered_tags():
    pool = [Candidate(i, 2, ("bfr",)) for i in range(10)] + [Candidate(100, 2, ("caf",)), Candidate(101, 2, ("sig",))]
    for seed in range(20):
        chosen = draw(pool, 3, "spread", random.Random(seed))
        assert {t for c in chosen for t in c.tags} == {"bfr", "caf", "sig"}


def test_uniform_draws_vary_with_the_seed():
    pool = [Candidate(i, 2) for i in range(50)]
    draws = {tuple(c.version_id for c in draw(pool, 20, "uniform", random.Random(seed))) for seed in range(5)}
    assert len(draws) == 5


def test_option_order_shuffles_choices_only_when_asked():
    payload = {"type": "single", "shuffle": True, "choices": [{"id": x} for x in "abcde"]}
    assert option_order(payload, False, random.Random(1)) == list("abcde")
    orders = {tuple(option_order(payload, True, random.Random(s))) for s in range(10)}
    assert len(orders) > 1 and all(sorted(o) == list("abcde") for o in orders)
    assert option_order(payload | {"shuffle": False}, True, random.Random(1)) == list("abcde")


def test_ordering_items_are_shuffled_over_every_order_the_correct_one_included():
    """Never shown in the correct order was a hint (with two items, the key itself): every order can be drawn."""
    payload = {"type": "ordering", "items": [{"id": x} for x in "cab"]}
    orders = {tuple(option_order(payload, True, random.Random(seed))) for seed in range(200)}
    assert orders == set(permutations("cab"))


def test_matching_shuffles_the_right_column_over_every_order():
    pairs = [{"left_id": left, "right_id": right} for left, right in zip("abc", "xyz", strict=True)]
    payload = {"type": "matching", "pairs": pairs}
    orders = {tuple(option_order(payload, True, random.Random(seed))) for seed in range(200)}
    assert orders == set(permutations("xyz"))


def test_other_types_have_no_option_order():
    assert option_order({"type": "numeric"}, True, random.Random(0)) == []
    assert option_order({"type": "truefalse"}, True, random.Random(0)) == []

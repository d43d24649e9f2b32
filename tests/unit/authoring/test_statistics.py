"""Item statistics against values computed by hand on small data sets."""

from __future__ import annotations

import math

import pytest

from quiz.authoring.statistics import (
    AttemptScore,
    ItemResponse,
    distribution,
    item_flags,
    item_stats,
    pearson,
    questionnaire_stats,
    reliability,
)


def responses(rows: dict[int, tuple[float, ...]], chosen: dict[tuple[int, int], tuple[str, ...]] | None = None):
    """Attempt id -> credits of versions 1, 2, 3 (drawn at positions 1, 2, 3)."""
    chosen = chosen or {}
    return [
        ItemResponse(attempt, version, version, credit, chosen.get((attempt, version), ()))
        for attempt, credits in rows.items()
        for version, credit in enumerate(credits, start=1)
    ]


# Totals 3, 2, 1, 0.
GRADED = {1: (1, 1, 1), 2: (1, 0, 1), 3: (0, 0, 1), 4: (0, 0, 0)}


def test_facility_is_the_mean_credit_and_drawn_counts_attempts():
    stats = item_stats(responses(GRADED))
    assert [stats[v].drawn for v in (1, 2, 3)] == [4, 4, 4]
    assert [stats[v].facility for v in (1, 2, 3)] == [0.5, 0.25, 0.75]


def test_discrimination_is_the_point_biserial_against_the_rest_of_the_attempt():
    stats = item_stats(responses(GRADED))
    # v1: credits 1 1 0 0, rests 2 1 1 0 -> sxy 1, sxx 1, syy 2 -> 1/sqrt(2)
    assert stats[1].discrimination == pytest.approx(1 / math.sqrt(2))
    # v2: credits 1 0 0 0, rests 2 2 1 0 -> sxy .75, sxx .75, syy 2.75
    assert stats[2].discrimination == pytest.approx(0.75 / math.sqrt(0.75 * 2.75))
    # v3: credits 1 1 1 0, rests 2 1 0 0 -> the same figures
    assert stats[3].discrimination == pytest.approx(0.522233, abs=1e-6)


def test_an_item_that_the_weaker_candidates_get_right_discriminates_negatively():
    stats = item_stats(responses({1: (1, 1, 1), 2: (1, 0, 1), 3: (0, 0, 1), 4: (0, 1, 0)}), min_attempts=4)
    # v2: credits 1 0 0 1, rests 2 2 1 0 -> sxy -.5, sxx 1, syy 2.75 -> -1/sqrt(11)
    assert stats[2].discrimination == pytest.approx(-1 / math.sqrt(11))
    assert "negative_discrimination" in stats[2].flags
    assert stats[3].discrimination == pytest.approx(0.0)


def test_an_item_everyone_gets_right_has_no_discrimination():
    stats = item_stats(responses({1: (1, 1, 0), 2: (1, 0, 0)}))
    assert stats[1].discrimination is None
    assert stats[1].facility == 1.0


def test_option_shares_and_an_option_nobody_chose():
    chosen = {(1, 1): ("a",), (2, 1): ("a",), (3, 1): ("b",), (4, 1): ()}
    stats = item_stats(responses(GRADED, chosen), options={1: ("a", "b", "c")}, min_attempts=4)
    assert stats[1].option_shares == {"a": 0.5, "b": 0.25, "c": 0.0}
    assert stats[1].flags == ("unchosen:c",)
    assert stats[2].option_shares == {}


def test_below_the_minimum_number_of_attempts_nothing_is_flagged():
    chosen = {(1, 1): ("a",)}
    stats = item_stats(responses(GRADED, chosen), options={1: ("a", "b")})
    assert not stats[1].significant
    assert stats[1].flags == ()
    assert item_stats(responses(GRADED), min_attempts=4)[1].significant


@pytest.mark.parametrize(
    ("facility", "discrimination", "flags"),
    [
        (0.1, 0.3, ("too_hard",)),
        (0.2, 0.3, ()),
        (0.95, 0.3, ()),
        (0.96, 0.3, ("too_easy",)),
        (0.5, -0.01, ("negative_discrimination",)),
        (0.5, None, ()),
    ],
)
def test_flags(facility, discrimination, flags):
    assert item_flags(facility, discrimination, {}) == flags


def test_kr20_on_dichotomous_items():
    # totals 3 2 1 0: variance 1.25; p.q = .25 + .1875 + .1875 = .625 -> 3/2 * (1 - .5) = .75
    value, kind = reliability([list(row) for row in GRADED.values()])
    assert value == pytest.approx(0.75)
    assert kind == "KR-20"


def test_cronbach_alpha_on_partial_credits():
    # totals 1.5 .5 0: variance 7/18; item variances 1/6 + 1/18 = 2/9 -> 2 * (1 - 4/7) = 6/7
    value, kind = reliability([[1, 0.5], [0.5, 0], [0, 0]])
    assert value == pytest.approx(6 / 7)
    assert kind == "alpha"


def test_reliability_is_undefined_without_score_variance_or_items():
    assert reliability([[1, 1], [1, 1]]) == (None, None)
    assert reliability([[1], [0]]) == (None, None)
    assert reliability([[1, 0]]) == (None, None)


def test_questionnaire_figures():
    attempts = [AttemptScore(i, total, 3, total >= 2) for i, total in zip(GRADED, (3, 2, 1, 0), strict=True)]
    stats = questionnaire_stats(attempts, responses(GRADED), min_attempts=4)
    assert stats.attempts == 4
    assert stats.mean == pytest.approx(50.0)
    # deviations 50, 16.67, 16.67, 50 -> sd = 50 * sqrt(5) / 3
    assert stats.sd == pytest.approx(50 * math.sqrt(5) / 3)
    assert stats.pass_rate == 0.5
    assert stats.reliability == pytest.approx(0.75)
    assert stats.distribution == (1, 0, 0, 1, 0, 0, 1, 0, 0, 1)
    assert stats.significant
    assert not questionnaire_stats(attempts, responses(GRADED)).significant


def test_reliability_uses_the_attempts_with_the_usual_length():
    rows = [*responses(GRADED), ItemResponse(9, 1, 1, 1.0)]
    attempts = [AttemptScore(i, 0, 3, False) for i in (*GRADED, 9)]
    assert questionnaire_stats(attempts, rows).reliability == pytest.approx(0.75)


def test_no_attempts():
    stats = questionnaire_stats([], [])
    assert (stats.mean, stats.sd, stats.pass_rate, stats.reliability) == (None, None, None, None)
    assert stats.distribution == (0,) * 10


def test_distribution_bands():
    assert distribution([0, 9.99, 10, 59.9, 60, 100]) == (2, 1, 0, 0, 0, 1, 1, 0, 0, 1)


def test_pearson_needs_variation():
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)

"""Item and questionnaire statistics (pure: plain data in, plain data out).

Classical test theory on finished attempts. Each attempt draws its own questions from a pool,
so an item's "rest of the test" is the rest of the attempt it appeared in, and internal
consistency treats the positions of the questionnaire as randomly parallel items (every
attempt with the usual number of questions counts). Variances are population variances
throughout, so that KR-20 and Cronbach's alpha agree exactly on 0/1 data.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MIN_ATTEMPTS = 30
LOW_FACILITY = 0.2
HIGH_FACILITY = 0.95
BINS = 10


@dataclass(frozen=True)
class ItemResponse:
    """One drawn question of one finished attempt: its credit in [0, 1] and, for choice
    questions, the option ids the candidate ticked."""

    attempt_id: int
    version_id: int
    position: int
    credit: float
    chosen: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptScore:
    attempt_id: int
    score: float
    total: int
    passed: bool


@dataclass(frozen=True)
class ItemStats:
    version_id: int
    drawn: int
    facility: float | None
    discrimination: float | None
    option_shares: dict[str, float] = field(default_factory=dict)
    significant: bool = False
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionnaireStats:
    attempts: int
    mean: float | None
    sd: float | None
    pass_rate: float | None
    reliability: float | None
    reliability_kind: str | None
    distribution: tuple[int, ...]
    significant: bool = False


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pvariance(values: Sequence[float]) -> float | None:
    m = mean(values)
    if m is None:
        return None
    return sum((v - m) ** 2 for v in values) / len(values)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either variable does not vary (the correlation is undefined)."""
    if len(xs) != len(ys) or len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def attempt_totals(responses: Iterable[ItemResponse]) -> dict[int, float]:
    """Each attempt's raw score: the sum of its items' credits."""
    totals: dict[int, float] = defaultdict(float)
    for r in responses:
        totals[r.attempt_id] += r.credit
    return dict(totals)


def item_stats(
    responses: Sequence[ItemResponse],
    options: dict[int, Sequence[str]] | None = None,
    min_attempts: int = MIN_ATTEMPTS,
) -> dict[int, ItemStats]:
    """Per question version: times drawn, facility (mean credit), corrected point-biserial
    (item credit against the rest of the attempt's score) and, for versions listed in
    `options` (choice questions: version id -> option ids), the share choosing each option."""
    options = options or {}
    totals = attempt_totals(responses)
    by_version: dict[int, list[ItemResponse]] = defaultdict(list)
    for r in responses:
        by_version[r.version_id].append(r)
    result = {}
    for version_id, rows in sorted(by_version.items()):
        credits = [r.credit for r in rows]
        rests = [totals[r.attempt_id] - r.credit for r in rows]
        facility = mean(credits)
        discrimination = pearson(credits, rests)
        shares: dict[str, float] = {}
        if version_id in options:
            counts = Counter(c for r in rows for c in set(r.chosen))
            shares = {oid: counts.get(oid, 0) / len(rows) for oid in options[version_id]}
        significant = len(rows) >= min_attempts
        result[version_id] = ItemStats(
            version_id=version_id,
            drawn=len(rows),
            facility=facility,
            discrimination=discrimination,
            option_shares=shares,
            significant=significant,
            flags=item_flags(facility, discrimination, shares) if significant else (),
        )
    return result


def item_flags(facility: float | None, discrimination: float | None, shares: dict[str, float]) -> tuple[str, ...]:
    """Codes of what makes an item worth reviewing (the view words them in French)."""
    flags = []
    if facility is not None and facility < LOW_FACILITY:
        flags.append("too_hard")
    if facility is not None and facility > HIGH_FACILITY:
        flags.append("too_easy")
    if discrimination is not None and discrimination < 0:
        flags.append("negative_discrimination")
    flags.extend(f"unchosen:{oid}" for oid, share in shares.items() if share == 0)
    return tuple(flags)


def reliability(matrix: Sequence[Sequence[float]]) -> tuple[float | None, str | None]:
    """Cronbach's alpha over rows of item credits (one row per attempt, same length); on 0/1
    data it is KR-20, and is named so. None when fewer than two items or no score variance."""
    if len(matrix) < 2:
        return None, None
    k = len(matrix[0])
    if k < 2 or any(len(row) != k for row in matrix):
        return None, None
    total_var = pvariance([sum(row) for row in matrix])
    if not total_var:
        return None, None
    item_var = sum(pvariance([row[j] for row in matrix]) or 0.0 for j in range(k))
    kind = "KR-20" if all(v in (0, 1) for row in matrix for v in row) else "alpha"
    return k / (k - 1) * (1 - item_var / total_var), kind


def distribution(percentages: Iterable[float], bins: int = BINS) -> tuple[int, ...]:
    """Counts of scores (in %) per band of 100/bins points; 100 % falls in the last band."""
    counts = [0] * bins
    width = 100 / bins
    for value in percentages:
        counts[min(bins - 1, max(0, int(value // width)))] += 1
    return tuple(counts)


def questionnaire_stats(
    attempts: Sequence[AttemptScore],
    responses: Sequence[ItemResponse],
    min_attempts: int = MIN_ATTEMPTS,
) -> QuestionnaireStats:
    """Score distribution (in % of the total), mean and standard deviation (in %), pass rate,
    and internal consistency over the attempts that have the usual number of questions."""
    percentages = [100 * a.score / a.total for a in attempts if a.total]
    variance = pvariance(percentages)
    rows: dict[int, dict[int, float]] = defaultdict(dict)
    for r in responses:
        rows[r.attempt_id][r.position] = r.credit
    lengths = Counter(len(row) for row in rows.values())
    matrix = []
    if lengths:
        usual = lengths.most_common(1)[0][0]
        matrix = [[row[p] for p in sorted(row)] for row in rows.values() if len(row) == usual]
    value, kind = reliability(matrix)
    return QuestionnaireStats(
        attempts=len(attempts),
        mean=mean(percentages),
        sd=math.sqrt(variance) if variance is not None else None,
        pass_rate=mean([1.0 if a.passed else 0.0 for a in attempts]),
        reliability=value,
        reliability_kind=kind,
        distribution=distribution(percentages),
        significant=len(attempts) >= min_attempts,
    )

"""Drawing questions and option orders for an attempt (pure: plain data in, plain data out)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Candidate:
    """A question that may be drawn: its version id, difficulty and tags.

    Questions of one case context share a `group` (the case id) and are drawn together, next to
    each other in their bank order (`rank`); each counts as one question of the draw.
    """

    version_id: int
    difficulty: int
    tags: tuple[str, ...] = ()
    group: str | None = None
    rank: int = 0
    valid_until: str | None = None  # ISO date after which the key is wrong (a known change of rule)


def in_force(pool: list[Candidate], closes_on: date) -> list[Candidate]:
    """The questions whose key still holds on the session's closing day (`valid_until` not before it).

    A key that expires during the session would be wrong for the candidates who sit late, so the
    question is not drawn at all in that session.
    """
    limit = closes_on.isoformat()
    return [c for c in pool if c.valid_until is None or c.valid_until >= limit]


def draw(pool: list[Candidate], count: int, rule: str, rng: random.Random) -> list[Candidate]:
    """`count` distinct questions (all of them if the pool is smaller), in a random order.

    `uniform`: a simple random sample. `spread`: as many from each difficulty level as the
    pool allows, as evenly as possible, and within a level the least-covered tags first.
    A case's questions come all or none, together.
    """
    if any(c.group for c in pool):
        return _draw_units(pool, count, rule, rng)
    if count >= len(pool):
        chosen = list(pool)
    elif rule == "spread":
        chosen = _spread(pool, count, rng)
    else:
        chosen = rng.sample(pool, count)
    rng.shuffle(chosen)
    return chosen


def level_quotas(available: dict[int, int], count: int) -> dict[int, int]:
    """Split `count` over levels as evenly as their sizes allow (water-filling, smallest first)."""
    quotas = dict.fromkeys(available, 0)
    remaining = count
    levels = sorted(available, key=lambda level: (available[level], level))
    for index, level in enumerate(levels):
        share = -(-remaining // (len(levels) - index))
        quotas[level] = min(available[level], share)
        remaining -= quotas[level]
    return quotas


def _spread(pool: list[Candidate], count: int, rng: random.Random) -> list[Candidate]:
    by_level: dict[int, list[Candidate]] = {}
    for item in pool:
        by_level.setdefault(item.difficulty, []).append(item)
    quotas = level_quotas({level: len(items) for level, items in by_level.items()}, count)
    tag_use: Counter[str] = Counter()
    chosen: list[Candidate] = []
    for level in sorted(by_level):
        items = list(by_level[level])
        rng.shuffle(items)
        for _ in range(quotas[level]):
            best = min(items, key=lambda c: (sum(tag_use[t] for t in c.tags) / max(len(c.tags), 1)))
            items.remove(best)
            tag_use.update(best.tags)
            chosen.append(best)
    return chosen


def units_of(pool: list[Candidate]) -> list[list[Candidate]]:
    """The pool as units: a lone question, or all the questions of one case in bank order."""
    groups: dict[str, list[Candidate]] = {}
    units: list[list[Candidate]] = []
    for item in pool:
        if item.group is None:
            units.append([item])
        elif item.group not in groups:
            groups[item.group] = [item]
            units.append(groups[item.group])
        else:
            groups[item.group].append(item)
    for members in groups.values():
        members.sort(key=lambda c: (c.rank, c.version_id))
    return units


def _draw_units(pool: list[Candidate], count: int, rule: str, rng: random.Random) -> list[Candidate]:
    """Draw with case contexts: units are picked whole, never past `count` questions.

    `spread` gives each difficulty level its quota of questions (a case belongs to the level of
    most of its questions) and fills a level with the units that fit; `uniform` takes units in a
    random order while they fit.
    """
    units = units_of(pool)
    rng.shuffle(units)
    if rule == "spread" and count < len(pool):
        chosen = _spread_units(units, count)
    else:
        chosen, room = [], count
        for unit in units:
            if len(unit) <= room:
                chosen.append(unit)
                room -= len(unit)
    rng.shuffle(chosen)
    return [c for unit in chosen for c in unit]


def _level(unit: list[Candidate]) -> int:
    return Counter(c.difficulty for c in unit).most_common(1)[0][0]


def _spread_units(units: list[list[Candidate]], count: int) -> list[list[Candidate]]:
    by_level: dict[int, list[list[Candidate]]] = {}
    for unit in units:
        by_level.setdefault(_level(unit), []).append(unit)
    quotas = level_quotas({lvl: sum(len(u) for u in us) for lvl, us in by_level.items()}, count)
    chosen: list[list[Candidate]] = []
    room = count
    for level in sorted(by_level):
        quota = min(quotas[level], room)
        for unit in by_level[level]:
            if len(unit) <= quota:
                chosen.append(unit)
                quota -= len(unit)
                room -= len(unit)
    for level in sorted(by_level):  # what a level could not fill, others fill with what fits
        for unit in by_level[level]:
            if unit not in chosen and len(unit) <= room:
                chosen.append(unit)
                room -= len(unit)
    return chosen


def option_order(payload: dict, shuffle: bool, rng: random.Random) -> list[str]:
    """The order in which a question's options are shown to one candidate.

    Choices follow the bank (or are shuffled); ordering items and a matching question's
    right-hand column are always shuffled, uniformly: every order is as likely, the key's
    included, so the order shown tells nothing about the answer (the bank checker refuses
    two-element questions, where any order is the key or its reverse).
    """
    kind = payload["type"]
    if kind in ("single", "multiple"):
        ids = [c["id"] for c in payload["choices"]]
        if shuffle and payload.get("shuffle", True):
            rng.shuffle(ids)
        return ids
    if kind == "ordering":
        ids = [i["id"] for i in payload["items"]]
    elif kind == "matching":
        ids = [p["right_id"] for p in payload["pairs"]]
    else:
        return []
    rng.shuffle(ids)
    return ids

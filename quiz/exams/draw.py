"""Drawing questions and option orders for an attempt (pure: plain data in, plain data out)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A question that may be drawn: its version id, difficulty and tags."""

    version_id: int
    difficulty: int
    tags: tuple[str, ...] = ()


def draw(pool: list[Candidate], count: int, rule: str, rng: random.Random) -> list[Candidate]:
    """`count` distinct questions (all of them if the pool is smaller), in a random order.

    `uniform`: a simple random sample. `spread`: as many from each difficulty level as the
    pool allows, as evenly as possible, and within a level the least-covered tags first.
    """
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

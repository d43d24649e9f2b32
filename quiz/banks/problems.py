"""A problem found in a bank: where it is, which question, and what to do about it (in French)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One error, printed as `file:line: ID: message` so editors can jump to it."""

    file: str
    line: int
    qid: str | None
    message: str

    def __str__(self) -> str:
        if self.qid:
            return f"{self.file}:{self.line}: {self.qid}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


def suggestion(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt word, if one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems by file, then line, without duplicates (a rule reached twice reports once)."""
    seen: dict[Problem, None] = dict.fromkeys(problems)
    return sorted(seen, key=lambda p: (p.file, p.line, p.qid or "", p.message))

"""A problem found in a bank: where it is, which question, and what to do about it (in French)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

# A value quoted in a message (« … ») is cut to this many characters, and a message to MESSAGE_LIMIT:
# a problem tells where and what, it does not echo back a pasted megabyte.
QUOTE_LIMIT = 60
MESSAGE_LIMIT = 600
_QUOTED = re.compile(r"«\s*(.*?)\s*»", re.S)


def shorten(message: str) -> str:
    """`message` with every quoted value and the whole message cut to their limits."""

    def cut(match: re.Match) -> str:
        inner = match.group(1)
        return match.group(0) if len(inner) <= QUOTE_LIMIT else f"« {inner[:QUOTE_LIMIT]}… »"

    message = _QUOTED.sub(cut, message)
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"


ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One error or warning, printed as `file:line: ID: message` so editors can jump to it.

    Errors make a bank unusable; warnings (`severity="warning"`: item-writing lint, a review date
    past) are printed and published all the same. They travel in separate lists (`BankSet.problems`
    holds errors only, `BankSet.warnings` the rest), so no caller counts a warning as an error.
    """

    file: str
    line: int
    qid: str | None
    message: str
    severity: str = ERROR

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shorten(self.message))

    def __str__(self) -> str:
        message = f"avertissement : {self.message}" if self.severity == WARNING else self.message
        if self.qid:
            return f"{self.file}:{self.line}: {self.qid}: {message}"
        return f"{self.file}:{self.line}: {message}"


def suggestion(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt word, if one is close enough to be a likely typo."""
    if len(str(word)) > 2 * QUOTE_LIMIT:  # no typo is that long, and difflib's cost grows with its square
        return None
    matches = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems by file, then line, without duplicates (a rule reached twice reports once)."""
    seen: dict[Problem, None] = dict.fromkeys(problems)
    return sorted(seen, key=lambda p: (p.file, p.line, p.qid or "", p.message))

"""Short answers: how a typed response is compared with an accepted answer.

Each question chooses what the comparison ignores (`normalise`): letter case, accents, spacing
and punctuation. As in Moodle, `*` in an accepted answer stands for any run of characters
(`\\*` for a literal star), and the first accepted answer that matches gives the credit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Punctuation that a candidate may type or leave out without changing the answer.
_PUNCTUATION = re.compile(r"[^\w\s*]", re.UNICODE)
MAX_LENGTH = 200


def _fold(text: str, ignore: set[str]) -> str:
    """Case, accents and punctuation as the question asks; spacing untouched."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'")
    if "accents" in ignore:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        text = unicodedata.normalize("NFC", text)
    if "case" in ignore:
        text = text.casefold()
    if "punctuation" in ignore:
        text = _PUNCTUATION.sub("", text)
    return text


def _spacing(text: str, ignore: set[str]) -> str:
    """Runs of spaces count as one (or as none when the question ignores spaces)."""
    return re.sub(r"\s+", "" if "spaces" in ignore else " ", text)


def normalise(text: str, ignore: Iterable[str]) -> str:
    ignore = set(ignore)
    return _spacing(_fold(text, ignore), ignore).strip()


def _pattern(answer: str, ignore: set[str]) -> re.Pattern[str]:
    """The accepted answer as a full-match pattern: `*` is a wildcard, `\\*` a star; the spacing
    next to a wildcard counts, as in Moodle."""
    regex = []
    for part in re.split(r"(\\\*|\*)", answer.strip()):
        if part == "*":
            regex.append(".*")
        elif part == "\\*":
            regex.append(re.escape("*"))
        elif part:
            regex.append(re.escape(_spacing(_fold(part, ignore), ignore)))
    return re.compile("".join(regex), re.S)


def matches(response: str, answer: str, ignore: Iterable[str]) -> bool:
    ignore = set(ignore)
    typed = normalise(response, ignore)
    if "*" not in answer:
        return typed == normalise(answer, ignore)
    return _pattern(answer, ignore).fullmatch(typed) is not None

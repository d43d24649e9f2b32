"""French typography for text people read: no-break spaces where French puts them.

A no-break space (U+00A0) before « : » and « » » and after « « »; a narrow no-break space
(U+202F) before « ; ! ? % ». Only an ordinary space already there is replaced: nothing is
inserted into text that has none (URLs, times such as 10:30, code). Pure: no Flask here.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
NNBSP = "\u202f"

# `%` followed by `(` is a placeholder (« %(n)s ») of a message not yet formatted, not a sign.
_BEFORE = re.compile(r" +([:»])| +([;!?])| +(%)(?![(a-z])")
_AFTER = re.compile(r"« +")


def french(text: str, narrow: str = NNBSP) -> str:
    """`text` with French no-break spaces (see the module's docstring).

    `narrow=NBSP` where the narrow one has no glyph (the PDF's standard fonts).
    """
    if not text or not any(c in text for c in ":;!?%«»"):
        return text

    def before(match: re.Match) -> str:
        return NBSP + match[1] if match[1] else narrow + (match[2] or match[3])

    return _AFTER.sub("«" + NBSP, _BEFORE.sub(before, text))


# An « h » may be mute or aspirated (« l'homme », « le héros »): it is left unelided.
_VOWEL_START = re.compile(r"^[aeiouyàâäéèêëîïôöùûüœæ]", re.IGNORECASE)
_ELIDED = {"de": "d'", "que": "qu'", "le": "l'", "la": "l'", "je": "j'", "ne": "n'", "se": "s'", "lorsque": "lorsqu'"}


def elide(word: str, following: str) -> str:
    """`word` before `following` with French elision: (« de », « Alice ») -> « d'Alice »."""
    following = following.strip()
    if word in _ELIDED and following and _VOWEL_START.match(following):
        return _ELIDED[word] + following
    return f"{word} {following}"

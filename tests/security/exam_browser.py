"""A minimal candidate's browser for the attempt pages: reads questions, answers as attempt.js does."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class AttemptPage(HTMLParser):
    """The fieldsets of an attempt page: position, type, and the values each control offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.questions: dict[int, dict] = {}
        self._current: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset" and "data-position" in a:
            self._current = {"type": a["data-type"], "inputs": {}, "selects": {}}
            self.questions[int(a["data-position"])] = self._current
        elif self._current is not None and tag == "input" and a.get("name", "").startswith("q"):
            self._current["inputs"].setdefault(a["name"], []).append(a.get("value", ""))
        elif self._current is not None and tag == "select":
            self._select = a["name"]
            self._current["selects"][self._select] = []
        elif self._select and tag == "option" and a.get("value"):
            self._current["selects"][self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "fieldset":
            self._current = None


def questions(page_html: str) -> dict[int, dict]:
    parser = AttemptPage()
    parser.feed(page_html)
    return parser.questions


def an_answer(position: int, question: dict, variant: int = 0):
    """A well-formed response for the question, in the shapes attempt.js sends; `variant` picks another."""
    kind, inputs, selects = question["type"], question["inputs"], question["selects"]
    name = f"q{position}"
    if kind == "single":
        values = inputs[name]
        return values[variant % len(values)]
    if kind == "truefalse":
        return variant % 2 == 0
    if kind == "multiple":
        values = inputs[name]
        return [values[variant % len(values)]]
    if kind in ("numeric", "calculated"):
        return str(100 + variant)
    if kind == "short":
        return ("marge brute", "excédent")[variant % 2]
    if kind == "ordering":
        ids = [n.removeprefix(f"{name}-rank-") for n in selects]
        return ids[variant % len(ids):] + ids[:variant % len(ids)]
    if kind == "matching":
        lefts = [n.removeprefix(f"{name}-match-") for n in selects]
        rights = next(iter(selects.values()))
        return {left: rights[(i + variant) % len(rights)] for i, left in enumerate(lefts)}
    raise AssertionError(kind)


def visible_text(markup: str) -> str:
    """The words of an HTML document or fragment, tags removed, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(text).split()).lower()

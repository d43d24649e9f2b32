"""Test helpers shared by integration and browser tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXAM_BANK = FIXTURES / "exam-bank.md"


def correct_response(payload: dict):
    """The response that scores full marks for a question payload."""
    kind = payload["type"]
    if kind == "single":
        return next(c["id"] for c in payload["choices"] if c["correct"] and c.get("weight", "100") == "100")
    if kind == "multiple":
        return [c["id"] for c in payload["choices"] if c["correct"]]
    if kind == "truefalse":
        return payload["answer"]
    if kind == "numeric":
        return payload["answer"].replace(".", ",")
    if kind == "ordering":
        return [i["id"] for i in payload["items"]]
    if kind == "matching":
        return {p["left_id"]: p["right_id"] for p in payload["pairs"]}
    if kind == "short":
        return next(a["text"] for a in payload["answers"] if a["weight"] == "100")
    raise ValueError(kind)


def shown(item, response):
    """A response in the terms the browser sees (choices by shown position) for an AttemptItem."""
    from quiz.exams.presentation import to_display

    return to_display(item.version.payload, item.option_order, response)


def key_for(item):
    """The full-marks response for an AttemptItem, as the browser would send it."""
    return shown(item, correct_response(item.version.payload))


def wrong_for(item):
    return shown(item, wrong_response(item.version.payload))


def wrong_response(payload: dict):
    kind = payload["type"]
    if kind == "single":
        return next(c["id"] for c in payload["choices"] if not c["correct"])
    if kind == "multiple":
        return [c["id"] for c in payload["choices"] if not c["correct"]]
    if kind == "truefalse":
        return not payload["answer"]
    if kind == "numeric":
        return "999999"
    if kind == "short":
        return "réponse sans rapport"
    if kind == "ordering":
        return list(reversed([i["id"] for i in payload["items"]]))
    if kind == "matching":
        rights = [p["right_id"] for p in payload["pairs"]]
        return {p["left_id"]: rights[(i + 1) % len(rights)] for i, p in enumerate(payload["pairs"])}
    raise ValueError(kind)


def review_options(policy: str) -> dict:
    """The review options matrix for a short name: "score" (the score at once, nothing else) or
    "review_after_close" (the score at once, the full review once the session has closed)."""
    from quiz.exams.models import DEFAULT_REVIEW, REVIEW_THINGS

    if policy == "score":
        return dict(DEFAULT_REVIEW)
    if policy == "review_after_close":
        return {thing: "after_close" for thing in REVIEW_THINGS} | {"score": "immediately"}
    raise ValueError(policy)


def text_of(response) -> str:
    """A page's HTML, entities decoded and French no-break spaces read as ordinary ones (for wording)."""
    import html

    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").replace("\u202f", " ")

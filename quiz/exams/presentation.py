"""What a candidate is shown of a question: never a key, a feedback or an explanation.

Everything served during an attempt goes through `candidate_view`; the corrected view used
after the session (`review_view`) is a separate function, so a key cannot leak by accident.
"""

from __future__ import annotations

from quiz.banks.render import render_inline, render_markdown

CHOICE_TYPES = ("single", "multiple")


def to_display(payload: dict, option_order: list[str], response):
    """A stored response in the terms the browser sees: choices by their shown position (1, 2…).

    A bank's choice ids follow the file's order, where a trainer may habitually put the right
    answer first: the browser only ever sees positions in this candidate's shuffled order.
    """
    if payload["type"] not in CHOICE_TYPES or response is None:
        return response
    shown = {cid: str(n) for n, cid in enumerate(option_order, start=1)}
    if isinstance(response, list):
        return [shown[c] for c in response if c in shown]
    return shown.get(response)


def from_display(payload: dict, option_order: list[str], raw):
    """The browser's response back in the bank's terms; an unknown position fails validation."""
    if payload["type"] not in CHOICE_TYPES:
        return raw

    def choice(value):
        text = str(value)
        if text.isdigit() and 1 <= int(text) <= len(option_order):
            return option_order[int(text) - 1]
        return f"invalide:{text}"

    if isinstance(raw, list):
        return [choice(v) for v in raw]
    return choice(raw) if raw not in (None, "") else raw


def candidate_view(payload: dict, option_order: list[str]) -> dict:
    kind = payload["type"]
    view = {"type": kind, "stem_html": render_markdown(payload["stem"]), "unit": payload.get("unit")}
    case = payload.get("case")
    if case:
        view["case"] = {"id": case["id"], "title": case["title"], "html": render_markdown(case["text"])}
    if kind in CHOICE_TYPES:
        texts = {c["id"]: c["text"] for c in payload["choices"]}
        view["options"] = [{"id": str(n), "html": render_inline(texts[cid])}
                           for n, cid in enumerate(option_order, start=1)]
    elif kind == "ordering":
        texts = {i["id"]: i["text"] for i in payload["items"]}
        view["options"] = [{"id": iid, "html": render_inline(texts[iid])} for iid in option_order]
    elif kind == "matching":
        view["columns"] = payload.get("columns") or ["", ""]
        view["lefts"] = sorted(
            ({"id": p["left_id"], "html": render_inline(p["left"])} for p in payload["pairs"]),
            key=lambda item: item["id"],
        )
        rights = {p["right_id"]: p["right"] for p in payload["pairs"]}
        view["rights"] = [{"id": rid, "text": rights[rid]} for rid in option_order]
    return view


def review_view(payload: dict, option_order: list[str], response) -> dict:
    """The corrected question: the candidate's answer, the key, feedback and explanation."""
    view = candidate_view(payload, option_order)
    kind = payload["type"]
    view["explanation_html"] = render_markdown(payload["explanation"])
    if kind in CHOICE_TYPES:
        by_id = {c["id"]: c for c in payload["choices"]}
        chosen = set(response if isinstance(response, list) else [response] if response else [])
        for option, choice_id in zip(view["options"], option_order, strict=True):
            choice = by_id[choice_id]
            option["correct"] = choice["correct"]
            option["chosen"] = choice_id in chosen
            option["feedback_html"] = render_markdown(choice["feedback"]) if choice.get("feedback") else ""
            option["weight"] = choice.get("weight")
    elif kind == "short":
        view["accepted"] = [{"text": a["text"], "weight": a["weight"],
                             "feedback_html": render_markdown(a["feedback"]) if a.get("feedback") else ""}
                            for a in payload["answers"] if float(a["weight"]) > 0]
        view["normalise"] = payload.get("normalise", [])
    elif kind == "truefalse":
        view["key"] = payload["answer"]
    elif kind == "numeric":
        view["key"] = payload["answer"]
        view["tolerance"] = payload["tolerance"]
        view["partial"] = payload.get("partial", [])
    elif kind == "ordering":
        view["key_html"] = [render_markdown(i["text"]) for i in payload["items"]]
        texts = {i["id"]: i["text"] for i in payload["items"]}
        view["given_html"] = [render_markdown(texts[i]) for i in (response or []) if i in texts]
    elif kind == "matching":
        rights = {p["right_id"]: p["right"] for p in payload["pairs"]}
        given = response if isinstance(response, dict) else {}
        view["key_pairs"] = [
            {"left_html": render_markdown(p["left"]), "right": p["right"],
             "given": rights.get(given.get(p["left_id"]), "")}
            for p in payload["pairs"]
        ]
    view["response"] = response
    return view


def is_answered(kind: str, response) -> bool:
    if response is None:
        return False
    if kind in ("multiple", "ordering"):
        return isinstance(response, list) and len(response) > 0
    if kind == "matching":
        return isinstance(response, dict) and any(response.values())
    if kind in ("numeric", "short"):
        return str(response).strip() != ""
    return True

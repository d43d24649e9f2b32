"""What a candidate is shown of a question: never a key, a feedback or an explanation.

Everything served during an attempt goes through `candidate_view`; the corrected view used
after the session (`review_view`) is a separate function, so a key cannot leak by accident.
"""

from __future__ import annotations

from quiz.banks.render import render_payload

CHOICE_TYPES = ("single", "multiple")
# Types whose option ids the browser sees as positions in this candidate's shown order.
SHOWN_BY_POSITION = ("single", "multiple", "ordering", "matching")


def _positions(option_order: list[str]) -> dict[str, str]:
    return {oid: str(n) for n, oid in enumerate(option_order, start=1)}


def to_display(payload: dict, option_order: list[str], response):
    """A stored response in the terms the browser sees: options by their shown position (1, 2…).

    A bank's ids follow the file (choices) or derive from public text (ordering items, matching
    rights), and a file may habitually put the right answer first: the browser only ever sees
    positions in this candidate's uniformly drawn order, which tell nothing about the key.
    """
    kind = payload["type"]
    if kind not in SHOWN_BY_POSITION or response is None:
        return response
    shown = _positions(option_order)
    if kind == "matching":
        return {left: shown.get(right) for left, right in response.items()} if isinstance(response, dict) else response
    if isinstance(response, list):
        return [shown[c] for c in response if c in shown]
    return shown.get(response)


def from_display(payload: dict, option_order: list[str], raw):
    """The browser's response back in the bank's terms; an unknown position fails validation."""
    kind = payload["type"]
    if kind not in SHOWN_BY_POSITION:
        return raw

    def option(value):
        text = str(value)
        if text.isdigit() and 1 <= int(text) <= len(option_order):
            return option_order[int(text) - 1]
        return f"invalide:{text}"

    if kind == "matching":
        if not isinstance(raw, dict):
            return raw
        return {left: option(v) if v not in (None, "") else v for left, v in raw.items()}
    if kind == "ordering" and isinstance(raw, dict):  # a rank per shown position
        return {option(position): rank for position, rank in raw.items()}
    if isinstance(raw, list):
        return [option(v) for v in raw]
    return option(raw) if raw not in (None, "") else raw


def candidate_view(payload: dict, option_order: list[str], html: dict | None = None) -> dict:
    """The question as shown, from the HTML stored at publication (`html`; rendered here without it)."""
    html = html or render_payload(payload)
    kind = payload["type"]
    view = {"type": kind, "stem_html": html["stem"], "unit": payload.get("unit")}
    case = payload.get("case")
    if case:
        view["case"] = {"id": case["id"], "title": case["title"], "html": html["case"]}
    if kind in CHOICE_TYPES:
        view["options"] = [{"id": str(n), "html": html["choices"][cid]["inline"]}
                           for n, cid in enumerate(option_order, start=1)]
    elif kind == "ordering":
        view["options"] = [{"id": str(n), "html": html["items"][iid]["inline"]}
                           for n, iid in enumerate(option_order, start=1)]
    elif kind == "matching":
        view["columns"] = payload.get("columns") or ["", ""]
        view["lefts"] = sorted(
            ({"id": p["left_id"], "html": html["lefts"][p["left_id"]]["inline"]} for p in payload["pairs"]),
            key=lambda item: item["id"],
        )
        rights = {p["right_id"]: p["right"] for p in payload["pairs"]}
        view["rights"] = [{"id": str(n), "text": rights[rid]} for n, rid in enumerate(option_order, start=1)]
    return view


def review_view(payload: dict, option_order: list[str], response, html: dict | None = None) -> dict:
    """The corrected question: the candidate's answer, the key, feedback and explanation."""
    html = html or render_payload(payload)
    view = candidate_view(payload, option_order, html)
    kind = payload["type"]
    view["explanation_html"] = html["explanation"]
    if kind in CHOICE_TYPES:
        by_id = {c["id"]: c for c in payload["choices"]}
        chosen = set(response if isinstance(response, list) else [response] if response else [])
        for option, choice_id in zip(view["options"], option_order, strict=True):
            choice = by_id[choice_id]
            option["correct"] = choice["correct"]
            option["chosen"] = choice_id in chosen
            option["feedback_html"] = html["choices"][choice_id]["feedback"]
            option["weight"] = choice.get("weight")
    elif kind == "short":
        view["accepted"] = [{"text": a["text"], "weight": a["weight"], "feedback_html": html["answers"][n]}
                            for n, a in enumerate(payload["answers"]) if float(a["weight"]) > 0]
        view["normalise"] = payload.get("normalise", [])
    elif kind == "truefalse":
        view["key"] = payload["answer"]
    elif kind == "numeric":
        view["key"] = payload["answer"]
        view["key_shown"] = payload.get("key_shown")  # a calculated question's key, as its explanation shows it
        view["tolerance"] = payload["tolerance"]
        view["partial"] = payload.get("partial", [])
    elif kind == "ordering":
        view["key_html"] = [html["items"][i["id"]]["block"] for i in payload["items"]]
        view["given_html"] = [html["items"][i]["block"] for i in (response or []) if i in html["items"]]
    elif kind == "matching":
        rights = {p["right_id"]: p["right"] for p in payload["pairs"]}
        given = response if isinstance(response, dict) else {}
        view["key_pairs"] = [
            {"left_html": html["lefts"][p["left_id"]]["block"], "right": p["right"],
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
    if kind in ("numeric", "calculated", "short"):
        return str(response).strip() != ""
    return True

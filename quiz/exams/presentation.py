"""What a candidate is shown of a question: never a key, a feedback or an explanation.

Everything served during an attempt goes through `candidate_view`; the corrected view used
after the session (`review_view`) is a separate function, so a key cannot leak by accident.
"""

from __future__ import annotations

from quiz.banks.render import render_inline, render_markdown


def candidate_view(payload: dict, option_order: list[str]) -> dict:
    kind = payload["type"]
    view = {"type": kind, "stem_html": render_markdown(payload["stem"]), "unit": payload.get("unit")}
    if kind in ("single", "multiple"):
        texts = {c["id"]: c["text"] for c in payload["choices"]}
        view["options"] = [{"id": cid, "html": render_inline(texts[cid])} for cid in option_order]
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
    if kind in ("single", "multiple"):
        by_id = {c["id"]: c for c in payload["choices"]}
        chosen = set(response if isinstance(response, list) else [response] if response else [])
        for option in view["options"]:
            choice = by_id[option["id"]]
            option["correct"] = choice["correct"]
            option["chosen"] = option["id"] in chosen
            option["feedback_html"] = render_markdown(choice["feedback"]) if choice.get("feedback") else ""
    elif kind == "truefalse":
        view["key"] = payload["answer"]
    elif kind == "numeric":
        view["key"] = payload["answer"]
        view["tolerance"] = payload["tolerance"]
    elif kind == "ordering":
        view["key_html"] = [render_markdown(i["text"]) for i in payload["items"]]
        texts = {i["id"]: i["text"] for i in payload["items"]}
        view["given_html"] = [render_markdown(texts[i]) for i in (response or []) if i in texts]
    elif kind == "matching":
        rights = {p["right_id"]: p["right"] for p in payload["pairs"]}
        given = response if isinstance(response, dict) else {}
        view["key_pairs"] = [
            {"left_html": render_markdown(p["left"]), "right": p["right"], "given": rights.get(given.get(p["left_id"]), "")}
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
    if kind == "numeric":
        return str(response).strip() != ""
    return True

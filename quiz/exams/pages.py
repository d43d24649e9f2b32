"""What the attempt, result and review pages show, built from an attempt (no business rules here)."""

from __future__ import annotations

from quiz.banks.calculated import instantiate
from quiz.banks.render import render_payload
from quiz.banks.store import payloads, rendered
from quiz.exams import late, service
from quiz.exams.models import Attempt
from quiz.exams.presentation import candidate_view, review_view, to_display
from quiz.referential import load_referential


def shown_question(payload: dict, html: dict, instance: dict | None) -> tuple[dict, dict]:
    """The payload and HTML of a drawn question as this candidate sees it: a calculated question
    with the figures of its instance (rendered here: only these items pay for it)."""
    if instance is None:
        return payload, html
    shown = instantiate(payload, instance)
    return shown, render_payload(shown)


def _item_view(item, payload: dict, html: dict) -> dict:
    payload, html = shown_question(payload, html, item.instance)
    return {
        "position": item.position,
        "type": payload["type"],
        "view": candidate_view(payload, item.option_order, html),
        "response": to_display(payload, item.option_order, item.response),
        "flagged": item.flagged,
        "answered": item.answered,
    }


def _case_id(payload: dict) -> str | None:
    return (payload.get("case") or {}).get("id")


def _with_cases(views: list[dict], shown_payloads: list[dict]) -> list[dict]:
    """Mark the first question of each case on the page: the case text is shown once, above it."""
    previous = None
    for view, payload in zip(views, shown_payloads, strict=True):
        case = _case_id(payload)
        view["case_start"] = case is not None and case != previous
        previous = case
    return views


def attempt_page(attempt: Attempt, position: int | None) -> dict:
    """Every question is on the page, one shown at a time (a case's questions together) or all:
    moving between them needs no network. The questions' HTML is the one stored at publication."""
    items = service.attempt_items(attempt)
    total = len(items)
    one_by_one = attempt.display_mode != "all"
    current = min(max(position or 1, 1), total) if total else 1
    ids = [i.question_version_id for i in items]
    by_id, html = payloads(ids), rendered(ids)
    visible = [i for i in items if i.position == current]
    if visible:
        case = _case_id(by_id[visible[0].question_version_id])
        if case is not None:  # a case's questions are drawn next to each other and shown together
            visible = [i for i in items if _case_id(by_id[i.question_version_id]) == case]
    first = visible[0].position if visible else current
    last = visible[-1].position if visible else current
    thematic = load_referential().thematic(attempt.questionnaire.thematic)
    return {
        "attempt": attempt,
        "thematic": thematic,
        "items": _with_cases([_item_view(i, by_id[i.question_version_id], html[i.question_version_id]) for i in items],
                             [by_id[i.question_version_id] for i in items]),
        "visible": {i.position for i in visible},
        "previous_position": first - 1,
        "next_position": last + 1,
        "nav": [{"position": i.position, "answered": i.answered, "flagged": i.flagged} for i in items],
        "current": current,
        "total": total,
        "one_by_one": one_by_one,
        "remaining": service.remaining_seconds(attempt),
        "unanswered": sum(1 for i in items if not i.answered),
    }


def read_form_answers(attempt: Attempt, form) -> list[tuple[int, object, bool]]:
    """The answers of the questions shown on the posted page, as (position, raw response, flagged)."""
    by_position = {i.position: i for i in attempt.items}
    shown = [by_position[int(v)] for v in form.getlist("shown") if v.isdigit() and int(v) in by_position]
    by_id = payloads([i.question_version_id for i in shown])
    answers = []
    for item in shown:
        payload = by_id[item.question_version_id]
        key = f"q{item.position}"
        kind = payload["type"]
        if kind == "multiple":
            raw = form.getlist(key)
        elif kind == "ordering":
            positions = [str(n) for n in range(1, len(item.option_order) + 1)]
            raw = {n: form.get(f"{key}-rank-{n}", "") for n in positions}
        elif kind == "matching":
            raw = {p["left_id"]: form.get(f"{key}-match-{p['left_id']}", "") for p in payload["pairs"]}
        elif kind == "short":
            raw = " ".join(form.get(key, "").split())
        else:
            raw = form.get(key)
        flagged = form.get(f"flag{item.position}") == "1"
        if raw != to_display(payload, item.option_order, item.response) or flagged != item.flagged:
            answers.append((item.position, raw, flagged))
    return answers


def submit_page(attempt: Attempt) -> dict:
    """The hand-in page: what is still unanswered or flagged, each with a way back to it."""
    return {
        "attempt": attempt,
        "unanswered": [i.position for i in attempt.items if not i.answered],
        "flagged": [i.position for i in attempt.items if i.flagged],
        "remaining": service.remaining_seconds(attempt),
    }


def result_page(attempt: Attempt) -> dict:
    total = attempt.total or 0
    accepted = late.latest_decision(attempt.id, accepted=True)
    score = accepted.score if accepted else attempt.score
    return {
        "attempt": attempt,
        "thematic": load_referential().thematic(attempt.questionnaire.thematic),
        "score": score,
        "passed": accepted.passed if accepted else attempt.passed,
        "rescored": accepted,
        "ratio": (score / total) if total else 0,
        "threshold": load_referential().pass_threshold,
        "shown": service.shown_after(attempt),
        "can_review": service.can_review(attempt),
        "late_rows": late.rows(attempt),
        "counted": sum(1 for i in attempt.items if i.answered),
    }


def review_page(attempt: Attempt) -> dict:
    html = rendered([i.question_version_id for i in attempt.items])
    items = []
    for i in attempt.items:
        payload, shown_html = shown_question(i.version.payload, html[i.question_version_id], i.instance)
        items.append({"position": i.position, "type": payload["type"], "credit": i.credit, "answered": i.answered,
                      "view": review_view(payload, i.option_order, i.response, shown_html)})
    return result_page(attempt) | {"items": _with_cases(items, [i.version.payload for i in attempt.items])}

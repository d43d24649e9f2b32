"""What the attempt, result and review pages show, built from an attempt (no business rules here)."""

from __future__ import annotations

from quiz.banks.store import payloads
from quiz.exams import late, service
from quiz.exams.models import Attempt
from quiz.exams.presentation import candidate_view, review_view, to_display
from quiz.referential import load_referential


def _item_view(item, payload: dict) -> dict:
    return {
        "position": item.position,
        "type": payload["type"],
        "view": candidate_view(payload, item.option_order),
        "response": to_display(payload, item.option_order, item.response),
        "flagged": item.flagged,
        "answered": item.answered,
    }


def attempt_page(attempt: Attempt, position: int | None) -> dict:
    """Every question is on the page, one shown at a time or all: moving between them needs no network."""
    items = attempt.items
    total = len(items)
    one_by_one = attempt.display_mode != "all"
    current = min(max(position or 1, 1), total) if total else 1
    shown = list(items)
    by_id = payloads([i.question_version_id for i in shown])
    thematic = load_referential().thematic(attempt.questionnaire.thematic)
    return {
        "attempt": attempt,
        "thematic": thematic,
        "items": [_item_view(i, by_id[i.question_version_id]) for i in shown],
        "nav": [{"position": i.position, "answered": i.answered, "flagged": i.flagged} for i in items],
        "current": current,
        "total": total,
        "one_by_one": one_by_one,
        "remaining": service.remaining_seconds(attempt),
        "unanswered": service.unanswered_count(attempt),
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
            raw = {iid: form.get(f"{key}-rank-{iid}", "") for iid in item.option_order}
        elif kind == "matching":
            raw = {p["left_id"]: form.get(f"{key}-match-{p['left_id']}", "") for p in payload["pairs"]}
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
    return result_page(attempt) | {
        "items": [
            {"position": i.position, "type": i.version.payload["type"], "credit": i.credit, "answered": i.answered,
             "view": review_view(i.version.payload, i.option_order, i.response)}
            for i in attempt.items
        ]
    }

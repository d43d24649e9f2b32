"""Late answers: what a device still held when the time was over, and the administrator's decision.

The server owns time, so a late answer never counts by itself; it is kept, shown to the
candidate and to the session's follow-up, and an administrator accepts it (the attempt is
rescored, the ledger gets a correction entry) or rejects it, always with a reason. The
attempt's own rows stay as they were finalised: the rescore lives in the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from quiz.accounts.models import User
from quiz.audit.service import record
from quiz.banks.calculated import instantiate
from quiz.banks.model import Question
from quiz.exams.models import Attempt, ExamSession, LateAnswer, LateDecision
from quiz.exams.presentation import to_display
from quiz.extensions import db
from quiz.referential import load_referential
from quiz.scoring import grade, score_response
from quiz.timeutil import utcnow


class DecisionError(ValueError):
    """A decision that cannot be taken; the message is French."""


def late_answers(attempt_id: int) -> list[LateAnswer]:
    return list(db.session.execute(
        select(LateAnswer).where(LateAnswer.attempt_id == attempt_id).order_by(LateAnswer.position, LateAnswer.id)
    ).scalars())


def latest_decision(attempt_id: int, *, accepted: bool | None = None) -> LateDecision | None:
    query = select(LateDecision).where(LateDecision.attempt_id == attempt_id)
    if accepted is not None:
        query = query.where(LateDecision.accepted.is_(accepted))
    return db.session.execute(query.order_by(LateDecision.id.desc())).scalars().first()


@dataclass(frozen=True)
class LateRow:
    """A late answer as people read it: the question, what was sent, when, and what became of it."""

    answer: LateAnswer
    shown: object
    counted: object

    @property
    def status(self) -> str:
        if self.answer.decision is None:
            return "pending"
        return "accepted" if self.answer.decision.accepted else "rejected"


def rows(attempt: Attempt) -> list[LateRow]:
    """The attempt's late answers beside the answer that was counted for the same question."""
    by_position = {i.position: i for i in attempt.items}
    result = []
    for late in late_answers(attempt.id):
        item = by_position[late.position]
        payload = item.version.payload
        result.append(LateRow(late, to_display(payload, item.option_order, late.response),
                              to_display(payload, item.option_order, item.response)))
    return result


@dataclass(frozen=True)
class Incident:
    attempt: Attempt
    pending: int
    total: int
    decision: LateDecision | None


def incidents(session: ExamSession) -> list[Incident]:
    """The session's attempts that received late answers, with how many still await a decision."""
    attempts = db.session.execute(
        select(Attempt).where(Attempt.session_id == session.id,
                              Attempt.id.in_(select(LateAnswer.attempt_id))).order_by(Attempt.id)
    ).scalars().all()
    result = []
    for attempt in attempts:
        answers = late_answers(attempt.id)
        result.append(Incident(attempt, sum(1 for a in answers if a.decision_id is None), len(answers),
                               latest_decision(attempt.id)))
    return result


def _responses_with(attempt: Attempt, accepted: list[LateAnswer]) -> dict[int, object]:
    """The attempt's responses with the accepted late answers in place (the latest sent per question)."""
    responses = {i.position: i.response for i in attempt.items}
    for late in sorted(accepted, key=lambda a: (a.device_at or a.received_at, a.id)):
        responses[late.position] = late.response
    return responses


def decide(attempt_id: int, accept: bool, reason: str, actor: User) -> LateDecision:
    """Accept or reject the attempt's pending late answers, with a reason, in one audited transaction.

    Accepting rescores the attempt with every late answer accepted so far and corrects its E2
    ledger entries (trial attempts have none).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Indiquez le motif de la décision : il est inscrit au journal.")
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not attempt.finished:
        raise LookupError(attempt_id)
    pending = [a for a in late_answers(attempt_id) if a.decision_id is None]
    if not pending:
        raise DecisionError("Aucune réponse tardive n'attend de décision pour cette tentative.")
    decision = LateDecision(attempt_id=attempt_id, accepted=accept, reason=reason, decided_by_id=actor.id,
                            decided_at=utcnow())
    if accept:
        accepted = [a for a in late_answers(attempt_id) if a.decision is not None and a.decision.accepted]
        responses = _responses_with(attempt, accepted + pending)
        credits = [score_response(Question.from_payload(instantiate(i.version.payload, i.instance)),
                                  responses[i.position])
                   for i in attempt.items]
        result = grade(credits, load_referential().pass_threshold)
        decision.score, decision.total, decision.passed = _decimal(result.score), result.total, result.passed
        if not attempt.trial:
            from quiz.ledger.service import record_e2_correction

            record_e2_correction(attempt_id, result.passed, result.ratio, reason, actor.id)
    db.session.add(decision)
    db.session.flush()
    for late in pending:
        late.decision_id = decision.id
    record("attempt.late_answers." + ("accept" if accept else "reject"), target=attempt, commit=False,
           details={"reason": reason, "answers": [a.id for a in pending],
                    "score": str(decision.score) if accept else None})
    db.session.commit()
    return decision


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))

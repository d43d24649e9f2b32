"""E3 written online: a timed attempt on the exams engine whose single item is the candidate's text.

The clock is the exams engine's: the same extra time (the exact fraction of the accommodation),
the same grace, the same late answers, the same page script. The deadline is fixed at the start
and never passes the session's closing. The text is saved by one conditional UPDATE that only
succeeds while the attempt is open, as an E2 answer is; the hand-in (by the candidate, by the page
at 0:00 or by the servers' sweeper) is one conditional UPDATE that only one caller wins, and the
winner turns the text into the session's copy in the same transaction: a deposit version with the
text and its PDF, a receipt, a mail. From there the copy is marked like any deposit.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from quiz import storage
from quiz.accounts.models import User
from quiz.assessments import service
from quiz.assessments.models import AssessmentSession, CaseStudyVersion, DepositFile, DepositVersion, OnlineAttempt
from quiz.assessments.receipts import answer_pdf, receipt_pdf
from quiz.audit.service import record
from quiz.exams.models import Attempt, AttemptItem, LateAnswer, LateDecision
from quiz.exams.service import (
    AUTO_HAND_IN_TOLERANCE,
    LATE_ANSWERS_PER_QUESTION,
    AttemptClosed,
    ExamError,
    LateStored,
    NotAllowed,
    Progress,
    attempt_duration,
    extra_time,
    grace,
    is_over,
    seconds_left,
)
from quiz.extensions import db
from quiz.notifications.service import Attachment, enqueue
from quiz.timeutil import utcnow

MAX_ANSWER = 100_000
POSITION = 1  # the answer is the attempt's only item

_items = AttemptItem.__table__
_attempts = Attempt.__table__

_OPEN_AND_MINE = exists().where(_attempts.c.id == _items.c.attempt_id, _attempts.c.status == "in_progress",
                                _attempts.c.candidate_id == bindparam("candidate"),
                                _attempts.c.questionnaire_id.is_(None))
_WRITE = (
    update(_items)
    .where(_items.c.attempt_id == bindparam("attempt"), _items.c.position == POSITION, _OPEN_AND_MINE)
    .values(response=bindparam("text"), answered=bindparam("filled"), saved_at=bindparam("now"))
    .returning(select(_attempts.c.deadline).where(_attempts.c.id == _items.c.attempt_id).scalar_subquery())
)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def too_long(length: int) -> str:
    return (f"Réponse trop longue : {_thousands(MAX_ANSWER)} caractères au plus, votre texte en compte "
            f"{_thousands(length)}. Raccourcissez-le : cette version n'est pas enregistrée, la précédente l'est.")


# --- starting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What the candidate is told before the clock starts."""

    session: AssessmentSession
    version: CaseStudyVersion
    duration: timedelta
    deadline: datetime
    cut_by_closing: bool
    extra: Fraction


def mine(session: AssessmentSession, candidate_id: int) -> OnlineAttempt | None:
    return db.session.execute(select(OnlineAttempt).where(
        OnlineAttempt.session_id == session.id, OnlineAttempt.candidate_id == candidate_id)).scalar_one_or_none()


def start_terms(candidate: User, session: AssessmentSession, now: datetime | None = None) -> Terms:
    """The duration (the case study's, plus the accommodation's exact extra time) and the deadline,
    never past the session's closing, were it started now; ExamError when it cannot start."""
    now = now or utcnow()
    if not session.online or not service.is_convened(session, candidate):
        raise NotAllowed("Cette épreuve en ligne n'est pas ouverte à votre cohorte.")
    if session.finalised_at is not None:
        raise ExamError("Les résultats de cette épreuve sont publiés : elle est close.")
    if now < session.opens_at:
        raise ExamError(f"L'épreuve ouvre le {service.local_datetime(session.opens_at)}.")
    if now >= session.deadline_at:
        raise ExamError(f"L'épreuve est close depuis le {service.local_datetime(session.deadline_at)}.")
    version = session.case_study.current if session.case_study else None
    if version is None:
        raise ExamError("Aucune étude de cas n'est associée à cette épreuve : prévenez le centre.")
    extra = extra_time(candidate.id)
    full = attempt_duration(version, candidate.id, extra)
    deadline = min(now + full, session.deadline_at)
    return Terms(session, version, deadline - now, deadline, deadline < now + full, extra)


def start(candidate: User, session: AssessmentSession, now: datetime | None = None) -> int:
    """Start (or resume) the candidate's answer; starting twice, even at once, gives the same attempt."""
    now = now or utcnow()
    existing = mine(session, candidate.id)
    if existing is not None:
        if existing.attempt.status == "in_progress" and is_over(existing.attempt.deadline, now):
            finalise(existing.attempt_id, "deadline", now)
            raise AttemptClosed("Le temps imparti est écoulé : votre copie a été remise automatiquement.")
        return existing.attempt_id
    terms = start_terms(candidate, session, now)
    attempt = Attempt(questionnaire_id=None, session_id=None, candidate_id=candidate.id, number=1, trial=False,
                      status="in_progress", started_at=now, deadline=terms.deadline, display_mode="one")
    attempt.items = [AttemptItem(position=POSITION, question_version_id=None, option_order=[], response=None,
                                 answered=False, flagged=False)]
    db.session.add(attempt)
    try:
        db.session.flush()
        db.session.add(OnlineAttempt(attempt_id=attempt.id, session_id=session.id, candidate_id=candidate.id,
                                     case_study_version_id=terms.version.id))
        record("assessment.online_started", target=attempt, commit=False,
               details={"session": session.id, "case_study_version": terms.version.id,
                        "deadline": terms.deadline.isoformat()})
        attempt_id = attempt.id
        db.session.commit()
    except IntegrityError:  # the candidate's other request won the race: its attempt is the one
        db.session.rollback()
        return mine(session, candidate.id).attempt_id
    return attempt_id


# --- writing -------------------------------------------------------------------------------------


def own(attempt_id: int, user: User, now: datetime | None = None) -> OnlineAttempt:
    """The user's own online answer (handed in first if its time is over); LookupError otherwise."""
    online = db.session.get(OnlineAttempt, attempt_id)
    if online is None or online.candidate_id != user.id:
        raise LookupError(attempt_id)
    now = now or utcnow()
    if online.attempt.status == "in_progress" and is_over(online.attempt.deadline, now):
        finalise(attempt_id, "deadline", now)
        db.session.expire_all()
        online = db.session.get(OnlineAttempt, attempt_id)
    return online


def text_of(online: OnlineAttempt) -> str:
    item = db.session.execute(select(_items.c.response).where(
        _items.c.attempt_id == online.attempt_id, _items.c.position == POSITION)).scalar_one_or_none()
    return item if isinstance(item, str) else ""


def save_text(candidate_id: int, attempt_id: int, raw, *, now: datetime | None = None,
              device_at: datetime | None = None) -> int:
    """Store the whole text while the attempt is open; returns the seconds left.

    One conditional UPDATE, acknowledged only if the attempt was open (deadline + grace, read by the
    same statement). After the end the text the device held is kept apart as a late answer
    (`LateStored`). LookupError for an attempt that is not the candidate's.
    """
    now = now or utcnow()
    if raw is not None and not isinstance(raw, str):
        raise ExamError("Réponse invalide : un texte est attendu.")
    text = (raw or "").replace("\r\n", "\n")
    if len(text) > MAX_ANSWER:
        raise ExamError(too_long(len(text)))
    try:
        written = db.session.execute(_WRITE, {"attempt": attempt_id, "candidate": candidate_id, "text": text or None,
                                              "filled": bool(text.strip()), "now": now}).first()
    except IntegrityError:  # handed in while this save waited: the finished attempt's triggers refuse it
        db.session.rollback()
        written = None
    if written is None:
        owned = db.session.execute(select(Attempt.id).join(OnlineAttempt, OnlineAttempt.attempt_id == Attempt.id)
                                   .where(Attempt.id == attempt_id, Attempt.candidate_id == candidate_id)).first()
        if owned is None:
            db.session.rollback()
            raise LookupError(attempt_id)
        _refuse(attempt_id, now, text, device_at)
    if is_over(written[0], now):
        _refuse(attempt_id, now, text, device_at)
    db.session.commit()
    return seconds_left(written[0], now)


def _refuse(attempt_id: int, now: datetime, text: str, device_at: datetime | None) -> None:
    """A save after the end: the attempt is handed in (if nobody did) and the save refused; when the
    clock ended it, the text is kept as a late answer, never counted unless the centre accepts it."""
    db.session.rollback()
    status, deadline = db.session.execute(
        select(Attempt.status, Attempt.deadline).where(Attempt.id == attempt_id)).one()
    if status == "in_progress" and is_over(deadline, now):
        finalise(attempt_id, "deadline", now)
    finished_by, kept = db.session.execute(
        select(Attempt.finished_by,
               select(func.count()).where(LateAnswer.attempt_id == attempt_id).scalar_subquery())
        .where(Attempt.id == attempt_id)).one()
    if finished_by == "deadline" and kept < LATE_ANSWERS_PER_QUESTION:
        db.session.add(LateAnswer(attempt_id=attempt_id, position=POSITION, response=text, device_at=device_at,
                                  received_at=now))
        db.session.commit()
        raise LateStored("Le temps était écoulé : le texte gardé sur votre appareil est conservé à part, comme "
                         "réponse tardive. Votre copie est celle enregistrée avant la fin, sauf décision du centre.")
    db.session.rollback()
    raise AttemptClosed("Texte refusé : votre copie est remise, avec le texte enregistré avant la fin.")


def progress(candidate_id: int, attempt_id: int, now: datetime | None = None) -> Progress:
    """What the page polls for (handing in an attempt whose time is over)."""
    now = now or utcnow()
    row = db.session.execute(
        select(Attempt.status, Attempt.deadline).join(OnlineAttempt, OnlineAttempt.attempt_id == Attempt.id)
        .where(Attempt.id == attempt_id, Attempt.candidate_id == candidate_id)).one_or_none()
    if row is None:
        raise LookupError(attempt_id)
    if row.status != "in_progress":
        return Progress("finished", 0, None)
    if is_over(row.deadline, now):
        finalise(attempt_id, "deadline", now)
        return Progress("finished", 0, None)
    return Progress("in_progress", seconds_left(row.deadline, now), None)


# --- handing in ----------------------------------------------------------------------------------


def hand_in(online: OnlineAttempt, now: datetime | None = None, *, auto: bool = False) -> None:
    """The candidate hands in (or their page does, `auto`, at 0:00: then it is the deadline's once the
    server agrees the time is nearly over); a second hand-in changes nothing."""
    now = now or utcnow()
    attempt_id, deadline = online.attempt_id, online.attempt.deadline
    if online.attempt.status == "in_progress":
        by_deadline = is_over(deadline, now) or (auto and now >= deadline - AUTO_HAND_IN_TOLERANCE)
        finalise(attempt_id, "deadline" if by_deadline else "candidate", now)


_LOCK_TEXT = (select(_items.c.response).where(_items.c.attempt_id == bindparam("attempt"))
              .with_for_update(of=_items))  # waits for a save in flight, which then is in the copy
_CLOSE = (update(_attempts)
          .where(_attempts.c.id == bindparam("attempt"), _attempts.c.status == "in_progress",
                 _attempts.c.questionnaire_id.is_(None))
          .values(status="finished", finished_at=bindparam("now"), finished_by=bindparam("reason")))


def finalise(attempt_id: int, reason: str, now: datetime | None = None) -> bool:
    """Close the attempt and make its copy, once: True for the caller that did it.

    The text is locked and read (SQLite: the write lock is taken first), one conditional UPDATE
    closes the attempt, and the copy (deposit version with the text and its anonymous PDF, receipt,
    mail) is written in the same transaction; the loser of a race writes nothing.
    """
    now = now or utcnow()
    db.session.rollback()
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    locked = db.session.execute(_LOCK_TEXT, {"attempt": attempt_id}).first()
    won = db.session.execute(_CLOSE, {"attempt": attempt_id, "now": now, "reason": reason}).rowcount == 1
    if locked is None or not won:
        db.session.rollback()
        return False
    online = db.session.get(OnlineAttempt, attempt_id)
    text = locked.response if isinstance(locked.response, str) else ""
    version = _copy(online, text, now)
    record("assessment.online_handed_in", target=online.submission, commit=False,
           details={"attempt": attempt_id, "by": reason, "reference": version.reference,
                    "characters": len(text), "sha256": version.files[0].sha256})
    db.session.commit()
    return True


def _copy(online: OnlineAttempt, text: str, now: datetime, *, late: bool = False) -> DepositVersion:
    """The text as a deposit version of the candidate's submission: the text file and its PDF."""
    session, candidate = online.session, online.attempt.candidate
    submission = service.submission_for(session, candidate)
    online.submission_id = submission.id
    online.submission = submission
    raw = text.encode("utf-8")
    digest = hashlib.sha256(raw).hexdigest()
    number = (db.session.execute(select(func.max(DepositVersion.number)).where(
        DepositVersion.submission_id == submission.id)).scalar() or 0) + 1
    pdf = answer_pdf(submission.anonymity_number, session.title, online.version.title,
                     service.local_datetime(now, seconds=True) + " (heure de Paris)", text, digest)
    stored_text, stored_pdf = storage.put(io.BytesIO(raw)), storage.put(io.BytesIO(pdf))
    code = online.version.case_study.code
    version = DepositVersion(submission=submission, number=number, reference=service.new_reference(),
                             deposited_at=now, late=late, deposited_by_id=candidate.id)
    version.files = [
        DepositFile(position=0, original_name=f"reponse-{code}.txt", stored_key=stored_text.key,
                    content_type="text/plain", size=stored_text.size, sha256=stored_text.sha256),
        DepositFile(position=1, original_name=f"reponse-{code}.pdf", stored_key=stored_pdf.key,
                    content_type="application/pdf", size=stored_pdf.size, sha256=stored_pdf.sha256),
    ]
    db.session.add(version)
    receipt = service.receipt_of(version, candidate)
    blob = storage.put(io.BytesIO(receipt_pdf(receipt)))
    version.receipt_key = blob.key
    enqueue(candidate.email, f"Accusé de remise {version.reference} — E3", service.receipt_mail(receipt),
            "deposit_receipt", user_id=candidate.id,
            attachments=[Attachment(blob.key, f"accuse-de-depot-{version.reference}.pdf", "application/pdf")])
    return version


def finalise_expired(now: datetime | None = None) -> int:
    """Hand in every online answer whose deadline plus grace has passed (the sweeper's turn)."""
    now = now or utcnow()
    ids = db.session.execute(
        select(OnlineAttempt.attempt_id).join(Attempt, Attempt.id == OnlineAttempt.attempt_id)
        .where(Attempt.status == "in_progress", Attempt.deadline < now - grace())).scalars().all()
    return sum(1 for attempt_id in ids if finalise(attempt_id, "deadline", now))


def decide_late(online: OnlineAttempt, accept: bool, reason: str, actor: User,
                now: datetime | None = None) -> LateDecision:
    """Accept or reject the answer's pending late texts, with a reason, in one audited transaction.

    Accepting makes the latest of them (by the device's time) a new version of the copy, marked
    late, which the assessors then mark; it is refused once a marking of the copy is handed in.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ExamError("Indiquez le motif de la décision : il est inscrit au journal.")
    pending = [a for a in late_answers(online) if a.decision_id is None]
    if not pending:
        raise ExamError("Aucune réponse tardive n'attend de décision pour cette copie.")
    if accept and online.submission and any(m.submitted_at for m in online.submission.markings):
        raise ExamError("Une correction de cette copie est déjà rendue : la réponse tardive ne peut plus la remplacer.")
    decision = LateDecision(attempt_id=online.attempt_id, accepted=accept, reason=reason, decided_by_id=actor.id,
                            decided_at=now)
    db.session.add(decision)
    db.session.flush()
    for late in pending:
        late.decision_id = decision.id
    reference = None
    if accept:
        chosen = max(pending, key=lambda a: (a.device_at or a.received_at, a.id))
        reference = _copy(online, chosen.response if isinstance(chosen.response, str) else "", now, late=True).reference
    record("assessment.online_late." + ("accept" if accept else "reject"), target=online.submission, commit=False,
           details={"reason": reason, "answers": [a.id for a in pending], "reference": reference})
    db.session.commit()
    return decision


def late_answers(online: OnlineAttempt) -> list[LateAnswer]:
    return list(db.session.execute(select(LateAnswer).where(LateAnswer.attempt_id == online.attempt_id)
                                   .order_by(LateAnswer.id)).scalars())


def session_answers(session: AssessmentSession) -> list[OnlineAttempt]:
    return list(db.session.execute(select(OnlineAttempt).where(OnlineAttempt.session_id == session.id)
                                   .order_by(OnlineAttempt.attempt_id)).scalars())


def answer(attempt_id: int) -> OnlineAttempt | None:
    return db.session.get(OnlineAttempt, attempt_id)


def for_submission(submission_id: int) -> OnlineAttempt | None:
    return db.session.execute(select(OnlineAttempt).where(
        OnlineAttempt.submission_id == submission_id)).scalar_one_or_none()


def document(online: OnlineAttempt, index: int) -> dict | None:
    """An attached document of the attempt's own case-study version (during and after the attempt)."""
    documents = online.version.documents or []
    return documents[index] if 0 <= index < len(documents) else None

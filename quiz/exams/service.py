"""The life of an attempt: start, save, submit, finalise — the server owns time and truth.

Races are settled by the database, not by process memory, so any number of workers can serve
one candidate: starting is made unique by a constraint; finalising is one conditional UPDATE
that only one caller can win; a save is one conditional UPDATE of its item that only succeeds
while the item has no credit, and returns the attempt's deadline as the database holds it (a
session closed early shortens it). The finalisation locks the items before reading them and writes
every credit in the transaction that closes the attempt, so a save in flight is either waited
for (and counted) or sees the credit (and is refused).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from flask import current_app
from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError

from quiz.accounts.models import User, cohort_members
from quiz.audit.service import current_actor_id
from quiz.banks.calculated import draw_instance, instantiate
from quiz.banks.model import Question as QuestionModel
from quiz.banks.numbers import parse_number
from quiz.banks.shortanswer import MAX_LENGTH as SHORT_MAX
from quiz.banks.store import Question, payloads
from quiz.cache import ImmutableRows
from quiz.exams import draw
from quiz.exams.models import (
    DEFAULT_REVIEW,
    REVIEW_THINGS,
    Accommodation,
    Attempt,
    AttemptItem,
    ExamSession,
    LateAnswer,
    Questionnaire,
    session_cohorts,
)
from quiz.exams.presentation import from_display, is_answered
from quiz.extensions import db
from quiz.referential import load_referential
from quiz.scoring import grade, score_response
from quiz.timeutil import utcnow


class ExamError(Exception):
    """Something a candidate did that cannot be honoured; the message is French and shown as is."""

    status = 400


class NotAllowed(ExamError):
    status = 403


class AttemptClosed(ExamError):
    status = 409


_items = AttemptItem.__table__
_attempts = Attempt.__table__
_sessions = ExamSession.__table__
_questionnaires = Questionnaire.__table__


def grace() -> timedelta:
    return timedelta(seconds=current_app.config.get("GRACE_SECONDS", 15))


def is_over(deadline: datetime, now: datetime) -> bool:
    """Past the deadline and its grace: nothing is accepted any more."""
    return now > deadline + grace()


def _hand_in_if_over(attempt_id: int, status: str, deadline: datetime, now: datetime) -> bool:
    """Finalise an attempt still open whose time is over (whoever wins the race); True if it was over."""
    if status == "in_progress" and is_over(deadline, now):
        finalise(attempt_id, "deadline", now)
        return True
    return False


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    session: ExamSession
    attempts: list[Attempt]
    attempts_left: int
    minutes_available: int
    cut_by_closing: bool

    @property
    def in_progress(self) -> Attempt | None:
        return next((a for a in self.attempts if not a.finished), None)


@dataclass(frozen=True)
class CandidateSessions:
    open: list[SessionRow]
    upcoming: list[SessionRow]
    closed: list[SessionRow]


def sessions_of(candidate: User, now: datetime | None = None) -> CandidateSessions:
    """The sessions open to the candidate's cohorts, split by their window, with attempts."""
    now = now or utcnow()
    finalise_expired(now, candidate_id=candidate.id)
    sessions = db.session.execute(
        select(ExamSession)
        .join(session_cohorts, session_cohorts.c.session_id == ExamSession.id)
        .join(cohort_members, cohort_members.c.cohort_id == session_cohorts.c.cohort_id)
        .where(cohort_members.c.user_id == candidate.id)
        .distinct()
        .order_by(ExamSession.opens_at)
    ).scalars().all()
    attempts = db.session.execute(
        select(Attempt).where(Attempt.candidate_id == candidate.id, Attempt.session_id.is_not(None))
        .order_by(Attempt.number)
    ).scalars().all()
    rows = []
    extra = extra_time(candidate.id)
    for session in sessions:
        mine = [a for a in attempts if a.session_id == session.id]
        full = attempt_duration(session.questionnaire, candidate.id, extra)
        available = min(full, max(session.closes_at - max(now, session.opens_at), timedelta(0)))
        rows.append(SessionRow(session, mine, max(0, session.questionnaire.attempts_allowed - len(mine)),
                               minutes_available=int(available.total_seconds() // 60),
                               cut_by_closing=available < full))
    return CandidateSessions(
        open=[r for r in rows if r.session.is_open(now)],
        upcoming=[r for r in rows if r.session.opens_at > now],
        closed=[r for r in rows if r.session.closes_at <= now],
    )


def results_of(candidate_id: int) -> list[Attempt]:
    return list(db.session.execute(
        select(Attempt).where(Attempt.candidate_id == candidate_id, Attempt.status != "in_progress",
                              Attempt.trial.is_(False))
        .order_by(Attempt.finished_at.desc())
    ).scalars())


def get_attempt(attempt_id: int, user: User, now: datetime | None = None) -> Attempt:
    """The user's own attempt (finalised first if its time is over); 404 for anyone else's."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != user.id:
        raise LookupError(attempt_id)
    now = now or utcnow()
    if _hand_in_if_over(attempt.id, attempt.status, attempt.deadline, now):
        db.session.refresh(attempt)
    return attempt


def remaining_seconds(attempt: Attempt, now: datetime | None = None) -> int:
    return 0 if attempt.finished else seconds_left(attempt.deadline, now or utcnow())


def seconds_left(deadline: datetime, now: datetime) -> int:
    return max(0, int((deadline - now).total_seconds()))


def shown_after(attempt: Attempt, now: datetime | None = None) -> set[str]:
    """What the candidate may see of a finished attempt now (review options: what × when)."""
    if not attempt.finished:
        return set()
    if attempt.trial:
        return set(REVIEW_THINGS)
    closed = attempt.session is None or (now or utcnow()) >= attempt.session.closes_at
    options = DEFAULT_REVIEW | (attempt.questionnaire.review_options or {})
    return {thing for thing in REVIEW_THINGS
            if options[thing] == "immediately" or (options[thing] == "after_close" and closed)}


def can_review(attempt: Attempt, now: datetime | None = None) -> bool:
    """The question-by-question review opens when any of its parts may be shown."""
    return bool(shown_after(attempt, now) - {"score"})


# --- starting ---------------------------------------------------------------------------------


def extra_time(candidate_id: int) -> Fraction:
    """The candidate's extra time as an exact share of the duration (a tiers-temps is 1/3)."""
    row = db.session.execute(select(Accommodation).where(Accommodation.user_id == candidate_id)).scalar_one_or_none()
    return row.extra_time if row else Fraction(0)


def attempt_duration(questionnaire: Questionnaire, candidate_id: int, extra: Fraction | None = None) -> timedelta:
    """The questionnaire's duration plus the candidate's extra time, exactly, rounded up to the second."""
    extra = extra_time(candidate_id) if extra is None else extra
    seconds = questionnaire.duration_minutes * 60 * (1 + extra)
    return timedelta(seconds=-(-seconds.numerator // seconds.denominator))


@dataclass(frozen=True)
class StartTerms:
    """What the candidate is told before the clock starts."""

    session: ExamSession
    duration: timedelta
    deadline: datetime
    cut_by_closing: bool
    attempts_left: int
    extra: Fraction


def _in_session_cohorts(candidate_id: int, session_id: int) -> bool:
    return db.session.execute(
        select(exists().where(
            session_cohorts.c.session_id == session_id,
            session_cohorts.c.cohort_id == cohort_members.c.cohort_id,
            cohort_members.c.user_id == candidate_id,
        ))
    ).scalar()


def start_terms(candidate: User, session_id: int, now: datetime | None = None) -> StartTerms:
    """The duration (extra time included), the deadline and the attempts left, were it started now."""
    now = now or utcnow()
    session = db.session.get(ExamSession, session_id)
    if session is None or not _in_session_cohorts(candidate.id, session.id):
        raise NotAllowed("Ce questionnaire n'est pas ouvert à votre cohorte.")
    if not session.is_open(now):
        raise ExamError("Cette session n'est pas ouverte : vérifiez ses dates d'ouverture et de fermeture.")
    used = db.session.execute(
        select(func.count()).where(Attempt.session_id == session.id, Attempt.candidate_id == candidate.id)
    ).scalar_one()
    extra = extra_time(candidate.id)
    full = attempt_duration(session.questionnaire, candidate.id, extra)
    deadline = min(now + full, session.closes_at)
    return StartTerms(session, deadline - now, deadline, deadline < now + full,
                      max(0, session.questionnaire.attempts_allowed - used), extra)


def start_attempt(candidate: User, session_id: int, now: datetime | None = None) -> Attempt:
    """Start (or resume) the candidate's attempt; starting twice returns the same attempt."""
    return db.session.get(Attempt, start_attempt_id(candidate.id, session_id, now))


def start_attempt_id(candidate_id: int, session_id: int, now: datetime | None = None) -> int:
    """`start_attempt` as the start page needs it: the attempt's id, in as few statements as it takes.

    One query reads everything a start decides on (session, questionnaire, membership, the last
    attempt, extra time); the draw pool comes from this process's cache of the thematic's current
    versions; the attempt and its items are two inserts. The clock starts here, when the server
    handles the request: a request waiting in a queue has not started anything yet.
    """
    facts = db.session.execute(_START_FACTS, {"session": session_id, "candidate": candidate_id}).one_or_none()
    if facts is None or not facts.member:
        raise NotAllowed("Ce questionnaire n'est pas ouvert à votre cohorte.")
    now = now or utcnow()
    if facts.last_id is not None and facts.last_status == "in_progress":
        if _hand_in_if_over(facts.last_id, facts.last_status, facts.last_deadline, now):
            raise AttemptClosed("Le temps imparti à votre tentative est écoulé : elle a été remise automatiquement.")
        return facts.last_id
    if not facts.opens_at <= now < facts.closes_at:
        raise ExamError("Cette session n'est pas ouverte : vérifiez ses dates d'ouverture et de fermeture.")
    number = (facts.last_number or 0) + 1
    if number > facts.attempts_allowed:
        raise ExamError("Vous avez utilisé toutes les tentatives autorisées pour ce questionnaire.")
    extra = Fraction(facts.extra_num, facts.extra_den or 1) if facts.extra_num else Fraction(0)
    deadline = min(now + attempt_duration(facts, candidate_id, extra), facts.closes_at)
    try:
        attempt_id = _insert_attempt(facts, candidate_id, now, deadline, session_id=session_id, number=number)
        db.session.commit()
    except IntegrityError:  # the same candidate's other request won the race: its attempt is the one
        db.session.rollback()
        return db.session.execute(
            select(Attempt.id).where(Attempt.session_id == session_id, Attempt.candidate_id == candidate_id,
                                     Attempt.number == number)
        ).scalar_one()
    return attempt_id


def start_trial(trainer: User, questionnaire_id: int, now: datetime | None = None) -> Attempt:
    """A trainer takes a questionnaire as a candidate would, timed; it never reaches the ledger."""
    now = now or utcnow()
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise LookupError(questionnaire_id)
    deadline = now + timedelta(minutes=questionnaire.duration_minutes)
    attempt_id = _insert_attempt(questionnaire, trainer.id, now, deadline, session_id=None, number=1, trial=True)
    db.session.commit()
    return db.session.get(Attempt, attempt_id)


_last = _attempts.alias("last")
_START_FACTS = (
    select(
        _sessions.c.opens_at, _sessions.c.closes_at,
        _questionnaires.c.id, _questionnaires.c.thematic, _questionnaires.c.question_count,
        _questionnaires.c.duration_minutes, _questionnaires.c.draw_rule, _questionnaires.c.shuffle_options,
        _questionnaires.c.attempts_allowed,
        exists().where(session_cohorts.c.session_id == _sessions.c.id,
                       session_cohorts.c.cohort_id == cohort_members.c.cohort_id,
                       cohort_members.c.user_id == bindparam("candidate")).label("member"),
        select(Accommodation.__table__.c.extra_time_num)
        .where(Accommodation.__table__.c.user_id == bindparam("candidate")).scalar_subquery().label("extra_num"),
        select(Accommodation.__table__.c.extra_time_den)
        .where(Accommodation.__table__.c.user_id == bindparam("candidate")).scalar_subquery().label("extra_den"),
        _last.c.id.label("last_id"), _last.c.number.label("last_number"), _last.c.status.label("last_status"),
        _last.c.deadline.label("last_deadline"),
    )
    .join(_questionnaires, _questionnaires.c.id == _sessions.c.questionnaire_id)
    .outerjoin(_last, (_last.c.session_id == _sessions.c.id) & (_last.c.candidate_id == bindparam("candidate"))
               & (_last.c.number == select(func.max(_attempts.c.number))
                  .where(_attempts.c.session_id == _sessions.c.id,
                         _attempts.c.candidate_id == bindparam("candidate")).scalar_subquery()))
    .where(_sessions.c.id == bindparam("session"))
)
_CURRENT_VERSION_IDS = (
    select(Question.__table__.c.current_version_id)
    .where(Question.__table__.c.thematic == bindparam("thematic"), Question.__table__.c.retired_at.is_(None),
           Question.__table__.c.current_version_id.is_not(None))
)
_INSERT_ATTEMPT = insert(_attempts).returning(_attempts.c.id)
_INSERT_ITEMS = insert(_items)
# A thematic's draw pool, per set of current versions: built once, not for every candidate.
_pools = ImmutableRows(maxsize=256)


def _draw_pool(thematic: int) -> tuple[list[draw.Candidate], dict[int, dict]]:
    """The thematic's current versions as the draw sees them, and their payloads.

    Which versions are current is read on every start (a bank published a minute ago is drawn
    from at once, by every server); what is built from them is cached per set of versions.
    """
    ids = tuple(sorted(db.session.execute(_CURRENT_VERSION_IDS, {"thematic": thematic}).scalars()))
    key = _pools.key(ids)
    cached = _pools.get(key)
    if cached is None:
        by_id = payloads(list(ids))
        pool = [draw.Candidate(vid, int(p.get("difficulty", 2)), tuple(p.get("tags", ())),
                               group=(p.get("case") or {}).get("id"), rank=(p.get("case") or {}).get("position", 0),
                               valid_until=p.get("valid_until"))
                for vid, p in by_id.items()]
        cached = (sorted(pool, key=lambda c: c.version_id), by_id)
        _pools.put(key, cached)
    return cached


def _insert_attempt(questionnaire, candidate_id: int, now: datetime, deadline: datetime, *,
                    session_id: int | None, number: int, trial: bool = False) -> int:
    """Draw the questions and their option orders, insert the attempt and its items (not committed)."""
    pool, by_id = _draw_pool(questionnaire.thematic)
    if any(c.valid_until for c in pool):  # only banks with dated keys pay for the filter
        pool = draw.in_force(pool, getattr(questionnaire, "closes_at", deadline).date())
    if not pool:
        raise ExamError("La banque de questions de cette thématique est vide : prévenez votre formateur.")
    rng = random.SystemRandom()
    chosen = draw.draw(pool, questionnaire.question_count, questionnaire.draw_rule, rng)
    attempt_id = db.session.execute(_INSERT_ATTEMPT, {
        "session_id": session_id, "questionnaire_id": questionnaire.id, "candidate_id": candidate_id,
        "number": number, "trial": trial, "status": "in_progress", "started_at": now, "deadline": deadline,
        "display_mode": "one",
    }).scalar_one()
    db.session.execute(_INSERT_ITEMS, [
        {"attempt_id": attempt_id, "position": position, "question_version_id": pick.version_id,
         "option_order": draw.option_order(by_id[pick.version_id], questionnaire.shuffle_options, rng),
         "instance": draw_instance(by_id[pick.version_id], rng), "answered": False, "flagged": False}
        for position, pick in enumerate(chosen, start=1)
    ])
    return attempt_id


# --- answering --------------------------------------------------------------------------------


def normalise_response(payload: dict, raw):
    """The response in its stored shape, or an ExamError when it names options that do not exist."""
    kind = payload["type"]
    if raw is None or raw == "" or raw == []:
        return None
    if kind == "single":
        ids = {c["id"] for c in payload["choices"]}
        if not isinstance(raw, str) or raw not in ids:
            raise ExamError("Réponse invalide pour cette question.")
        return raw
    if kind == "multiple":
        ids = [c["id"] for c in payload["choices"]]
        if not isinstance(raw, list) or not set(raw) <= set(ids):
            raise ExamError("Réponse invalide pour cette question.")
        return [i for i in ids if i in raw]
    if kind == "truefalse":
        if raw in (True, "true", "vrai"):
            return True
        if raw in (False, "false", "faux"):
            return False
        raise ExamError("Réponse invalide : choisissez Vrai ou Faux.")
    if kind in ("numeric", "calculated"):
        text = str(raw).strip()[:40]
        if text and parse_number(text, payload.get("unit")) is None:
            raise ExamError(f"« {text} » n'est pas un nombre reconnu : écrivez par exemple 1 250,5 ou 42.5.")
        return text or None
    if kind == "short":
        text = " ".join(str(raw).split())
        if len(text) > SHORT_MAX:
            raise ExamError(f"Réponse trop longue : {SHORT_MAX} caractères au plus.")
        return text or None
    if kind == "ordering":
        ids = [i["id"] for i in payload["items"]]
        if isinstance(raw, dict):
            return _order_from_ranks(ids, raw)
        if not isinstance(raw, list) or sorted(raw) != sorted(ids):
            raise ExamError("Réponse invalide : chaque élément doit recevoir un rang.")
        return list(raw)
    if kind == "matching":
        lefts = {p["left_id"] for p in payload["pairs"]}
        rights = {p["right_id"] for p in payload["pairs"]}
        if not isinstance(raw, dict) or not set(raw) <= lefts or not set(v for v in raw.values() if v) <= rights:
            raise ExamError("Réponse invalide pour cette association.")
        cleaned = {k: v for k, v in raw.items() if v}
        return cleaned or None
    raise ExamError("Type de question inconnu.")


def _order_from_ranks(ids: list[str], ranks: dict):
    """The order given as a rank per element: incomplete is no answer yet, a rank given twice is refused."""
    if set(ranks) - set(ids):
        raise ExamError("Réponse invalide : chaque élément doit recevoir un rang.")
    given = {i: str(ranks.get(i) or "").strip() for i in ids}
    if not all(given.values()):
        return None
    if not all(r.isdigit() and 1 <= int(r) <= len(ids) for r in given.values()):
        raise ExamError(f"Réponse invalide : chaque rang va de 1 à {len(ids)}.")
    seen = sorted(int(r) for r in given.values())
    twice = next((a for a, b in pairwise(seen) if a == b), None)
    if twice is not None:
        raise ExamError(f"Deux éléments ont le même rang ({twice}) : donnez à chaque élément un rang différent, "
                        f"de 1 à {len(ids)}. Cette réponse n'est pas enregistrée.")
    return sorted(ids, key=lambda i: int(given[i]))


@dataclass(frozen=True)
class _Slot:
    """One drawn question as a save needs it. None of this changes once the attempt has started."""

    item_id: int
    version_id: int
    option_order: list
    candidate_id: int
    deadline: datetime


# 10,000 candidates × 20 questions; autosave is the hot path of an exam and these rows never change.
_slots = ImmutableRows(maxsize=250_000)

# The statements of the hot path are built once, with bound parameters: building and keying a
# statement costs more than SQLite takes to run it (bench/README.md).
_SLOTS_OF_ATTEMPT = (
    select(_items.c.position, _items.c.id, _items.c.question_version_id, _items.c.option_order,
           _attempts.c.candidate_id, _attempts.c.deadline)
    .join(_attempts, _attempts.c.id == _items.c.attempt_id)
    .where(_items.c.attempt_id == bindparam("attempt"))
)
_OWNED = select(_attempts.c.id).where(_attempts.c.id == bindparam("attempt"),
                                      _attempts.c.candidate_id == bindparam("candidate"))
_PROGRESS = (
    select(_attempts.c.status, _attempts.c.deadline,
           select(func.count()).where(_items.c.attempt_id == _attempts.c.id, _items.c.answered.is_(False))
           .scalar_subquery())
    .where(_attempts.c.id == bindparam("attempt"), _attempts.c.candidate_id == bindparam("candidate"))
)


@functools.cache
def _write_item(columns: tuple[str, ...]):
    """The autosave's one write, per set of columns written (answer, flag or both).

    Only an item without credit is written: the finalisation gives every item its credit in the
    transaction that closes the attempt, after locking the items, so a row still without credit
    belongs to an open attempt. The same statement returns the attempt's deadline as it is now:
    closing a session early shortens it, and a write past it is rolled back, not acknowledged.
    """
    deadline = select(_attempts.c.deadline).where(_attempts.c.id == _items.c.attempt_id).scalar_subquery()
    return (update(_items).where(_items.c.id == bindparam("item"), _items.c.credit.is_(None))
            .values({column: bindparam(f"new_{column}") for column in columns}).returning(deadline))


def _slot(attempt_id: int, position: int) -> _Slot | None:
    """The drawn question, from this process's cache or with all of its attempt's in one query."""
    key = _slots.key(attempt_id, position)
    slot = _slots.get(key)
    if slot is None:
        for at, *facts in db.session.execute(_SLOTS_OF_ATTEMPT, {"attempt": attempt_id}):
            _slots.put(_slots.key(attempt_id, at), _Slot(*facts))
        slot = _slots.get(key)
    return slot


class LateStored(AttemptClosed):
    """The attempt was over: the answer the device held is kept apart, as a late answer."""


def write_answer(candidate_id: int, attempt_id: int, position: int, *, raw=None, answer: bool = True,
                 flagged: bool | None = None, now: datetime | None = None,
                 device_at: datetime | None = None) -> int:
    """Store one answer (as the browser shows it; `answer=False` only flags) while the attempt is open.

    The write is a single conditional UPDATE: acknowledged only if the attempt was still open
    (deadline + grace, the deadline read by the same statement) at that instant, so an
    acknowledged save is always part of the result. After the end, an answer is stored as a late
    answer (`LateStored`), with the device's time `device_at`. Returns the seconds left.
    LookupError for an attempt that is not the candidate's.
    """
    now = now or utcnow()
    slot = _slot(attempt_id, position)
    if slot is None or slot.candidate_id != candidate_id:
        if db.session.execute(_OWNED, {"attempt": attempt_id, "candidate": candidate_id}).first() is None:
            raise LookupError(attempt_id)
        raise ExamError("Cette question ne fait pas partie de votre questionnaire.")
    values: dict = {"saved_at": now}
    if answer:
        payload = payloads([slot.version_id])[slot.version_id]
        response = normalise_response(payload, from_display(payload, slot.option_order, raw))
        values |= {"response": response, "answered": is_answered(payload["type"], response)}
    late = (position, values.get("response"), device_at) if answer else None
    if is_over(slot.deadline, now):  # the cached deadline is the latest it can be: it only ever shortens
        _refuse_late(attempt_id, now, late)
    if flagged is not None:
        values["flagged"] = bool(flagged)
    written = db.session.execute(
        _write_item(tuple(values)), {"item": slot.item_id} | {f"new_{k}": v for k, v in values.items()}
    ).first()
    if written is None or is_over(written[0], now):
        _refuse_late(attempt_id, now, late)
    db.session.commit()
    return seconds_left(written[0], now)


LATE_ANSWERS_PER_QUESTION = 3


def _refuse_late(attempt_id: int, now: datetime, late: tuple | None = None) -> None:
    """A save that came after the end: the attempt is handed in (if nobody did yet) and the save refused.

    When the time ran out (not when the candidate handed in), the answer is kept as a late
    answer: never discarded, never counted unless an administrator accepts it.
    """
    db.session.rollback()
    row = db.session.execute(
        select(_attempts.c.status, _attempts.c.deadline).where(_attempts.c.id == attempt_id)
    ).first()
    if row is None:  # deleted since this process cached its questions
        raise LookupError(attempt_id)
    _hand_in_if_over(attempt_id, row.status, row.deadline, now)
    if late is not None and _keep_late(attempt_id, *late, now=now):
        raise LateStored(
            "Le temps était écoulé : cette réponse gardée sur votre appareil est conservée à part, comme "
            "réponse tardive. Elle ne compte pas dans votre résultat, sauf décision de l'administration."
        )
    raise AttemptClosed(
        "Réponse refusée : le temps est écoulé et votre questionnaire a été remis avec les réponses "
        "enregistrées avant la fin."
    )


def _keep_late(attempt_id: int, position: int, response, device_at: datetime | None, *, now: datetime) -> bool:
    """Store a late answer of an attempt the clock (not the candidate) ended, within a bound per question."""
    finished_by, kept = db.session.execute(
        select(Attempt.finished_by,
               select(func.count()).where(LateAnswer.attempt_id == attempt_id, LateAnswer.position == position)
               .scalar_subquery())
        .where(Attempt.id == attempt_id)
    ).one()
    if finished_by != "deadline" or kept >= LATE_ANSWERS_PER_QUESTION:
        db.session.rollback()
        return False
    db.session.add(LateAnswer(attempt_id=attempt_id, position=position, response=response, device_at=device_at,
                              received_at=now))
    db.session.commit()
    return True


@dataclass(frozen=True)
class Progress:
    status: str
    remaining_seconds: int
    unanswered: int | None


def progress(candidate_id: int, attempt_id: int, now: datetime | None = None) -> Progress:
    """What the attempt page polls for, in one query (finalising an attempt whose time is over)."""
    now = now or utcnow()
    row = db.session.execute(_PROGRESS, {"attempt": attempt_id, "candidate": candidate_id}).one_or_none()
    if row is None:
        raise LookupError(attempt_id)
    status, deadline, left = row
    if status != "in_progress" or _hand_in_if_over(attempt_id, status, deadline, now):
        return Progress("finished", 0, None)
    return Progress(status, seconds_left(deadline, now), left)


def save_answer(attempt: Attempt, position: int, raw, flagged: bool | None = None,
                now: datetime | None = None) -> datetime:
    """`write_answer` for an attempt already loaded (the plain form without JavaScript)."""
    now = now or utcnow()
    write_answer(attempt.candidate_id, _attempt_id(attempt), position, raw=raw, flagged=flagged, now=now)
    return now


def set_display_mode(attempt: Attempt, mode: str) -> None:
    """One question per page or all on one (kept for the next visit; the page switches by itself)."""
    if mode in ("one", "all") and attempt.display_mode != mode:
        attempt.display_mode = mode
        db.session.commit()


def _attempt_id(attempt: Attempt) -> int:
    """The attempt's id without reloading it after a commit expired it."""
    return sa_inspect(attempt).identity[0]


_ITEMS_SHOWN = (
    select(_items.c.position, _items.c.question_version_id, _items.c.option_order, _items.c.response,
           _items.c.answered, _items.c.flagged, _items.c.instance)
    .where(_items.c.attempt_id == bindparam("attempt")).order_by(_items.c.position)
)


def attempt_items(attempt: Attempt) -> list:
    """The attempt's items as the attempt page shows them: plain rows in one query, no ORM objects."""
    return db.session.execute(_ITEMS_SHOWN, {"attempt": _attempt_id(attempt)}).all()


def flagged_count(attempt: Attempt) -> int:
    return db.session.execute(
        select(func.count()).where(AttemptItem.attempt_id == _attempt_id(attempt), AttemptItem.flagged.is_(True))
    ).scalar_one()


def unanswered_count(attempt: Attempt) -> int:
    return db.session.execute(
        select(func.count()).where(AttemptItem.attempt_id == _attempt_id(attempt), AttemptItem.answered.is_(False))
    ).scalar_one()


# --- finishing --------------------------------------------------------------------------------


# How early the open page's own hand-in at 0:00 may arrive and still count as the deadline's:
# the page's countdown runs on the device's monotonic clock, resynchronised on every save.
AUTO_HAND_IN_TOLERANCE = timedelta(seconds=5)


def submit(attempt: Attempt, now: datetime | None = None, *, auto: bool = False) -> Attempt:
    """The candidate hands in (or their page does, `auto`, at 0:00); a second submit changes nothing.

    The page's hand-in at the end of the time is the deadline's, not the candidate's: it is
    recorded so once the server agrees the time is (nearly) over, whatever the page claims. The
    attempt is expired by the finalisation's commit: what it holds now is read again on use.
    """
    now = now or utcnow()
    if not attempt.finished:
        by_deadline = is_over(attempt.deadline, now) or (auto and now >= attempt.deadline - AUTO_HAND_IN_TOLERANCE)
        finalise(_attempt_id(attempt), "deadline" if by_deadline else "candidate", now)
    return attempt


# Scoring reads each drawn version as a Question; versions never change, so once per process.
_questions = ImmutableRows(maxsize=50_000)

_ITEMS_TO_SCORE = (
    select(_items.c.id, _items.c.question_version_id, _items.c.response, _items.c.instance,
           _attempts.c.candidate_id, _attempts.c.trial, _questionnaires.c.thematic)
    .join(_attempts, _attempts.c.id == _items.c.attempt_id)
    .join(_questionnaires, _questionnaires.c.id == _attempts.c.questionnaire_id)
    .where(_items.c.attempt_id == bindparam("attempt"))
    .order_by(_items.c.position)
    .with_for_update(of=_items)  # waits for a save in flight, which then is part of the result
)
_FINISH = (
    update(_attempts).where(_attempts.c.id == bindparam("attempt"), _attempts.c.status == "in_progress")
    .values(status="finished", finished_at=bindparam("now"), finished_by=bindparam("reason"),
            score=bindparam("score"), total=bindparam("total"), passed=bindparam("passed"))
)
_CREDIT = update(_items).where(_items.c.id == bindparam("item")).values(credit=bindparam("new_credit"))


def _scoring_question(version_id: int, instance: dict | None = None) -> QuestionModel:
    if instance is not None:  # a calculated question: its key is this candidate's instance's
        return QuestionModel.from_payload(instantiate(payloads([version_id])[version_id], instance))
    key = _questions.key(version_id)
    question = _questions.get(key)
    if question is None:
        question = QuestionModel.from_payload(payloads([version_id])[version_id])
        _questions.put(key, question)
    return question


def finalise(attempt_id: int, reason: str, now: datetime | None = None) -> bool:
    """Score the attempt with the answers it holds and write the E2 result to the ledger, once.

    Returns True for the caller that finalised it, False if it was already finished. The status
    change, the scores and the ledger entries are one transaction: the items are locked and read
    (SQLite: the write lock is taken first), then one conditional UPDATE that only one caller can
    win closes the attempt with its score; the loser writes nothing.
    """
    now = now or utcnow()
    actor_id = current_actor_id()  # read before the rollback expires the loaded user
    db.session.rollback()
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # no save can slip in between reading and closing
    rows = db.session.execute(_ITEMS_TO_SCORE, {"attempt": attempt_id}).all()
    if not rows:  # an attempt without items, or none at all
        facts = db.session.execute(
            select(_attempts.c.candidate_id, _attempts.c.trial, _questionnaires.c.thematic)
            .join(_questionnaires, _questionnaires.c.id == _attempts.c.questionnaire_id)
            .where(_attempts.c.id == attempt_id)
        ).first()
        if facts is None:
            db.session.rollback()
            return False
    else:
        facts = rows[0]
    credits = [score_response(_scoring_question(row.question_version_id, row.instance), row.response) for row in rows]
    result = grade(credits, load_referential().pass_threshold)
    won = db.session.execute(_FINISH, {
        "attempt": attempt_id, "now": now, "reason": reason,
        "score": _decimal(result.score), "total": result.total, "passed": result.passed,
    }).rowcount == 1
    if not won:
        db.session.rollback()
        return False
    if rows:
        db.session.execute(_CREDIT, [{"item": row.id, "new_credit": _decimal(credit)}
                                     for row, credit in zip(rows, credits, strict=True)])
    if not facts.trial:
        from quiz.ledger.service import write_e2_result

        write_e2_result(facts.candidate_id, facts.thematic, result.passed, attempt_id, result.ratio, now,
                        actor_id=actor_id)
    db.session.commit()
    return True


def finalise_expired(now: datetime | None = None, candidate_id: int | None = None) -> int:
    """Finalise every attempt whose deadline plus grace has passed; returns how many."""
    now = now or utcnow()
    query = select(Attempt.id).where(Attempt.status == "in_progress", Attempt.deadline < now - grace())
    if candidate_id is not None:
        query = query.where(Attempt.candidate_id == candidate_id)
    ids = db.session.execute(query).scalars().all()
    return sum(1 for attempt_id in ids if finalise(attempt_id, "deadline", now))


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


"""Setting questionnaires up: definitions, session windows, accommodations, monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from quiz.accounts.models import Cohort, User
from quiz.audit.service import record
from quiz.banks.store import current_versions
from quiz.exams.models import Accommodation, Attempt, ExamSession, Questionnaire
from quiz.extensions import db


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris"))


def to_utc(local: datetime) -> datetime:
    """A naive wall-clock time typed in a form (Paris time) as aware UTC."""
    return local.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone()).replace(tzinfo=None)


def questionnaires() -> list[Questionnaire]:
    return list(db.session.execute(select(Questionnaire).order_by(Questionnaire.thematic, Questionnaire.id)).scalars())


def sessions() -> list[ExamSession]:
    return list(db.session.execute(select(ExamSession).order_by(ExamSession.opens_at.desc())).scalars())


def bank_sizes() -> dict[int, int]:
    """How many current questions each thematic's bank holds (to warn about short banks)."""
    from quiz.referential import load_referential

    return {t.number: len(current_versions(t.number)) for t in load_referential().thematics}


def questionnaire_problem(thematic: int, question_count: int) -> str | None:
    """Why a questionnaire cannot be drawn as defined, or None."""
    size = len(current_versions(thematic))
    if question_count > size:
        return (f"La banque de cette thématique ne contient que {size} question(s) : "
                f"choisissez au plus {size} questions, ou complétez la banque d'abord.")
    return None


def session_problem(session: ExamSession | None, questionnaire_id: int) -> str | None:
    """A session whose attempts have started keeps its questionnaire: what was drawn must stay comparable."""
    if session is None or session.questionnaire_id == questionnaire_id:
        return None
    started = db.session.execute(select(func.count()).where(Attempt.session_id == session.id)).scalar_one()
    if started:
        return "Des tentatives ont déjà commencé dans cette session : son questionnaire ne peut plus changer."
    return None


def save_questionnaire(questionnaire: Questionnaire | None, data: dict, actor: User) -> Questionnaire:
    if questionnaire is None:
        questionnaire = Questionnaire(created_by_id=actor.id)
        db.session.add(questionnaire)
    for key in ("thematic", "title", "question_count", "duration_minutes", "draw_rule", "shuffle_options",
                "attempts_allowed", "review_policy"):
        setattr(questionnaire, key, data[key])
    db.session.commit()
    return questionnaire


def save_session(session: ExamSession | None, questionnaire_id: int, opens_local: datetime,
                 closes_local: datetime, cohort_ids: list[int], actor: User) -> ExamSession:
    if session is None:
        session = ExamSession(created_by_id=actor.id)
        db.session.add(session)
    session.questionnaire_id = questionnaire_id
    session.opens_at = to_utc(opens_local)
    session.closes_at = to_utc(closes_local)
    session.cohorts = [db.session.get(Cohort, cid) for cid in cohort_ids]
    db.session.commit()
    record("session.save", target=session, details={"questionnaire_id": questionnaire_id, "cohorts": list(cohort_ids),
           "opens_at": session.opens_at.isoformat(), "closes_at": session.closes_at.isoformat()})
    return session


def accommodations() -> list[tuple[Accommodation, User]]:
    rows = db.session.execute(
        select(Accommodation, User).join(User, User.id == Accommodation.user_id).order_by(User.last_name)
    ).all()
    return [(a, u) for a, u in rows]


def set_accommodation(candidate_id: int, percent: int, reason: str, actor: User) -> Accommodation | None:
    """Grant extra time (0 removes it); only attempts started afterwards are affected."""
    row = db.session.execute(select(Accommodation).where(Accommodation.user_id == candidate_id)).scalar_one_or_none()
    if not percent:
        if row is not None:
            db.session.delete(row)
            record("accommodation.remove", target=("User", candidate_id), commit=False)
        db.session.commit()
        return None
    if row is None:
        row = Accommodation(user_id=candidate_id)
        db.session.add(row)
    row.extra_time_percent = percent
    row.reason = reason.strip()
    row.updated_by_id = actor.id
    record("accommodation.set", target=("User", candidate_id), commit=False,
           details={"extra_time_percent": percent, "reason": row.reason})
    db.session.commit()
    return row


@dataclass(frozen=True)
class SessionRoster:
    candidate: User
    attempt: Attempt | None


def roster(session: ExamSession) -> list[SessionRoster]:
    """Every convened candidate with their latest attempt of the session."""
    candidates = sorted({u for c in session.cohorts for u in c.members if u.has_role("candidate")},
                        key=lambda u: (u.last_name, u.first_name))
    latest = {}
    for attempt in db.session.execute(
        select(Attempt).where(Attempt.session_id == session.id).order_by(Attempt.number)
    ).scalars():
        latest[attempt.candidate_id] = attempt
    return [SessionRoster(u, latest.get(u.id)) for u in candidates]


def session_counts() -> dict[int, int]:
    rows = db.session.execute(select(Attempt.session_id, func.count()).group_by(Attempt.session_id)).all()
    return {sid: n for sid, n in rows if sid is not None}

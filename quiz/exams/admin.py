"""Setting questionnaires up: definitions, session windows, accommodations, monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from quiz.accounts.models import Cohort, User
from quiz.audit.service import record
from quiz.banks.store import current_versions
from quiz.exams.models import Accommodation, Attempt, ExamSession, Questionnaire
from quiz.extensions import db
from quiz.i18n import ngettext


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


def expiring_questions(thematic: int, closes_at: datetime) -> int:
    """How many current questions of the thematic the draw leaves out of a session closing then:
    their key expires (`valid_until`) before the closing day."""
    versions = current_versions(thematic)
    limit = closes_at.date().isoformat()
    return sum(1 for v in versions if (v.payload.get("valid_until") or "9999-12-31") < limit)


def questionnaire_problem(thematic: int, question_count: int) -> str | None:
    """Why a questionnaire cannot be drawn as defined, or None."""
    size = len(current_versions(thematic))
    if question_count > size:
        return ngettext("La banque de cette thématique ne contient que %(num)d question : choisissez au plus "
                        "%(num)d question, ou complétez la banque d'abord.",
                        "La banque de cette thématique ne contient que %(num)d questions : choisissez au plus "
                        "%(num)d questions, ou complétez la banque d'abord.", size)
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
                "attempts_allowed", "review_options"):
        setattr(questionnaire, key, data[key])
    db.session.commit()
    return questionnaire


def _running_past(session_id: int, closes_at: datetime):
    return (Attempt.session_id == session_id, Attempt.status == "in_progress", Attempt.deadline > closes_at)


def attempts_cut(session: ExamSession | None, closes_local: datetime) -> int:
    """How many attempts in progress a new closing time would end earlier than planned."""
    if session is None:
        return 0
    return db.session.execute(
        select(func.count()).where(*_running_past(session.id, to_utc(closes_local)))
    ).scalar_one()


def running_attempts(session: ExamSession) -> tuple[int, datetime | None]:
    """The attempts in progress and the latest of their deadlines (what a closing time would cut)."""
    count, latest = db.session.execute(
        select(func.count(), func.max(Attempt.deadline))
        .where(Attempt.session_id == session.id, Attempt.status == "in_progress")
    ).one()
    return count, latest


def save_session(session: ExamSession | None, questionnaire_id: int, opens_local: datetime,
                 closes_local: datetime, cohort_ids: list[int], actor: User) -> ExamSession:
    """Save the session; a closing time brought forward ends the attempts in progress at it, in the
    same transaction (an attempt never runs past its session's closing, extra time or not)."""
    if session is None:
        session = ExamSession(created_by_id=actor.id)
        db.session.add(session)
    session.questionnaire_id = questionnaire_id
    session.opens_at = to_utc(opens_local)
    session.closes_at = to_utc(closes_local)
    session.cohorts = [db.session.get(Cohort, cid) for cid in cohort_ids]
    db.session.flush()
    cut = db.session.execute(
        update(Attempt).where(*_running_past(session.id, session.closes_at)).values(deadline=session.closes_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    record("session.save", target=session, commit=False, details={
        "questionnaire_id": questionnaire_id, "cohorts": list(cohort_ids), "opens_at": session.opens_at.isoformat(),
        "closes_at": session.closes_at.isoformat(), "attempts_cut": cut})
    db.session.commit()
    return session


def accommodations() -> list[tuple[Accommodation, User]]:
    rows = db.session.execute(
        select(Accommodation, User).join(User, User.id == Accommodation.user_id).order_by(User.last_name)
    ).all()
    return [(a, u) for a, u in rows]


def set_accommodation(candidate_id: int, extra: Fraction, reason: str, actor: User) -> Accommodation | None:
    """Grant extra time, an exact share of the duration (0 removes it); only attempts started afterwards."""
    row = db.session.execute(select(Accommodation).where(Accommodation.user_id == candidate_id)).scalar_one_or_none()
    if not extra:
        if row is not None:
            db.session.delete(row)
            record("accommodation.remove", target=("User", candidate_id), commit=False)
        db.session.commit()
        return None
    if row is None:
        row = Accommodation(user_id=candidate_id)
        db.session.add(row)
    row.extra_time = extra
    row.reason = reason.strip()
    row.updated_by_id = actor.id
    record("accommodation.set", target=("User", candidate_id), commit=False,
           details={"extra_time": str(extra), "reason": row.reason})
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

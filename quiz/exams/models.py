"""Questionnaires, sessions, accommodations and attempts.

An attempt stores the exact question versions it drew, in order, with the option order each
candidate saw: what was asked can always be shown again, whatever the banks become.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import JSON, Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow

DRAW_RULES = ("uniform", "spread")
# What a candidate sees of a finished attempt (Moodle's review options): each thing × when.
REVIEW_THINGS = ("score", "correctness", "key", "explanation")
REVIEW_WHEN = ("immediately", "after_close", "never")
DEFAULT_REVIEW = {"score": "immediately", "correctness": "never", "key": "never", "explanation": "never"}

session_cohorts = Table(
    "exam_session_cohorts",
    db.metadata,
    Column("session_id", ForeignKey("exam_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
)


class Questionnaire(db.Model):
    """How a thematic's questionnaire is drawn and timed."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    thematic: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    question_count: Mapped[int] = mapped_column(default=20)
    duration_minutes: Mapped[int] = mapped_column(default=30)
    draw_rule: Mapped[str] = mapped_column(String(20), default="uniform")
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    review_options: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_REVIEW))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExamSession(db.Model):
    """A questionnaire opened to cohorts for a window of time."""

    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(lazy="joined")
    cohorts = relationship("Cohort", secondary=session_cohorts, lazy="selectin", order_by="Cohort.name")

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class Accommodation(db.Model):
    """Extra time granted to one candidate, as an exact fraction of the duration (tiers-temps: 1/3)."""

    __tablename__ = "accommodations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    extra_time_num: Mapped[int] = mapped_column(default=0)
    extra_time_den: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def extra_time(self) -> Fraction:
        return Fraction(self.extra_time_num, self.extra_time_den or 1)

    @extra_time.setter
    def extra_time(self, value: Fraction) -> None:
        self.extra_time_num, self.extra_time_den = value.numerator, value.denominator


class Attempt(db.Model):
    """One candidate's sitting of a questionnaire; the deadline is fixed at start, on the server."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id", "number", name="uq_attempts_sitting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    trial: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_by: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    total: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    display_mode: Mapped[str] = mapped_column(String(10), default="one")

    questionnaire: Mapped[Questionnaire] = relationship(lazy="joined")
    session: Mapped[ExamSession | None] = relationship()
    candidate = relationship("User")
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    @property
    def finished(self) -> bool:
        return self.status != "in_progress"


class AttemptItem(db.Model):
    """One drawn question of an attempt, the order its options were shown in, and the answer held."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    option_order: Mapped[list] = mapped_column(JSON, default=list)
    # A calculated question's instance ({variable: value}), drawn at start; None for other types.
    instance: Mapped[dict | None] = mapped_column(JSON)
    response: Mapped[object | None] = mapped_column(JSON)
    answered: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    credit: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    note: Mapped[str | None] = mapped_column(Text)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version = relationship("QuestionVersion")


class LateAnswer(db.Model):
    """An answer the candidate's device held when the time was over, sent when the network came back.

    Stored, never discarded, and never counted by itself: an administrator accepts (the attempt
    is rescored) or rejects it, with a reason (`LateDecision`). `device_at` is the device's own
    clock, shown as such; `received_at` is the server's.
    """

    __tablename__ = "late_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    response: Mapped[object | None] = mapped_column(JSON)
    device_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("late_decisions.id"), index=True)

    decision: Mapped[LateDecision | None] = relationship(lazy="joined")


class LateDecision(db.Model):
    """An administrator's verdict on an attempt's pending late answers; accepting stores the new score."""

    __tablename__ = "late_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    accepted: Mapped[bool] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    total: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()

    decided_by = relationship("User")


class ScheduledTask(db.Model):
    """When a periodic task of the servers next runs: taking the turn is one conditional UPDATE,
    so with any number of processes and machines on one database, one of them runs it per period."""

    __tablename__ = "scheduled_tasks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    holder: Mapped[str] = mapped_column(String(100), default="")

"""Questionnaires, sessions, accommodations and attempts.

An attempt stores the exact question versions it drew, in order, with the option order each
candidate saw: what was asked can always be shown again, whatever the banks become.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow

DRAW_RULES = ("uniform", "spread")
REVIEW_POLICIES = ("score", "review_after_close")

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
    review_policy: Mapped[str] = mapped_column(String(30), default="score")
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
    """Extra time granted to one candidate (e.g. « tiers-temps », +33 %)."""

    __tablename__ = "accommodations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    extra_time_percent: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


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
    response: Mapped[object | None] = mapped_column(JSON)
    answered: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    credit: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    note: Mapped[str | None] = mapped_column(Text)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version = relationship("QuestionVersion")

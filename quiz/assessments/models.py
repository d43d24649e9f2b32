"""Tables of the assessments: sessions, submissions and their deposited versions, markings, E4 slots.

A candidate has one `Submission` per session (it carries the anonymity number); every deposit is
a new `DepositVersion` with its files, never an edit, so every version stays. Assessors mark the
latest version; each `Marking` is one assessor's independent verdict (first, second, moderator).
When the session's marks are final, the decision goes to the ledger (`decided_act_id`) and the
identities are revealed.

An E3 session is either a deposit of files or a case study written online (`mode`): the case
studies come from `case_studies/*.md`, imported as immutable, content-hashed versions; an online
answer is an exams `Attempt` tied here to its session and case-study version (`OnlineAttempt`),
and its hand-in becomes a deposit version like any other copy.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow

MODALITIES = ("E1", "E3", "E4", "E5")
ROLES = ("first", "second", "moderator")
MODES = ("deposit", "online")

assessment_session_cohorts = Table(
    "assessment_session_cohorts",
    db.metadata,
    Column("session_id", ForeignKey("assessment_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
)


class AssessmentSession(db.Model):
    __tablename__ = "assessment_sessions"
    __table_args__ = (
        CheckConstraint("modality IN ('E1', 'E3', 'E4', 'E5')", name="modality"),
        CheckConstraint("deadline_at > opens_at", name="window"),
        CheckConstraint("mode IN ('deposit', 'online')", name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    modality: Mapped[str] = mapped_column(String(2))
    thematic: Mapped[int | None] = mapped_column(Integer)  # E3: the case study's thematic
    title: Mapped[str] = mapped_column(String(200))
    # The competences this session assesses (codes), chosen among those the referential assigns
    # to the modality.
    competences: Mapped[list] = mapped_column(JSON)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late_allowed: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=True)
    double_marking: Mapped[bool] = mapped_column(default=False)
    max_files: Mapped[int] = mapped_column(default=5)
    # « deposit »: candidates upload files; « online » (E3): they write the case study on a timed page.
    mode: Mapped[str] = mapped_column(String(10), default="deposit")
    case_study_id: Mapped[int | None] = mapped_column(ForeignKey("case_studies.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set once: the decisions are in the ledger, identities revealed, results mailed.
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cohorts = relationship("Cohort", secondary=assessment_session_cohorts, lazy="selectin", order_by="Cohort.name")
    submissions: Mapped[list[Submission]] = relationship(back_populates="session", order_by="Submission.id")
    case_study: Mapped[CaseStudy | None] = relationship()

    @property
    def online(self) -> bool:
        return self.mode == "online"


class Submission(db.Model):
    __tablename__ = "assessment_submissions"
    __table_args__ = (
        UniqueConstraint("session_id", "candidate_id", name="uq_assessment_submissions_candidate"),
        UniqueConstraint("session_id", "anonymity_number", name="uq_assessment_submissions_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assessment_sessions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    anonymity_number: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_act_id: Mapped[int | None] = mapped_column(ForeignKey("grading_acts.id"))

    session: Mapped[AssessmentSession] = relationship(back_populates="submissions")
    candidate = relationship("User", foreign_keys=[candidate_id])
    versions: Mapped[list[DepositVersion]] = relationship(
        back_populates="submission", order_by="DepositVersion.number", lazy="selectin")
    markings: Mapped[list[Marking]] = relationship(back_populates="submission", order_by="Marking.id", lazy="selectin")

    @property
    def latest(self) -> DepositVersion | None:
        return self.versions[-1] if self.versions else None


class DepositVersion(db.Model):
    __tablename__ = "deposit_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number", name="uq_deposit_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("assessment_submissions.id"), index=True)
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    deposited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)
    deposited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    receipt_key: Mapped[str | None] = mapped_column(String(64))  # the PDF receipt, in quiz.storage

    submission: Mapped[Submission] = relationship(back_populates="versions")
    files: Mapped[list[DepositFile]] = relationship(
        back_populates="version", order_by="DepositFile.position", lazy="selectin")


class DepositFile(db.Model):
    __tablename__ = "deposit_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("deposit_versions.id"), index=True)
    position: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(255))
    stored_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))

    version: Mapped[DepositVersion] = relationship(back_populates="files")


class Marking(db.Model):
    """One assessor's independent marking of one copy; `verdicts` is None until submitted."""

    __tablename__ = "assessment_markings"
    __table_args__ = (
        UniqueConstraint("submission_id", "role", name="uq_assessment_markings_role"),
        UniqueConstraint("submission_id", "assessor_id", name="uq_assessment_markings_assessor"),
        CheckConstraint("role IN ('first', 'second', 'moderator')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("assessment_submissions.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"C10": {"passed": true, "criteria": {"0": true}, "score": "14.50"}, ...}
    verdicts: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    assessed_on: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    submission: Mapped[Submission] = relationship(back_populates="markings")
    assessor = relationship("User", foreign_keys=[assessor_id])


class AppointmentSlot(db.Model):
    """An E4 interview slot with a business expert; at most one candidate, once per session."""

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id", name="uq_appointment_slots_candidate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assessment_sessions.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(default=60)
    place: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[AssessmentSession] = relationship()
    expert = relationship("User", foreign_keys=[expert_id])
    candidate = relationship("User", foreign_keys=[candidate_id])


class CaseStudy(db.Model):
    """An E3 case study by its id in the Markdown file (`ETUDE-05-A`); its texts live in its versions."""

    __tablename__ = "case_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[CaseStudyVersion]] = relationship(
        back_populates="case_study", order_by="CaseStudyVersion.number", lazy="selectin")

    @property
    def current(self) -> CaseStudyVersion | None:
        return self.versions[-1] if self.versions else None


class CaseStudyVersion(db.Model):
    """One imported state of a case study, never changed: a changed file is a new version, and an
    attempt keeps the version it was started on. `documents`: label, name, storage key, size,
    SHA-256 and type of each attached file. The `guide` is for assessors only."""

    __tablename__ = "case_study_versions"
    __table_args__ = (UniqueConstraint("case_study_id", "number", name="uq_case_study_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_study_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    thematic: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int]
    criteria: Mapped[dict] = mapped_column(JSON)  # {"C16": [0, 1]}
    subject: Mapped[str] = mapped_column(Text)
    guide: Mapped[str] = mapped_column(Text)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case_study: Mapped[CaseStudy] = relationship(back_populates="versions")


class OnlineAttempt(db.Model):
    """A candidate's timed written answer to an online E3 session: the exams attempt that holds the
    text and the clock, the case-study version it was started on, the copy made at hand-in."""

    __tablename__ = "online_attempts"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id", name="uq_online_attempts_candidate"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assessment_sessions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_study_version_id: Mapped[int] = mapped_column(ForeignKey("case_study_versions.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_submissions.id"), unique=True)

    attempt = relationship("Attempt", lazy="joined")
    session: Mapped[AssessmentSession] = relationship()
    version: Mapped[CaseStudyVersion] = relationship(lazy="joined")
    submission: Mapped[Submission | None] = relationship()

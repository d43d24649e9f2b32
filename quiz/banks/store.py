"""Question banks in the database: a Question per id, immutable content-hashed versions, and
the text of every bank file as it was imported (for history and diffs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.banks.render import is_current, render_payload
from quiz.cache import ImmutableRows
from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow


class ImmutableVersionError(RuntimeError):
    """A stored question version was about to change; past attempts point at it."""


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    thematic: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version_id")
    )

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.number"
    )
    current_version: Mapped[QuestionVersion | None] = relationship(foreign_keys=[current_version_id],
                                                                    post_update=True)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class QuestionVersion(db.Model):
    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The payload's Markdown as safe HTML (quiz.banks.render.render_payload), written with the version.
    rendered: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])

    @property
    def code(self) -> str:
        return self.payload["id"]


@event.listens_for(QuestionVersion, "before_update")
@event.listens_for(QuestionVersion, "before_delete")
def _refuse_change(_mapper, _connection, target: QuestionVersion) -> None:
    raise ImmutableVersionError(f"la version {target.number} de {target.payload.get('id')} est immuable")


class BankRevision(db.Model):
    """The whole text of a bank file each time an import found it changed."""

    __tablename__ = "bank_revisions"
    __table_args__ = (Index("ix_bank_revisions_thematic_created", "thematic", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thematic: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def current_versions(thematic: int) -> list[QuestionVersion]:
    """The current version of every non-retired question of a thematic, by question code."""
    return list(
        db.session.execute(
            select(QuestionVersion)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(Question.thematic == thematic, Question.retired_at.is_(None))
            .order_by(Question.code)
        ).scalars()
    )


_payloads = ImmutableRows(maxsize=50_000)


def payloads(version_ids: list[int]) -> dict[int, dict]:
    """Payloads by version id. A version never changes, so each process keeps what it has read."""
    keys = {vid: _payloads.key(vid) for vid in version_ids}
    found = {vid: _payloads.get(key) for vid, key in keys.items()}
    missing = [vid for vid, payload in found.items() if payload is None]
    if missing:
        rows = db.session.execute(
            select(QuestionVersion.id, QuestionVersion.payload).where(QuestionVersion.id.in_(missing))
        ).all()
        for vid, payload in rows:
            _payloads.put(keys[vid], payload)
            found[vid] = payload
    return found


_rendered = ImmutableRows(maxsize=50_000)


def rendered(version_ids: list[int]) -> dict[int, dict]:
    """The HTML of each version as stored at publication (rendered again here, once per process,
    for a version stored before that or by an older renderer)."""
    keys = {vid: _rendered.key(vid) for vid in version_ids}
    found = {vid: _rendered.get(key) for vid, key in keys.items()}
    missing = [vid for vid, html in found.items() if html is None]
    if missing:
        rows = db.session.execute(
            select(QuestionVersion.id, QuestionVersion.payload, QuestionVersion.rendered)
            .where(QuestionVersion.id.in_(missing))
        ).all()
        for vid, payload, stored in rows:
            html = stored if is_current(stored) else render_payload(payload)
            _rendered.put(keys[vid], html)
            found[vid] = html
    return found


def latest_revision(thematic: int) -> BankRevision | None:
    return db.session.execute(
        select(BankRevision).where(BankRevision.thematic == thematic)
        .order_by(BankRevision.created_at.desc(), BankRevision.id.desc()).limit(1)
    ).scalar_one_or_none()

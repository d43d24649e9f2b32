"""A bank being edited in the browser: one shared draft per thematic until it is published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow


class BankDraft(db.Model):
    """Unpublished text of a bank; candidates never see it, publishing removes it."""

    __tablename__ = "bank_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thematic: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

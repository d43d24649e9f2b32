"""The ledger's tables: entries, the grading acts that produce them, and evidence files.

All three are append-only. Below the views, two guards refuse an UPDATE or a DELETE: an ORM
event (any engine) and a database trigger (created with the table by `create_all`, and by the
Alembic migration from `APPEND_ONLY_SQL`). A correction is a new entry naming the one it
replaces (`replaces_id`, unique: an entry is corrected at most once) with a reason.

Evidence is grouped by `GradingAct`: one assessor grading one candidate's piece of work in one
modality on one day. An act yields one entry per competence graded (an E5 synthesis may cover
C1–C4) and holds the files uploaded with it, so one upload backs every entry of its act without
an association table. E2 entries come from an attempt and have no act.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow

SOURCES = ("e2_attempt", "assessor")
APPEND_ONLY_TABLES = ("ledger_entries", "grading_acts", "evidence_files")


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove a ledger row: correct it with a new entry."""


class GradingAct(db.Model):
    """One assessor's grading of one piece of work; its entries share its evidence files."""

    __tablename__ = "grading_acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    modality: Mapped[str] = mapped_column(String(2))
    assessed_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="act", order_by="LedgerEntry.id")
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="act", order_by="EvidenceFile.id", lazy="selectin"
    )


class LedgerEntry(db.Model):
    """One evaluation of one competence in one modality (and one thematic for E2)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # Idempotence of E2 recording: one entry per competence per attempt, even under a race.
        UniqueConstraint("attempt_id", "competence", name="uq_ledger_entries_attempt_competence"),
        CheckConstraint("modality IN ('E1', 'E2', 'E3', 'E4', 'E5')", name="modality"),
        CheckConstraint("source IN ('e2_attempt', 'assessor')", name="source"),
        CheckConstraint(
            "replaces_id IS NULL OR (correction_reason IS NOT NULL AND correction_reason <> '')",
            name="correction_reason",
        ),
        CheckConstraint("modality <> 'E2' OR thematic IS NOT NULL", name="e2_thematic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    competence: Mapped[str] = mapped_column(String(8))
    modality: Mapped[str] = mapped_column(String(2))
    thematic: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool]
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    score_max: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    # {"0": true, "1": false}: the verdict on each item of the competence's criteria, by index.
    criteria: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    # A plain reference to the E2 attempt: the ledger never imports the exams package.
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    act_id: Mapped[int | None] = mapped_column(ForeignKey("grading_acts.id"), index=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assessed_on: Mapped[date] = mapped_column(Date)

    act: Mapped[GradingAct | None] = relationship(back_populates="entries")
    replaces: Mapped[LedgerEntry | None] = relationship(remote_side=[id], foreign_keys=[replaces_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def verdicts(self) -> dict[int, bool]:
        return {int(k): bool(v) for k, v in (self.criteria or {}).items()}

    def __repr__(self) -> str:
        outcome = "acquis" if self.passed else "non acquis"
        return f"<LedgerEntry {self.id} {self.competence} {self.modality} {outcome}>"


class EvidenceFile(db.Model):
    """A file backing every entry of its grading act, stored under a random name."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("grading_acts.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    act: Mapped[GradingAct] = relationship(back_populates="evidence")


def _refuse(_mapper, _connection, target) -> None:
    raise AppendOnlyError(f"{type(target).__name__} {target.id} : le registre n'accepte que des ajouts")


for _model in (LedgerEntry, GradingAct, EvidenceFile):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


_PG_FUNCTION = """CREATE OR REPLACE FUNCTION quiz_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql"""


def _pg_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION quiz_append_only()"
    )


def _sqlite_triggers(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    )


# The statements the Alembic migration runs after creating the tables, per dialect
# (`for sql in APPEND_ONLY_SQL[bind.dialect.name]: op.execute(sql)`); create_all runs the same.
APPEND_ONLY_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (_PG_FUNCTION, *(_pg_trigger(t) for t in APPEND_ONLY_TABLES)),
    "sqlite": tuple(sql for t in APPEND_ONLY_TABLES for sql in _sqlite_triggers(t)),
}
DROP_APPEND_ONLY_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        *(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in APPEND_ONLY_TABLES),
        "DROP FUNCTION IF EXISTS quiz_append_only()",
    ),
    "sqlite": tuple(
        f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")
    ),
}

for _model in (LedgerEntry, GradingAct, EvidenceFile):
    _table = _model.__table__
    for _sql in (_PG_FUNCTION, _pg_trigger(_table.name)):
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
    for _sql in _sqlite_triggers(_table.name):
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="sqlite"))


class LedgerStatus(db.Model):
    """A candidate's status as the jury grid shows it, cached from the rules: not part of the
    ledger (which stays the truth) and rebuilt at will (`quiz ledger rebuild-status`).

    Entries are append-only, so the number of a candidate's entries and the highest id say when
    the row is stale: any new entry, committed in whatever order, changes the count.
    """

    __tablename__ = "ledger_statuses"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_entry_id: Mapped[int]
    entry_count: Mapped[int]
    referential: Mapped[str] = mapped_column(String(16))  # rules.fingerprint of the referential used
    title_validated: Mapped[bool]
    blocs_validated: Mapped[int]
    summary: Mapped[dict] = mapped_column(JSON)  # rules.Summary.to_json()
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""The certification tables.

Jury decisions and certificates are kept the way the ledger keeps entries: append-only below
the views (an ORM event and a database trigger on both engines). A jury session is open until
its président closes it; a trigger then refuses any change to the session and any new decision
for it, so what the jury decided can be added to later (by another session), never edited.
A certificate is revoked by a row of its own (`certificate_revocations`, one per certificate).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow

OUTCOMES = ("title", "blocs", "none")
APPEND_ONLY_TABLES = ("jury_decisions", "certificates", "certificate_revocations")


class ImmutableError(RuntimeError):
    """Raised on any attempt to change a decision, a certificate or a closed jury session."""


class CertifierSettings(db.Model):
    """The certifier's identity as printed on documents and sent to the SI CPF (one row)."""

    __tablename__ = "certifier_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    rncp_code: Mapped[str] = mapped_column(String(12), default="")
    certification_code: Mapped[str] = mapped_column(String(20), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_quality: Mapped[str] = mapped_column(String(200), default="")
    cpf_id_client: Mapped[str] = mapped_column(String(8), default="")
    cpf_id_contrat: Mapped[str] = mapped_column(String(20), default="")
    cpf_access_mode: Mapped[str] = mapped_column(String(60))
    public_base_url: Mapped[str] = mapped_column(String(200), default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    # kind of data -> months kept (see quiz.certification.privacy.RETENTION_KINDS)
    retention: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CivilIdentity(db.Model):
    """A candidate's civil identity for documents and the SI CPF, encrypted as one Fernet token."""

    __tablename__ = "civil_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # "import", "candidat", "admin"
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JurySession(db.Model):
    __tablename__ = "jury_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[JuryMember]] = relationship(
        back_populates="session", order_by="JuryMember.id", cascade="all, delete-orphan")
    candidates: Mapped[list[JuryCandidate]] = relationship(
        back_populates="session", order_by="JuryCandidate.id", cascade="all, delete-orphan")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def president(self) -> JuryMember | None:
        return next((m for m in self.members if m.president), None)


class JuryMember(db.Model):
    __tablename__ = "jury_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    quality: Mapped[str] = mapped_column(String(200))
    president: Mapped[bool] = mapped_column(default=False)

    session: Mapped[JurySession] = relationship(back_populates="members")


class JuryCandidate(db.Model):
    """A candidate presented to a jury session."""

    __tablename__ = "jury_candidates"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id", name="uq_jury_candidates_session_candidate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    session: Mapped[JurySession] = relationship(back_populates="candidates")
    candidate = relationship("User")


class JuryDecision(db.Model):
    """One decision on one presented candidate; a later row for the same pair, while the
    session is open, supersedes it (the history stays)."""

    __tablename__ = "jury_decisions"
    __table_args__ = (
        CheckConstraint("outcome IN ('title', 'blocs', 'none')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    blocs: Mapped[list] = mapped_column(JSON, default=list)  # bloc codes awarded
    # The ledger's proposal at the time of the decision: {"outcome", "blocs", "dates"}.
    proposal: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Certificate(db.Model):
    """A document delivered at a jury's closing: the title (« parchemin ») or some blocs."""

    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint("kind IN ('title', 'blocs')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("jury_decisions.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The name printed and shown on verification, kept when the account is anonymised.
    holder_name: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(10))
    blocs: Mapped[list] = mapped_column(JSON, default=list)
    awarded_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[JurySession] = relationship()
    revocation: Mapped[CertificateRevocation | None] = relationship(
        back_populates="certificate", uselist=False, lazy="selectin")


class CertificateRevocation(db.Model):
    __tablename__ = "certificate_revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="revocation")


class CpfSubmission(db.Model):
    """One XML file written for the SI CPF, and once deposited, the acknowledgement's reference."""

    __tablename__ = "cpf_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    flux_id: Mapped[str] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledgement: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the XML written, to download again

    items: Mapped[list[CpfSubmissionItem]] = relationship(back_populates="submission", cascade="all, delete-orphan")


class CpfSubmissionItem(db.Model):
    __tablename__ = "cpf_submission_items"
    __table_args__ = (UniqueConstraint("submission_id", "certificate_id", name="uq_cpf_submission_items_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("cpf_submissions.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)

    submission: Mapped[CpfSubmission] = relationship(back_populates="items")


class RequestHit(db.Model):
    """One request under a rate-limited key (public verification), shared by every server."""

    __tablename__ = "request_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def _refuse(_mapper, _connection, target) -> None:
    raise ImmutableError(f"{type(target).__name__} {target.id} : n'accepte que des ajouts")


def _refuse_closed(_mapper, _connection, target) -> None:
    state = db.inspect(target)
    closed = state.attrs.closed_at.history
    if (closed.deleted and closed.deleted[0] is not None) or (closed.unchanged and closed.unchanged[0] is not None):
        raise ImmutableError(f"JurySession {target.id} : délibération close, rien n'y change plus")


for _model in (JuryDecision, Certificate, CertificateRevocation):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
event.listen(JurySession, "before_update", _refuse_closed)
event.listen(JurySession, "before_delete", _refuse_closed)

_PG_FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION quiz_certification_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION quiz_jury_session_closed() RETURNS trigger AS $$
BEGIN
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION USING
            MESSAGE = 'jury session ' || OLD.id || ' is closed: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION quiz_jury_decision_open() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM jury_sessions WHERE id = NEW.session_id AND closed_at IS NOT NULL) THEN
        RAISE EXCEPTION USING
            MESSAGE = 'jury session ' || NEW.session_id || ' is closed: no new decision',
            ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
)

PG_TRIGGERS: dict[str, tuple[str, ...]] = {
    **{t: (f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
           "FOR EACH ROW EXECUTE FUNCTION quiz_certification_append_only()",) for t in APPEND_ONLY_TABLES},
    "jury_sessions": ("CREATE TRIGGER jury_sessions_closed BEFORE UPDATE OR DELETE ON jury_sessions "
                      "FOR EACH ROW EXECUTE FUNCTION quiz_jury_session_closed()",),
}
PG_TRIGGERS["jury_decisions"] += ("CREATE TRIGGER jury_decisions_open BEFORE INSERT ON jury_decisions "
                                  "FOR EACH ROW EXECUTE FUNCTION quiz_jury_decision_open()",)

SQLITE_TRIGGERS: dict[str, tuple[str, ...]] = {
    **{t: tuple(f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
                f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: {op} refused'); END"
                for op in ("UPDATE", "DELETE")) for t in APPEND_ONLY_TABLES},
    "jury_sessions": tuple(f"CREATE TRIGGER jury_sessions_closed_{op.lower()} BEFORE {op} ON jury_sessions "
                           f"WHEN OLD.closed_at IS NOT NULL "
                           f"BEGIN SELECT RAISE(ABORT, 'jury session is closed: {op} refused'); END"
                           for op in ("UPDATE", "DELETE")),
}
SQLITE_TRIGGERS["jury_decisions"] += (
    "CREATE TRIGGER jury_decisions_open BEFORE INSERT ON jury_decisions "
    "WHEN (SELECT closed_at FROM jury_sessions WHERE id = NEW.session_id) IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'jury session is closed: no new decision'); END",
)

# What the Alembic migration runs after creating the tables, per dialect; create_all runs the same.
IMMUTABLE_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (*_PG_FUNCTIONS, *(sql for t in PG_TRIGGERS for sql in PG_TRIGGERS[t])),
    "sqlite": tuple(sql for t in SQLITE_TRIGGERS for sql in SQLITE_TRIGGERS[t]),
}
DROP_IMMUTABLE_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        *(f"DROP TRIGGER IF EXISTS {sql.split()[2]} ON {t}" for t in PG_TRIGGERS for sql in PG_TRIGGERS[t]),
        "DROP FUNCTION IF EXISTS quiz_certification_append_only()",
        "DROP FUNCTION IF EXISTS quiz_jury_session_closed()",
        "DROP FUNCTION IF EXISTS quiz_jury_decision_open()",
    ),
    "sqlite": tuple(f"DROP TRIGGER IF EXISTS {sql.split()[2]}" for t in SQLITE_TRIGGERS for sql in SQLITE_TRIGGERS[t]),
}

for _name, _statements in PG_TRIGGERS.items():
    _table = db.metadata.tables[_name]
    for _sql in (*_PG_FUNCTIONS, *_statements):
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
for _name, _statements in SQLITE_TRIGGERS.items():
    _table = db.metadata.tables[_name]
    for _sql in _statements:
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="sqlite"))

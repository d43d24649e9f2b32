"""The audit journal's table, append-only below the views.

Two guards refuse an UPDATE or a DELETE of an event: an ORM event (any engine) and a database
trigger, created with the table by `create_all` and by the Alembic migration from
`AUDIT_APPEND_ONLY_SQL` (`for sql in AUDIT_APPEND_ONLY_SQL[bind.dialect.name]: op.execute(sql)`;
the downgrade runs `DROP_AUDIT_APPEND_ONLY_SQL` the same way).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow

TABLE = "audit_events"


class AuditTamperError(RuntimeError):
    """Raised on any attempt to change or remove an audit event."""


class AuditEvent(db.Model):
    """One sensitive action: its actor (None for a visitor or the CLI), what, on what, from where."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40), index=True)
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.target_type}:{self.target_id}>"


def _refuse(_mapper, _connection, target) -> None:
    raise AuditTamperError(f"AuditEvent {target.id} : le journal d'audit n'accepte que des ajouts")


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)

_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION quiz_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '{TABLE} is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql"""
_PG_TRIGGER = (
    f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION quiz_audit_append_only()"
)
_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {op} refused'); END"
    for op in ("UPDATE", "DELETE")
)

# Per dialect, what the Alembic migration runs after creating the table (create_all runs the same).
AUDIT_APPEND_ONLY_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (_PG_FUNCTION, _PG_TRIGGER),
    "sqlite": _SQLITE_TRIGGERS,
}
DROP_AUDIT_APPEND_ONLY_SQL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
        "DROP FUNCTION IF EXISTS quiz_audit_append_only()",
    ),
    "sqlite": tuple(f"DROP TRIGGER IF EXISTS {TABLE}_no_{op}" for op in ("update", "delete")),
}

for _dialect, _statements in AUDIT_APPEND_ONLY_SQL.items():
    for _sql in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))

"""Writing messages to the outbox (in the caller's transaction) and reading it back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quiz.extensions import db
from quiz.notifications.models import NotificationPreference, OutboxMessage
from quiz.timeutil import utcnow

# Optional messages a user may turn off (quiz.notifications.forms labels them); the rest is always sent.
OPTIONAL_KINDS = ("reminder_j7", "reminder_j1")


@dataclass(frozen=True)
class Attachment:
    key: str  # a quiz.storage key
    name: str
    content_type: str


def enqueue(recipient: str, subject: str, body: str, kind: str, user_id: int | None = None,
            attachments: Sequence[Attachment] = (), dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add a message to the outbox without committing: it is sent only if the caller's transaction
    commits, so an event and its mail stand or fall together. With `dedupe_key`, a message already
    queued under that key (by this or another server) makes this call a no-op (returns None)."""
    if user_id is not None and kind in OPTIONAL_KINDS and not wants(user_id, kind):
        return None
    message = OutboxMessage(
        kind=kind, recipient=recipient, user_id=user_id, subject=subject[:255], body=body,
        attachments=[{"key": a.key, "name": a.name, "type": a.content_type} for a in attachments] or None,
        dedupe_key=dedupe_key, status="pending", attempts=0, next_attempt_at=utcnow(), created_at=utcnow(),
    )
    if dedupe_key is None:
        db.session.add(message)
        return message
    if db.session.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first():
        return None
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # queued meanwhile by another server
        return None
    return message


def wants(user_id: int, kind: str) -> bool:
    row = db.session.execute(select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)).first()
    return True if row is None else bool(row[0])


def preferences(user_id: int) -> dict[str, bool]:
    return {kind: wants(user_id, kind) for kind in OPTIONAL_KINDS}


def set_preferences(user_id: int, choices: dict[str, bool]) -> None:
    for kind, enabled in choices.items():
        if kind not in OPTIONAL_KINDS:
            raise ValueError(f"type de message inconnu : {kind}")
        row = db.session.execute(select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)).scalar_one_or_none()
        if row is None:
            db.session.add(NotificationPreference(user_id=user_id, kind=kind, enabled=enabled))
        else:
            row.enabled = enabled
    db.session.commit()


def recent(limit: int = 200, status: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.execute(query).scalars())


def message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def retry(message_id: int) -> bool:
    """Put a message given up back in the queue, its attempts counted afresh."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != "failed":
        return False
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    db.session.commit()
    return True


def messages_to(recipient: str) -> list[OutboxMessage]:
    return list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)).scalars())

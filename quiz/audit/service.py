"""Recording and reading audit events.

`record()` is the one call other packages make after a sensitive action. The actor, address and
browser come from Flask-Login and the request when there is one (the CLI has neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import func, insert, or_, select

from quiz.audit.models import AuditEvent
from quiz.extensions import db
from quiz.timeutil import utcnow

PAGE_SIZE = 50


def current_actor_id() -> int | None:
    """The logged-in user's id, or None outside a request or for a visitor."""
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if current_user and current_user.is_authenticated else None


def _origin() -> tuple[str | None, str | None]:
    """The request's address and browser, when there is a request."""
    if not has_request_context():
        return None, None
    return (request.remote_addr or "")[:45] or None, (request.user_agent.string or "")[:255] or None


def _target(target) -> tuple[str | None, str | None]:
    """("User", "12") from a model instance, a (type, id) pair, or None."""
    if target is None:
        return None, None
    if isinstance(target, tuple):
        kind, ident = target
        return str(kind), None if ident is None else str(ident)
    return type(target).__name__, str(target.id)


def record(action: str, *, target=None, details: dict | None = None, actor=None, commit: bool = True) -> AuditEvent:
    """Journal `action` (e.g. "login.failure") on `target` (a model or a (type, id) pair).

    `actor` defaults to the logged-in user. With commit=False the event joins the caller's
    transaction, so that it is written if and only if the action itself is.
    """
    kind, ident = _target(target)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else current_actor_id(),
        action=action,
        target_type=kind,
        target_id=ident,
        details=details or {},
        created_at=utcnow(),
    )
    event.ip, event.user_agent = _origin()
    db.session.add(event)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return event


def journal(action: str, *, target=None, details: dict | None = None, actor_id: int | None = None) -> None:
    """`record(..., commit=False)` in one INSERT and no ORM object: for the exam's hand-in wave."""
    kind, ident = _target(target)
    ip, user_agent = _origin()
    db.session.execute(_INSERT_EVENT, {"actor_id": actor_id, "action": action, "target_type": kind, "target_id": ident,
                                       "details": details or {}, "created_at": utcnow(), "ip": ip,
                                       "user_agent": user_agent})


_INSERT_EVENT = insert(AuditEvent.__table__)


@dataclass(frozen=True)
class Filters:
    action: str = ""
    actor: str = ""
    target_type: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def search(filters: Filters, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """Events matching every filter given, newest first, one page at a time."""
    from quiz.accounts.models import User

    query = select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < filters.until)
    if filters.actor:
        needle = filters.actor.strip().lower()
        actors = select(User.id).where(
            or_(func.lower(User.email).contains(needle, autoescape=True),
                func.lower(User.last_name).contains(needle, autoescape=True))
        )
        query = query.where(AuditEvent.actor_id.in_(actors))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, min(page, max(1, -(-total // size))))
    events = db.session.execute(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).offset((page - 1) * size).limit(size)
    ).scalars().all()
    return Page(list(events), page, total, size)


def actions() -> list[str]:
    """Every action name recorded so far, for the filter's choices."""
    return list(db.session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())

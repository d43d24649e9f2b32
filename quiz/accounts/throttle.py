"""Login throttling with its counters in the database, so every worker and machine sees them.

Each login attempt reserves one row per key (the normalised e-mail and the client address)
before its password is checked, in one serialised step per key (`reserve`); a wrong password
leaves the rows as its failure, a right one removes them (`release`). When a key's last failure
closes a run of `max` failures within the sliding window, further attempts on it are refused,
without looking at the password, until that last failure is `delay` old; the delay doubles with
each failure beyond the limit (capped). Refused attempts add nothing, so a locked account opens
again on time whatever an attacker keeps sending. The e-mail key is counted whether or not an account
exists, and the refusal message is the same for both: it reveals nothing about accounts.

The address limit is higher than the e-mail one: a whole cohort logs in from one training
centre's address on exam day.

Settings: LOGIN_MAX_FAILURES (5), LOGIN_MAX_FAILURES_PER_IP (50), LOGIN_WINDOW_MINUTES (15),
LOGIN_LOCK_SECONDS (60, the first delay), LOGIN_MAX_LOCK_SECONDS (3600); RATELIMIT_ENABLED
(true) turns the whole thing off for tests that do not test it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from quiz.database import is_postgres
from quiz.extensions import db
from quiz.timeutil import UTCDateTime, utcnow


class LoginFailure(db.Model):
    """One failed login, under one key ("email:…" or "ip:…")."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Policy:
    max_per_email: int = 5
    max_per_ip: int = 50
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(seconds=60)
    max_lock: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls) -> Policy:
        config = current_app.config
        return cls(
            max_per_email=int(config.get("LOGIN_MAX_FAILURES", 5)),
            max_per_ip=int(config.get("LOGIN_MAX_FAILURES_PER_IP", 50)),
            window=timedelta(minutes=float(config.get("LOGIN_WINDOW_MINUTES", 15))),
            first_lock=timedelta(seconds=float(config.get("LOGIN_LOCK_SECONDS", 60))),
            max_lock=timedelta(seconds=float(config.get("LOGIN_MAX_LOCK_SECONDS", 3600))),
        )

    def lock(self, failures: int, limit: int) -> timedelta:
        """How long after the last failure a key with `failures` (≥ limit) stays locked."""
        return min(self.first_lock * 2 ** (failures - limit), self.max_lock)


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _keys(email: str, ip: str | None) -> list[tuple[str, str]]:
    """(kind, key) pairs for an attempt; the e-mail is normalised as accounts store it."""
    keys = [("email", "email:" + (email or "").strip().lower()[:280])]
    if ip:
        keys.append(("ip", "ip:" + ip[:60]))
    return keys


def _lock_id(key: str) -> int:
    """A key as the signed 64-bit number PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _serialise(keys: list[tuple[str, str]], policy: Policy, now: datetime) -> None:
    """Hold, until the transaction ends, a lock that every other attempt on one of these keys waits for.

    PostgreSQL: one transaction-scoped advisory lock per key, taken in a fixed order (no deadlock).
    SQLite has one writer at a time: the transaction's first statement is a write (forgetting
    failures out of every window), so the writer lock is held from there to the commit; a read
    first would let another writer commit in between."""
    db.session.commit()  # start from a fresh transaction
    if is_postgres(db.engine):
        for lock in sorted(_lock_id(key) for _kind, key in keys):
            db.session.execute(select(func.pg_advisory_xact_lock(lock)))
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - policy.window - policy.max_lock))


def _wait(keys: list[tuple[str, str]], policy: Policy, now: datetime) -> tuple[timedelta, str | None, datetime | None]:
    """How long these keys stay locked, the key that locks longest, and when its lock began."""
    wait, locking, since = timedelta(0), None, None
    for kind, key in keys:
        limit = policy.max_per_email if kind == "email" else policy.max_per_ip
        last = db.session.execute(select(func.max(LoginFailure.failed_at)).where(LoginFailure.key == key)).scalar()
        if last is None or last + policy.max_lock <= now:
            continue
        count = db.session.execute(
            select(func.count(LoginFailure.id))
            .where(LoginFailure.key == key, LoginFailure.failed_at > last - policy.window)
        ).scalar_one()
        if count >= limit and last + policy.lock(count, limit) - now > wait:
            wait, locking, since = last + policy.lock(count, limit) - now, key, last
    return wait, locking, since


@dataclass(frozen=True)
class Reservation:
    """The outcome of `reserve`: seconds to wait (refused), or the failure rows standing for this attempt."""

    wait: int = 0
    rows: tuple[int, ...] = ()
    address_failures: int = 0  # this address's failures in the window, this attempt included


def reserve(email: str, ip: str | None, now: datetime | None = None) -> Reservation:
    """Count this attempt as a failure *before* its password is checked, or refuse it.

    Checking the lock and adding the failure are one serialised step per key, so that 40
    simultaneous attempts on an e-mail with a limit of 5 check at most 5 passwords: the others
    find the 5 reservations and are refused. A refusal adds nothing; the first refusal of a lock
    is journaled (`login.throttled`), later ones are not, so hammering a locked key writes nothing.
    A success then `release`s its rows; a wrong password leaves them as the failure they are."""
    if not _enabled():
        return Reservation()
    now = now or utcnow()
    policy = Policy.from_config()
    keys = _keys(email, ip)
    _serialise(keys, policy, now)
    wait, key, since = _wait(keys, policy, now)
    if wait > timedelta(0):
        _journal_lock(key, since, email)
        db.session.commit()
        return Reservation(wait=max(1, math.ceil(wait.total_seconds())))
    rows = [LoginFailure(key=key, failed_at=now) for _kind, key in keys]
    db.session.add_all(rows)
    db.session.flush()
    address = db.session.execute(
        select(func.count(LoginFailure.id)).where(LoginFailure.key == keys[-1][1],
                                                  LoginFailure.failed_at > now - policy.window)
    ).scalar_one() if len(keys) > 1 else 0
    reservation = Reservation(rows=tuple(row.id for row in rows), address_failures=address)
    db.session.commit()
    return reservation


def _journal_lock(key: str, since: datetime, email: str) -> None:
    """Journal a lock once, at its first refusal (the lock is held: no concurrent refusal journals it too)."""
    from quiz.audit.models import AuditEvent
    from quiz.audit.service import record

    target = ("LoginKey", key[:64])
    already = db.session.execute(
        select(AuditEvent.id).where(AuditEvent.action == "login.throttled", AuditEvent.target_type == target[0],
                                    AuditEvent.target_id == target[1], AuditEvent.created_at >= since).limit(1)
    ).first()
    if already is None:
        record("login.throttled", target=target, details={"email": (email or "").strip().lower()[:254]},
               commit=False)


def release(reservation: Reservation, email: str) -> None:
    """A successful login: its own reservation is no failure, and the e-mail's failures reserved
    before it (the user's own typos) are forgotten; the address keeps its own. Attempts reserved
    after it, concurrent with it, still count: a success inside a burst of guesses does not hand
    the burst fresh tries."""
    if not _enabled() or not reservation.rows:
        return
    db.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(reservation.rows)))
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _keys(email, None)[0][1],
                                                  LoginFailure.id < min(reservation.rows)))
    db.session.commit()

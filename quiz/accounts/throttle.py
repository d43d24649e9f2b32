"""Login throttling with its counters in the database, so every worker and machine sees them.

Each failed login adds one row per key: the normalised e-mail and the client address. When a
key's last failure closes a run of `max` failures within the sliding window, further attempts on
it are refused, without looking at the password, until that last failure is `delay` old; the
delay doubles with each failure beyond the limit (capped). Refused attempts add nothing, so a locked account opens again
on time whatever an attacker keeps sending. The e-mail key is counted whether or not an account
exists, and the refusal message is the same for both: it reveals nothing about accounts.

The address limit is higher than the e-mail one: a whole cohort logs in from one training
centre's address on exam day.

Settings: LOGIN_MAX_FAILURES (5), LOGIN_MAX_FAILURES_PER_IP (50), LOGIN_WINDOW_MINUTES (15),
LOGIN_LOCK_SECONDS (60, the first delay), LOGIN_MAX_LOCK_SECONDS (3600); RATELIMIT_ENABLED
(true) turns the whole thing off for tests that do not test it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

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


def retry_after(email: str, ip: str | None, now: datetime | None = None) -> int:
    """Seconds before this e-mail and address may try again; 0 when they may now."""
    if not _enabled():
        return 0
    now = now or utcnow()
    policy = Policy.from_config()
    wait = timedelta(0)
    for kind, key in _keys(email, ip):
        limit = policy.max_per_email if kind == "email" else policy.max_per_ip
        last = db.session.execute(select(func.max(LoginFailure.failed_at)).where(LoginFailure.key == key)).scalar()
        if last is None or last + policy.max_lock <= now:
            continue
        count = db.session.execute(
            select(func.count(LoginFailure.id))
            .where(LoginFailure.key == key, LoginFailure.failed_at > last - policy.window)
        ).scalar_one()
        if count >= limit:
            wait = max(wait, last + policy.lock(count, limit) - now)
    return max(0, math.ceil(wait.total_seconds()))


def record_failure(email: str, ip: str | None, now: datetime | None = None) -> None:
    """Count a failed login against its e-mail and address, and forget failures out of the window."""
    if not _enabled():
        return
    now = now or utcnow()
    policy = Policy.from_config()
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - policy.window - policy.max_lock))
    db.session.add_all(LoginFailure(key=key, failed_at=now) for _kind, key in _keys(email, ip))
    db.session.commit()


def clear(email: str) -> None:
    """A successful login forgets that e-mail's failures (the address keeps its own)."""
    if not _enabled():
        return
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _keys(email, None)[0][1]))
    db.session.commit()

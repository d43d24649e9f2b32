"""Server time: the only clock that decides deadlines, and the column type that stores it.

Datetimes are aware UTC in Python and stored as UTC on both engines; tests move the clock
with `set_clock()` instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Now, in aware UTC, from the real clock or the one a test installed."""
    return _clock() if _clock is not None else datetime.now(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Install a clock (a callable returning aware UTC datetimes), or None for the real one."""
    global _clock
    _clock = clock


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on SQLite (which has no time zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use quiz.timeutil.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

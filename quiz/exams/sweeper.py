"""The servers hand in abandoned attempts themselves: a small loop in every server process.

Every process wakes up every half period and tries to take the turn: one conditional UPDATE
of a `scheduled_tasks` row (`next_run_at <= now`). With any number of processes and machines
on one database exactly one wins per period and runs `finalise_expired`; the others have
spent one indexed UPDATE. Finalising is itself a conditional UPDATE, so even a turn taken
twice (clock skew between machines) hands nothing in twice. Why a loop and not a scheduler
library: docs/deployment.md.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from quiz.exams.models import ScheduledTask
from quiz.extensions import db
from quiz.timeutil import utcnow

log = logging.getLogger(__name__)
TASK = "finalise-expired"


def take_turn(name: str, period: timedelta, now: datetime | None = None) -> bool:
    """True for the one caller, among all processes on the database, whose turn it is to run `name`."""
    now = now or utcnow()
    holder = f"{socket.gethostname()}:{os.getpid()}"[:100]
    won = db.session.execute(
        update(ScheduledTask).where(ScheduledTask.name == name, ScheduledTask.next_run_at <= now)
        .values(next_run_at=now + period, holder=holder).execution_options(synchronize_session=False)
    ).rowcount == 1
    if won:
        db.session.commit()
        return True
    db.session.rollback()
    if db.session.get(ScheduledTask, name) is not None:
        return False
    db.session.add(ScheduledTask(name=name, next_run_at=now + period, holder=holder))
    try:
        db.session.commit()
    except IntegrityError:  # another process created it first: its turn
        db.session.rollback()
        return False
    return True


def init_app(app: Flask, also: tuple[Callable[[], int], ...] = ()) -> None:
    """Other engines' expired attempts, handed in on the same turn (E3 answers written online):
    the exams package knows no engine above it, create_app() tells it which."""
    app.extensions["quiz.sweep_also"] = tuple(also)


def sweep_once(app: Flask) -> int:
    """One wake-up: hand in expired attempts if this process has the turn; how many it handed in."""
    from quiz.exams.service import finalise_expired

    with app.app_context():
        try:
            if take_turn(TASK, timedelta(seconds=app.config["SWEEP_SECONDS"])):
                return finalise_expired() + sum(task() for task in app.extensions.get("quiz.sweep_also", ()))
        except SQLAlchemyError:  # the database is away: the next wake-up tries again
            log.exception("remise automatique des tentatives expirées : base de données indisponible")
            db.session.rollback()
        finally:
            db.session.remove()
    return 0


def start(app: Flask) -> threading.Thread | None:
    """Start the loop in this server process (a daemon thread); None when SWEEP_SECONDS is 0."""
    period = app.config.get("SWEEP_SECONDS", 20)
    if not period:
        return None

    def loop() -> None:
        while True:
            threading.Event().wait(period / 2 * random.uniform(0.8, 1.2))
            sweep_once(app)

    thread = threading.Thread(target=loop, name="quiz-sweeper", daemon=True)
    thread.start()
    return thread

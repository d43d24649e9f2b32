"""The real server hands in an abandoned attempt by itself: no browser, no cron, no request at all."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.exams import service
from quiz.exams.models import Attempt
from quiz.extensions import db
from quiz.ledger.models import LedgerEntry
from quiz.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ledger_rows(attempt_id: int) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).where(LedgerEntry.attempt_id == attempt_id)).scalar()


@pytest.mark.parametrize("command", [["run"], ["serve", "--workers", "2", "--threads", "2"]],
                         ids=["quiz run", "quiz serve"])
def test_an_abandoned_attempt_reaches_the_ledger_with_no_client(app, open_session, make_user, command):
    candidate = make_user(roles=("candidate",), cohort="Promotion test")
    attempt = service.start_attempt(candidate, open_session(minutes=30).id)
    attempt.deadline = utcnow() + timedelta(seconds=2)  # the candidate closed the browser: nothing else comes
    db.session.commit()
    attempt_id = attempt.id
    port = _free_port()
    bind = ["--bind", f"127.0.0.1:{port}"] if command[0] == "serve" else ["--host", "127.0.0.1", "--port", str(port)]
    env = os.environ | {"QUIZ_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "QUIZ_SECRET_KEY": "test",
                        "QUIZ_SWEEP_SECONDS": "2", "QUIZ_GRACE_SECONDS": "1", "QUIZ_PROXIES": "0"}
    server = subprocess.Popen([sys.executable, "-c", "from quiz.cli import main; main()", *command, *bind],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        limit = time.monotonic() + 60  # the promise: handed in within 60 s after deadline + grace
        while _ledger_rows(attempt_id) == 0 and time.monotonic() < limit and server.poll() is None:
            time.sleep(0.25)
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        assert _ledger_rows(attempt_id) >= 1
        db.session.expire_all()
        handed_in = db.session.get(Attempt, attempt_id)
        assert handed_in.status == "finished" and handed_in.finished_by == "deadline"
    finally:
        server.terminate()
        server.wait(timeout=20)

"""Sending the outbox: claimed by lease, so that N servers on one database never send a message
twice, retried with a growing delay, given up (status `failed`) after MAX_ATTEMPTS.

A claim is a compare-and-set UPDATE on the row (on PostgreSQL after a SELECT … FOR UPDATE SKIP
LOCKED, so concurrent senders take different rows instead of queueing behind each other). The
lease outlives one SMTP exchange; a sender that dies holding it leaves the message to be taken
again when it expires. A message sent and then not marked (a crash between the two) is sent
again: delivery is at least once, and its Message-ID, fixed per row, lets mail systems spot the
duplicate.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import or_, select, update

from quiz import storage
from quiz.extensions import db
from quiz.notifications.models import OutboxMessage
from quiz.timeutil import utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 20


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the n-th failure, at most 2 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def build_email(row: OutboxMessage, sender: str, domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<outbox-{row.id}-{row.created_at:%Y%m%d%H%M%S}@{domain}>"
    message.set_content(row.body)
    for item in row.attachments or ():
        maintype, _, subtype = item["type"].partition("/")
        message.add_attachment(storage.read(item["key"]), maintype=maintype, subtype=subtype or "octet-stream",
                               filename=item["name"])
    return message


def deliver(message: EmailMessage, config) -> None:
    """Hand one message to the configured backend; raises on failure."""
    backend = config.get("MAIL_BACKEND", "file")
    if backend == "smtp":
        host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT", 25))
        timeout = float(config.get("SMTP_TIMEOUT", 30))
        factory = smtplib.SMTP_SSL if config.get("SMTP_SSL") else smtplib.SMTP
        with factory(host, port, timeout=timeout) as smtp:
            if config.get("SMTP_STARTTLS") and not config.get("SMTP_SSL"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            smtp.send_message(message)
    elif backend == "file":
        folder = Path(config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        partial = folder / f".{name}.tmp"
        partial.write_bytes(bytes(message))
        partial.replace(folder / f"{name}.eml")
    else:
        raise RuntimeError(f"QUIZ_MAIL_BACKEND inconnu : {backend}")


def _claim(worker: str, limit: int) -> list[int]:
    now = utcnow()
    due = (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now) & or_(
        OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    query = select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message_id in db.session.execute(query).scalars().all():
        result = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, due).values(
            claimed_by=worker, claimed_until=now + LEASE))
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def _finish(message_id: int, worker: str, error: str | None) -> None:
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.claimed_by != worker:
        db.session.rollback()
        return
    now = utcnow()
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
    else:
        row.last_error = error[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
    row.claimed_by = row.claimed_until = None
    db.session.commit()


def send_due_messages(app: Flask | None = None, limit: int = BATCH) -> int:
    """Send what is due; returns how many were sent. Safe to run on every server at once."""
    if app is not None and not _has_context(app):
        with app.app_context():
            return send_due_messages(None, limit)
    config = current_app.config
    worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    sent = 0
    domain = parseaddr(config.get("MAIL_FROM", ""))[1].rpartition("@")[2] or "localhost"
    for message_id in _claim(worker, limit):
        row = db.session.get(OutboxMessage, message_id)
        try:
            deliver(build_email(row, config.get("MAIL_FROM", "quiz@localhost"), domain), config)
        except Exception as exc:  # any failure is recorded on the row and retried
            log.warning("outbox %s: %s", message_id, exc)
            _finish(message_id, worker, f"{type(exc).__name__}: {exc}")
        else:
            _finish(message_id, worker, None)
            sent += 1
    return sent


def _has_context(app: Flask) -> bool:
    return has_app_context() and current_app._get_current_object() is app


_started: set[int] = set()
_lock = threading.Lock()


def run_jobs(app: Flask) -> None:
    """The jobs registered with init_app (reminders queued by other packages), each on its own."""
    for job in app.extensions.get("quiz.outbox_jobs", ()):
        try:
            job()
        except Exception:  # one failing job must not stop the others nor the sending
            db.session.rollback()
            log.exception("outbox job %s", getattr(job, "__name__", job))


def start_background(app: Flask) -> None:
    """Every MAIL_INTERVAL seconds, from a daemon thread of this process (one per process: gunicorn
    workers each run one, which the claims and dedupe keys make safe): run the registered jobs
    (they queue messages), then send what is due."""
    interval = float(app.config.get("MAIL_INTERVAL", 15))
    with _lock:
        if os.getpid() in _started or interval <= 0:
            return
        _started.add(os.getpid())
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                with app.app_context():
                    run_jobs(app)
                    send_due_messages(app)
            except Exception:  # a database outage must not end the loop
                log.exception("outbox sender")

    threading.Thread(target=loop, name="quiz-outbox", daemon=True).start()


def init_app(app: Flask, jobs=()) -> None:
    """Register `jobs` (callables run in an app context before each sending round) and start this
    process's sender with its first request (in every gunicorn worker, in `quiz run`), never in a
    CLI command nor in tests (TESTING), which call send_due_messages themselves."""
    app.extensions["quiz.outbox_jobs"] = tuple(jobs)
    if app.testing or app.config.get("MAIL_INTERVAL", 15) <= 0:
        return

    @app.before_request
    def start_sender() -> None:
        if os.getpid() not in _started:
            start_background(app)

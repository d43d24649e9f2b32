"""Inactivity timeout: a session unused for QUIZ_IDLE_MINUTES (default 120) is closed.

Every request of a logged-in user counts as activity, the attempt page's autosave and status
polls included, so an open attempt page keeps its session alive. A candidate with an attempt
still running is never logged out by this timeout, whatever the browser did meanwhile: the
attempt's server-side deadline is what ends it.
"""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from quiz.timeutil import utcnow
from quiz.web import api_error, is_api_request

SESSION_KEY = "_last_seen"
# Refresh the stamp at most this often, so that a burst of requests does not rewrite the cookie each time.
REFRESH_SECONDS = 15


def idle_seconds() -> float:
    return float(current_app.config["IDLE_MINUTES"]) * 60


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return is_api_request() or request.is_json or best == "application/json"


def _has_running_attempt(user_id: int, now: datetime) -> bool:
    if "exams" not in current_app.blueprints:
        return False
    from sqlalchemy import select

    from quiz.exams.models import Attempt
    from quiz.extensions import db

    running = select(Attempt.id).where(
        Attempt.candidate_id == user_id, Attempt.status == "in_progress", Attempt.deadline > now
    )
    return db.session.execute(running.limit(1)).first() is not None


def check_activity():
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    now = utcnow()
    last = session.get(SESSION_KEY)
    stamp = now.timestamp()
    if isinstance(last, (int, float)) and stamp - last > idle_seconds() and not _has_running_attempt(
        current_user.id, now
    ):
        from quiz.audit.service import record

        record("logout.idle", target=("User", current_user.id))
        logout_user()
        session.clear()
        message = _("Votre session a expiré après une période d'inactivité : reconnectez-vous.")
        if _wants_json():
            return api_error(401, "session_expired", message, login=url_for("accounts.login"))
        flash(message, "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    if not isinstance(last, (int, float)) or stamp - last >= REFRESH_SECONDS:
        session[SESSION_KEY] = int(stamp)
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("IDLE_MINUTES", float(os.environ.get("QUIZ_IDLE_MINUTES", "120")))
    app.before_request(check_activity)

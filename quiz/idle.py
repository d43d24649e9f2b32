"""Inactivity timeout: a session unused for QUIZ_IDLE_MINUTES (default 120) is closed; and an
absolute lifetime: a session is closed QUIZ_SESSION_MAX_HOURS (default 12) after its login,
however active, so that a copied cookie does not stay good for ever by being used.

Every request of a logged-in user counts as activity, the attempt page's autosave and status
polls included, so an open attempt page keeps its session alive. A candidate with an attempt
still running is never logged out by this timeout, whatever the browser did meanwhile: the
attempt's server-side deadline is what ends it (the longest exam, 10 hours with extra time,
fits in the absolute lifetime anyway). A session without a login stamp (issued before the
stamp existed) gets one at its next request.
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
LOGIN_KEY = "_login_at"
# Refresh the stamp at most this often, so that a burst of requests does not rewrite the cookie each time.
REFRESH_SECONDS = 15


def idle_seconds() -> float:
    return float(current_app.config["IDLE_MINUTES"]) * 60


def max_age_seconds() -> float:
    return float(current_app.config["SESSION_MAX_HOURS"]) * 3600


def start_session() -> None:
    """Stamp a new login: the absolute lifetime counts from here."""
    session[LOGIN_KEY] = int(utcnow().timestamp())


def _expiry(last, login_at, stamp: float) -> str | None:
    """Why this session is over ("idle", "age"), or None."""
    if isinstance(last, (int, float)) and stamp - last > idle_seconds():
        return "idle"
    if isinstance(login_at, (int, float)) and stamp - login_at > max_age_seconds():
        return "age"
    return None


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
    expiry = _expiry(last, session.get(LOGIN_KEY), stamp)
    if expiry and not _has_running_attempt(current_user.id, now):
        from quiz.audit.service import record

        record("logout.idle" if expiry == "idle" else "logout.expired", target=("User", current_user.id))
        logout_user()
        session.clear()
        message = (_("Votre session a expiré après une période d'inactivité : reconnectez-vous.") if expiry == "idle"
                   else _("Votre session a atteint sa durée maximale : reconnectez-vous."))
        if _wants_json():
            return api_error(401, "session_expired", message, login=url_for("accounts.login"))
        flash(message, "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    if not isinstance(last, (int, float)) or stamp - last >= REFRESH_SECONDS:
        session[SESSION_KEY] = int(stamp)
    if not isinstance(session.get(LOGIN_KEY), (int, float)):
        session[LOGIN_KEY] = int(stamp)
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("IDLE_MINUTES", float(os.environ.get("QUIZ_IDLE_MINUTES", "120")))
    app.config.setdefault("SESSION_MAX_HOURS", float(os.environ.get("QUIZ_SESSION_MAX_HOURS", "12")))
    app.before_request(check_activity)

"""HTTP security headers on every response, and the session loader for Flask-Login."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Flask, current_app, flash, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_url
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from quiz import idle
from quiz.web import api_error, is_api_request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True, eq=False)
class SessionUser(UserMixin):
    """The logged-in user as the exam's JSON API sees it: who, and whether the session still holds.

    Autosaves and status polls come at the exam's pace and need neither the profile nor the roles:
    they check the session against one row (active, session version, provisional password) instead
    of building the ORM user. Every other request gets the `User` model.
    """

    id: int
    session_version: int
    must_change_password: bool

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


@dataclass(frozen=True, eq=False)
class DeferredSessionUser(SessionUser):
    """The signed cookie's user, not yet checked against the database.

    Only for a view marked `@session_checked_by_write`: its one statement carries the check
    (active, same session version, no provisional password) in its own WHERE clause, which spares
    the autosave a round trip, and it calls `verify_session` before anything else it could do.
    """

    must_change_password: bool = False
    deferred: bool = True


def session_checked_by_write(view):
    """Mark a view whose write checks the session itself (see `DeferredSessionUser`)."""
    view.session_checked_by_write = True
    return view


class SessionEnded(Exception):
    """The cookie's session no longer holds (logged out elsewhere, account closed, provisional password)."""

    def __init__(self, password_change: bool = False):
        super().__init__("password_change_required" if password_change else "login_required")
        self.password_change = password_change


def verify_session(user: SessionUser) -> None:
    """The check a `DeferredSessionUser` skipped, for the paths where its write did not run or failed."""
    if not getattr(user, "deferred", False):
        return
    checked = _session_user(user.id, user.session_version)
    if checked is None or checked.must_change_password:
        raise SessionEnded(password_change=checked is not None)


def session_ended_response(error: SessionEnded):
    """What the API answers when a deferred check fails: what the eager check would have answered."""
    from quiz.extensions import login_manager

    if error.password_change:
        return api_error(403, "password_change_required", _l("Changez d'abord votre mot de passe provisoire."))
    return login_manager.unauthorized()


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is `Secure` whenever the request came over HTTPS.

    QUIZ_SECURE_COOKIES=1 still forces it; without it, a deployment behind TLS no longer hands
    out a session cookie that the browser would also send over plain HTTP."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


@functools.cache
def _session_row():
    """Built once: building the statement would cost more than running it."""
    from quiz.accounts.models import User

    users = User.__table__
    return select(users.c.must_change_password).where(
        users.c.id == bindparam("ident"), users.c.session_version == bindparam("version"), users.c.active.is_(True))


def _session_user(ident: int, version: int) -> SessionUser | None:
    from quiz.extensions import db

    row = db.session.execute(_session_row(), {"ident": ident, "version": version}).first()
    return None if row is None else SessionUser(ident, version, row.must_change_password)


def init_app(app: Flask) -> None:
    from quiz.extensions import db, login_manager

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Veuillez vous connecter pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.session_interface = SessionInterface()
    idle.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from quiz.accounts.models import User

        ident, _, version = user_id.partition(":")
        if not ident.isdigit() or not version.isdigit():
            return None
        if is_api_request():
            view = current_app.view_functions.get(request.endpoint)
            if getattr(view, "session_checked_by_write", False):
                return DeferredSessionUser(int(ident), int(version))
            return _session_user(int(ident), int(version))
        # One query per page, roles joined: every page's navigation asks for them (the exam's JSON
        # API, which never does, gets a SessionUser above).
        user = db.session.get(User, int(ident), options=[joinedload(User.role_rows)])
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api_request():
            # A redirect to the login page would reach the attempt page's script as a 200 it could take for a save.
            return api_error(401, "login_required", _l("Votre session a pris fin : reconnectez-vous, puis rechargez "
                                                       "la page ; vos réponses non enregistrées sont gardées dans "
                                                       "ce navigateur."), login=url_for(login_manager.login_view))
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and "Cache-Control" not in response.headers and current_user.is_authenticated:
            # A page or an answer of a logged-in user is nobody else's: not kept by a shared
            # computer's browser (back button after logout) nor by a cache on the way.
            response.headers["Cache-Control"] = "private, no-store"
        return response

"""HTTP security headers on every response, and the session loader for Flask-Login."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import lazyload

from quiz import idle

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    from quiz.extensions import db, login_manager

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Veuillez vous connecter pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    idle.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from quiz.accounts.models import User

        ident, _, version = user_id.partition(":")
        if not ident.isdigit() or not version.isdigit():
            return None
        # One query per request; roles load on first use (autosave and polls never need them).
        user = db.session.get(User, int(ident), options=[lazyload(User.role_rows)])
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

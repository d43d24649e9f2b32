"""Settings from the environment; nothing secret is a constant in the code."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENV_PREFIX = "QUIZ_"


def _secret_key(instance_path: Path) -> str:
    """QUIZ_SECRET_KEY, or a key generated once and kept in instance/ (mode 600)."""
    key = os.environ.get("QUIZ_SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def load_config(instance_path: Path) -> dict:
    """The app's configuration, read from QUIZ_* environment variables with safe defaults."""
    instance_path.mkdir(parents=True, exist_ok=True)
    env = os.environ.get
    database_url = normalise_database_url(env("QUIZ_DATABASE_URL") or f"sqlite:///{instance_path / 'quiz.sqlite3'}")
    secure_cookies = env("QUIZ_SECURE_COOKIES", "0") == "1"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Civil identities' encryption keys (comma-separated, newest first); instance/identity.key without.
        "IDENTITY_KEYS": env("QUIZ_IDENTITY_KEYS", ""),
        # The site's public address: verification links, and links in mails sent from the background.
        "PUBLIC_BASE_URL": env("QUIZ_PUBLIC_BASE_URL", "").rstrip("/"),
        "MAX_CONTENT_LENGTH": int(env("QUIZ_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": env("QUIZ_DEFAULT_LOCALE", "fr"),
        "BABEL_DEFAULT_TIMEZONE": env("QUIZ_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ("fr", "en"),
        "QUESTION_BANKS_DIR": env("QUIZ_QUESTION_BANKS") or str(Path.cwd() / "question_banks"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # The cookie is re-issued when the idle stamp moves (every 15 s at most, see idle.py), not on
        # every request: an autosave would otherwise re-sign and re-send it each time.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(env("QUIZ_SESSION_MINUTES", "240"))),
        # A CSRF token lives as long as its session (which the idle timeout and logout end), not
        # Flask-WTF's default hour: an attempt page stays open for the whole exam, up to 10 hours
        # with extra time, and its autosaves carry the token it was rendered with.
        "WTF_CSRF_TIME_LIMIT": None,
        "GRACE_SECONDS": int(env("QUIZ_GRACE_SECONDS", "15")),
        # How often the servers hand in expired attempts themselves (quiz/exams/sweeper.py); 0 = never.
        "SWEEP_SECONDS": int(env("QUIZ_SWEEP_SECONDS", "20")),
        "LOGIN_MAX_FAILURES": int(env("QUIZ_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_IP": int(env("QUIZ_LOGIN_MAX_FAILURES_PER_IP", "50")),
        "LOGIN_WINDOW_MINUTES": int(env("QUIZ_LOGIN_WINDOW_MINUTES", "15")),
        # Reverse proxies whose X-Forwarded-* headers are believed (quiz/proxies.py); none by default.
        "TRUSTED_PROXIES": env("QUIZ_TRUSTED_PROXIES", ""),
        **mail_config(instance_path),
    }


def mail_config(instance_path: Path) -> dict:
    """Outgoing mail: SMTP when QUIZ_SMTP_HOST is set, else .eml files in instance/mail (development)."""
    env = os.environ.get
    return {
        "MAIL_BACKEND": env("QUIZ_MAIL_BACKEND") or ("smtp" if env("QUIZ_SMTP_HOST") else "file"),
        "MAIL_FOLDER": env("QUIZ_MAIL_FOLDER") or str(instance_path / "mail"),
        "MAIL_FROM": env("QUIZ_MAIL_FROM", "Certification CAE <no-reply@localhost>"),
        "MAIL_INTERVAL": float(env("QUIZ_MAIL_INTERVAL", "15")),
        "SMTP_HOST": env("QUIZ_SMTP_HOST", ""),
        "SMTP_PORT": int(env("QUIZ_SMTP_PORT", "25")),
        "SMTP_USER": env("QUIZ_SMTP_USER", ""),
        "SMTP_PASSWORD": env("QUIZ_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env("QUIZ_SMTP_STARTTLS", "0") == "1",
        "SMTP_SSL": env("QUIZ_SMTP_SSL", "0") == "1",
        "SMTP_TIMEOUT": float(env("QUIZ_SMTP_TIMEOUT", "30")),
        "PASSWORD_RESET_MINUTES": int(env("QUIZ_PASSWORD_RESET_MINUTES", "60")),
    }


def normalise_database_url(url: str) -> str:
    """`postgresql://` URLs use the psycopg 3 driver installed with the project."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(database_url: str) -> dict:
    """Pool settings per engine: SQLite waits on locks, PostgreSQL keeps a checked pool."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # No ping before each checkout by default: at exam scale it is a fifth of a request's time
    # (bench/README.md). A connection broken by a database restart fails one request, and
    # SQLAlchemy then replaces every connection of the pool; the attempt page retries its saves.
    return {
        "pool_pre_ping": os.environ.get("QUIZ_DB_PRE_PING", "0") == "1",
        "pool_size": int(os.environ.get("QUIZ_DB_POOL_SIZE", "10")),
        "max_overflow": int(os.environ.get("QUIZ_DB_MAX_OVERFLOW", "20")),
        "pool_recycle": 1800,
    }

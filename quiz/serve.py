"""`quiz serve`: the production server, gunicorn with threaded workers, sized from bench/ measurements.

Defaults (see bench/README.md for the figures behind them): one worker process per core plus
one (`gthread`), each with 4 threads on PostgreSQL and 2 on SQLite. The work of a request is
mostly Python (routing, session, ORM, templates) with short waits on the database, so the
processes use the cores and the threads cover the database and network waits; more processes
than that only add context switches and database connections on a small machine. SQLite has
one writer at a time: with 4 threads a process, a thread holding its write lock waits for the
GIL behind its siblings while the other processes back off, and autosave throughput dropped to
a third in some runs; with 2 it stayed steady. Settings: QUIZ_BIND, QUIZ_WORKERS,
QUIZ_THREADS, QUIZ_TIMEOUT, QUIZ_TRUSTED_PROXIES (the reverse proxies whose X-Forwarded-*
headers are believed, default none: quiz/proxies.py); any other gunicorn setting goes through
GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os

import click
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    return int(os.environ.get("QUIZ_WORKERS") or (os.cpu_count() or 1) + 1)


THREADS = {"postgresql": 4, "sqlite": 2}


def default_threads(database_url: str | None = None) -> int:
    if os.environ.get("QUIZ_THREADS"):
        return int(os.environ["QUIZ_THREADS"])
    url = os.environ.get("QUIZ_DATABASE_URL", "") if database_url is None else database_url
    return THREADS["postgresql" if url.startswith(("postgresql", "postgres")) else "sqlite"]


def hide_server_banner() -> None:
    """No `Server: gunicorn` header: it tells an attacker which server and which bugs to try.

    gunicorn writes it unconditionally, with no setting to turn it off, in
    `Response.default_headers`; the wrapper drops that one line and keeps the others."""
    from gunicorn.http import wsgi

    original = wsgi.Response.default_headers
    if getattr(original, "hides_banner", False):
        return

    def default_headers(self):
        return [line for line in original(self) if not line.lower().startswith("server:")]

    default_headers.hides_banner = True
    wsgi.Response.default_headers = default_headers


class QuizServer(BaseApplication):
    """gunicorn running create_app() in every worker (after the fork: each has its own pool)."""

    def __init__(self, options: dict):
        self.options = options
        hide_server_banner()
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from quiz import create_app
        from quiz.exams import sweeper

        app = create_app()  # forwarded headers: quiz/proxies.py, from QUIZ_TRUSTED_PROXIES
        sweeper.start(app)  # in every worker, after the fork: the turn is taken in the database
        return app


def gunicorn_options(bind: str, workers: int, threads: int, timeout: int) -> dict:
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 30,
        # Longer than the proxy's idle upstream timeout (nginx: 60 s), so that the proxy, not
        # gunicorn, closes idle connections: no request is sent on a connection being closed.
        "keepalive": 75,
        # gunicorn reads X-Forwarded-Proto itself: from the same proxies as the application, or none.
        "forwarded_allow_ips": ",".join(
            p for p in os.environ.get("QUIZ_TRUSTED_PROXIES", "").replace(" ", "").split(",") if p and p != "unix"),
        "accesslog": os.environ.get("QUIZ_ACCESS_LOG") or None,
        "errorlog": "-",
    }


@click.command("serve", help="Servir l'application en production (gunicorn, derrière un proxy inverse).")
@click.option("--bind", default=lambda: os.environ.get("QUIZ_BIND", "127.0.0.1:8000"), show_default="127.0.0.1:8000",
              help="Adresse d'écoute (hôte:port ou unix:/chemin).")
@click.option("--workers", type=int, default=default_workers, show_default="cœurs + 1", help="Processus.")
@click.option("--threads", type=int, default=default_threads, show_default="4 sur PostgreSQL, 2 sur SQLite",
              help="Fils par processus.")
@click.option("--timeout", type=int, default=lambda: int(os.environ.get("QUIZ_TIMEOUT", "60")), show_default="60",
              help="Secondes avant qu'un processus bloqué soit remplacé.")
def serve_cli(bind: str, workers: int, threads: int, timeout: int) -> None:
    QuizServer(gunicorn_options(bind, workers, threads, timeout)).run()

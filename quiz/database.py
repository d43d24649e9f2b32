"""Engine tuning: SQLite in WAL mode with a busy timeout and enforced foreign keys; autocommit views."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


def autocommit(view: Callable) -> Callable:
    """Mark a view whose every write is one statement, atomic by itself: on PostgreSQL its request
    runs without an explicit transaction, which spares the BEGIN and COMMIT round trips of every
    autosave. A view that needs a transaction after all (handing in an attempt) starts one with
    `db.session.rollback()`: the next connection is transactional again. SQLite is left as it is:
    there, measured, the mode saved nothing and its switch cost 0.09 ms a request (bench/README.md).
    """
    view.autocommit = True
    return view


def init_app(app: Flask) -> None:
    from quiz.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and not getattr(engine, "_quiz_tuned", False):
            event.listen(engine, "connect", _tune_sqlite)
            engine._quiz_tuned = True
        postgres = is_postgres(engine)

    if postgres:
        @app.before_request
        def autocommit_views():
            # Registered before the other hooks, so that loading the user already runs in this mode.
            if getattr(app.view_functions.get(request.endpoint), "autocommit", False):
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"

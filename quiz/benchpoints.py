"""Baseline endpoints for bench/load.py, registered only when QUIZ_BENCH=1 (never in production).

They go through the same stack as the real pages (gunicorn, Flask, the before/after request
hooks, the session cookie, the pool) but do no work of their own: a trivial JSON answer, and
the insert of one row in a table of their own. Autosave throughput is reported as a ratio of
the bare insert's: what the stack itself costs on this machine is then out of the comparison.
The table lives in its own metadata so that the application's schema and migrations never see it.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, jsonify
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from quiz.extensions import csrf, db
from quiz.timeutil import UTCDateTime, utcnow

bench_metadata = MetaData()
bench_rows = Table(
    "bench_rows",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("note", String(40), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Built once, like the statements of the autosave path, so that the baseline is as lean as they are.
INSERT_ROW = insert(bench_rows)

bp = Blueprint("bench", __name__, url_prefix="/_bench")


@bp.route("/ping")
def ping():
    return jsonify(ok=True)


@bp.route("/insert", methods=["POST"])
@csrf.exempt
def insert_row():
    row_id = db.session.execute(INSERT_ROW, {"note": "bench", "created_at": utcnow()}).inserted_primary_key[0]
    db.session.commit()
    return jsonify(id=row_id)


def enabled() -> bool:
    return os.environ.get("QUIZ_BENCH") == "1"


def init_app(app: Flask) -> None:
    """The table is created by the load generator's seeding (bench_metadata.create_all), not here."""
    if enabled():
        app.register_blueprint(bp)

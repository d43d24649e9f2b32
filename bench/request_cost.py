"""What one request costs the application itself, in process: no server, no network, no other load.

The saturation runs of `load.py` measure what the issue asks (throughput through gunicorn, with
the generator on the same cores), but the host's steal time moves them by ± 20 % from one run to
the next. This measures the same four endpoints through Flask's test client, one after the
other in one process, best of several rounds: steady to a few per cent, so it tells whether a
change to the autosave path made it cheaper. Same seeding as `load.py` (its own database).

Usage: .venv/bin/python bench/request_cost.py [--engine postgresql|sqlite|both] [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ["QUIZ_BENCH"] = "1"  # the baseline endpoints

from load import CSRF_DATA, CSRF_INPUT, PASSWORD, database_url, make_app, seed  # noqa: E402
from sqlalchemy import select  # noqa: E402

from quiz.exams.presentation import to_display  # noqa: E402
from tests.helpers import correct_response  # noqa: E402


def endpoints(engine: str) -> dict:
    """One logged-in candidate with a started attempt, and a request function per endpoint."""
    from quiz.exams.models import AttemptItem
    from quiz.extensions import db

    seeded = seed(database_url(engine, f"request_cost_{engine}"), 1)
    app = make_app(seeded.url)
    candidate, anonymous = app.test_client(), app.test_client()
    token = CSRF_INPUT.search(candidate.get("/login").text).group(1)
    candidate.post("/login", data={"email": seeded.emails[0], "password": PASSWORD, "csrf_token": token})
    token = CSRF_INPUT.search(candidate.get("/questionnaires").text).group(1)
    started = candidate.post(f"/sessions/{seeded.session_id}/start", data={"csrf_token": token})
    attempt = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    headers = {"X-CSRFToken": CSRF_DATA.search(candidate.get(f"/attempts/{attempt}").text).group(1),
               "Accept": "application/json"}
    with app.app_context():
        items = db.session.execute(select(AttemptItem.position, AttemptItem.question_version_id,
                                          AttemptItem.option_order).where(AttemptItem.attempt_id == attempt)).all()
    bodies = [(position, {"response": to_display(seeded.payloads[v], order, correct_response(seeded.payloads[v]))})
              for position, v, order in items]

    def save(i):
        position, body = bodies[i % len(bodies)]
        return candidate.post(f"/api/attempts/{attempt}/answers/{position}", json=body, headers=headers)

    return {
        "ping": lambda i: anonymous.get("/_bench/ping"),
        "insert": lambda i: anonymous.post("/_bench/insert"),
        "status": lambda i: candidate.get(f"/api/attempts/{attempt}/status", headers=headers),
        "save": save,
    }


def measure(engine: str, requests: int, rounds: int) -> dict[str, float]:
    calls = endpoints(engine)
    for name, call in calls.items():  # warm up (compiled statements, caches), and check they work
        for i in range(50):
            reply = call(i)
            assert reply.status_code == 200, (name, reply.status_code, reply.text[:200])
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(rounds):
        for name, call in calls.items():
            began = time.perf_counter()
            for i in range(requests):
                call(i)
            best[name] = min(best[name], (time.perf_counter() - began) / requests * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    for engine in (["postgresql", "sqlite"] if args.engine == "both" else [args.engine]):
        best = measure(engine, args.requests, args.rounds)
        print(f"\n{engine}: ms per request, best of {args.rounds} rounds × {args.requests}")
        for name, ms in best.items():
            print(f"  {name:7s} {ms:6.3f}")
        print(f"  autosave / bare insert (requests per second) = {best['insert'] / best['save']:.2f}")


if __name__ == "__main__":
    main()

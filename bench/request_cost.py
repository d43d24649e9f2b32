"""What one request costs the application itself, in process: no server, no network, no other load.

The saturation and pace runs of `load.py` measure what the issues ask (throughput and latency
through gunicorn, with the generator on the same cores), but the host's steal time moves them by
± 20 % from one run to the next. This measures the exam's endpoints through Flask's test client,
one after the other in one process, over several rounds, each against the bare insert of the
same round (the median over rounds of that ratio; the best time of each is printed too): steady to
a few per cent, so it tells whether a change made a path cheaper.

Per round: the trivial JSON, the bare insert, the status poll and the autosave of one candidate
(`--requests` each); then `--starts` fresh candidates each start (`POST /sessions/<id>/start`),
open their attempt page, have 20 answers stored (outside the timing) and hand in
(`POST /attempts/<id>/submit`). Same seeding as `load.py` (its own database).

Usage: .venv/bin/python bench/request_cost.py [--engine postgresql|sqlite|both] [--requests N]
       [--starts M] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ["QUIZ_BENCH"] = "1"  # the baseline endpoints

from load import CSRF_DATA, CSRF_INPUT, PASSWORD, database_url, make_app, seed  # noqa: E402
from sqlalchemy import bindparam, select, update  # noqa: E402

from quiz.exams.presentation import to_display  # noqa: E402
from tests.helpers import correct_response, wrong_response  # noqa: E402

REPEATED = ("ping", "insert", "status", "save")
ONCE = ("start", "page", "submit")  # once per candidate


class Bench:
    """A logged-in candidate with a started attempt (the repeated endpoints), and fresh ones to start."""

    def __init__(self, engine: str, fresh: int):
        seeded = seed(database_url(engine, f"request_cost_{engine}"), 1 + fresh)
        self.seeded, self.app = seeded, make_app(seeded.url)
        self.anonymous = self.app.test_client()
        self.fresh = [self.logged_in(email) for email in seeded.emails[1:]]
        self.client, token = self.logged_in(seeded.emails[0])
        self.attempt = self.start(self.client, token)
        self.headers = {"X-CSRFToken": CSRF_DATA.search(self.page(self.client, self.attempt).text).group(1),
                        "Accept": "application/json"}
        self.bodies = [(position, {"response": to_display(seeded.payloads[v], order,
                                                          correct_response(seeded.payloads[v]))})
                       for position, v, order, _ in self.items([self.attempt])]

    def logged_in(self, email: str):
        client = self.app.test_client()
        token = CSRF_INPUT.search(client.get("/login").text).group(1)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        return client, CSRF_INPUT.search(client.get("/questionnaires").text).group(1)

    def start(self, client, token: str) -> int:
        reply = client.post(f"/sessions/{self.seeded.session_id}/start", data={"csrf_token": token})
        assert reply.status_code == 302 and "/attempts/" in reply.headers["Location"], reply.text[:300]
        return int(reply.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    @staticmethod
    def page(client, attempt: int):
        reply = client.get(f"/attempts/{attempt}")
        assert reply.status_code == 200, reply.text[:300]
        return reply

    @staticmethod
    def submit(client, token: str, attempt: int) -> None:
        reply = client.post(f"/attempts/{attempt}/submit", data={"csrf_token": token})
        assert reply.status_code == 302 and "/result" in reply.headers["Location"], reply.text[:300]

    def items(self, attempts: list[int]) -> list[tuple]:
        from quiz.exams.models import AttemptItem
        from quiz.extensions import db

        with self.app.app_context():
            return db.session.execute(
                select(AttemptItem.position, AttemptItem.question_version_id, AttemptItem.option_order,
                       AttemptItem.id).where(AttemptItem.attempt_id.in_(attempts))).all()

    def answer_all(self, attempts: list[int]) -> None:
        """Every question answered, right three times out of five (outside the timing): scoring does its work."""
        from quiz.exams.models import AttemptItem
        from quiz.extensions import db

        rng = random.Random(len(attempts))
        rows = [{"item": item_id, "r": (correct_response if rng.random() < 0.6 else wrong_response)(
                 self.seeded.payloads[v])} for _, v, _, item_id in self.items(attempts)]
        table = AttemptItem.__table__
        with self.app.app_context():
            db.session.execute(update(table).where(table.c.id == bindparam("item"))
                               .values(response=bindparam("r"), answered=True), rows)
            db.session.commit()

    def repeated(self) -> dict:
        attempt, client, headers, bodies = self.attempt, self.client, self.headers, self.bodies

        def save(i):
            position, body = bodies[i % len(bodies)]
            return client.post(f"/api/attempts/{attempt}/answers/{position}", json=body, headers=headers)

        return {
            "ping": lambda i: self.anonymous.get("/_bench/ping"),
            "insert": lambda i: self.anonymous.post("/_bench/insert"),
            "status": lambda i: client.get(f"/api/attempts/{attempt}/status", headers=headers),
            "save": save,
        }

    def once(self, count: int) -> dict[str, float]:
        """Seconds per request of start, first attempt page and submit, for `count` fresh candidates."""
        batch, self.fresh = self.fresh[:count], self.fresh[count:]
        took = {}
        began = time.perf_counter()
        attempts = [self.start(client, token) for client, token in batch]
        took["start"] = time.perf_counter() - began
        began = time.perf_counter()
        for (client, _), attempt in zip(batch, attempts, strict=True):
            self.page(client, attempt)
        took["page"] = time.perf_counter() - began
        self.answer_all(attempts)
        began = time.perf_counter()
        for (client, token), attempt in zip(batch, attempts, strict=True):
            self.submit(client, token, attempt)
        took["submit"] = time.perf_counter() - began
        return {name: seconds / count for name, seconds in took.items()}


def measure(engine: str, requests: int, starts: int, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best ms per request of each endpoint, and its cost in bare inserts: the median over rounds of
    its ratio to the insert of the same round (the host's speed moves between rounds, rarely within one)."""
    bench = Bench(engine, fresh=starts * (rounds + 1))
    calls = bench.repeated()
    for name, call in calls.items():  # warm up (compiled statements, caches), and check they work
        for i in range(50):
            reply = call(i)
            assert reply.status_code == 200, (name, reply.status_code, reply.text[:200])
    bench.once(starts)
    runs: dict[str, list[float]] = {name: [] for name in REPEATED + ONCE}
    for _ in range(rounds):
        for name, call in calls.items():
            began = time.perf_counter()
            for i in range(requests):
                call(i)
            runs[name].append((time.perf_counter() - began) / requests * 1000)
        for name, seconds in bench.once(starts).items():
            runs[name].append(seconds * 1000)
    best = {name: min(ms) for name, ms in runs.items()}
    ratios = {name: statistics.median(m / i for m, i in zip(ms, runs["insert"], strict=True))
              for name, ms in runs.items()}
    return best, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300, help="requests per round of each repeated endpoint")
    parser.add_argument("--starts", type=int, default=40, help="fresh candidates per round (start, page, submit)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    for engine in (["postgresql", "sqlite"] if args.engine == "both" else [args.engine]):
        best, ratios = measure(engine, args.requests, args.starts, args.rounds)
        print(f"\n{engine}: {args.rounds} rounds ({args.requests} of each repeated endpoint, "
              f"{args.starts} candidates starting a round)")
        print(f"  {'endpoint':9s} {'best ms':>8s} {'× insert (median of the rounds)':>32s}")
        for name, ms in best.items():
            print(f"  {name:9s} {ms:8.3f} {ratios[name]:32.2f}")
        print(f"  autosave / bare insert (requests per second) = {1 / ratios['save']:.2f}")

if __name__ == "__main__":
    main()

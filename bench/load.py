"""Exam-day load benchmark: a cohort driven over HTTP against gunicorn, then checked in the database.

One run seeds its own database (quiz_bench_* on PostgreSQL, or a file under /tmp/quiz-bench),
starts `quiz serve` with QUIZ_BENCH=1 (baseline endpoints), and drives candidates from this
separate process with asyncio + aiohttp through one bounded connection pool (like a reverse
proxy's upstream pool). Each candidate logs in, starts, opens the attempt page, answers with a
think time (autosave on every change), polls the status as attempt.js does (every 120 s, skipped
when the server was heard from in the last 90 s), reloads now and then, and submits.
Afterwards the database is checked: every acknowledged save holds the acknowledged answer
(lost answers = 0), one attempt per candidate, one result each.

Seeding goes through the models directly: 10,000 accounts share ONE password hash computed once.
That hash is a cheap PBKDF2 for the cohort; the cost of a real scrypt login is measured on its
own with a few accounts hashed the production way (see `logins`).

Usage: .venv/bin/python bench/load.py SCENARIO [--engine postgresql|sqlite] [--quick] [options]
Scenarios: saturation, logins, pace, burst, stress, two-servers, all. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from quiz.exams.presentation import to_display  # noqa: E402
from quiz.serve import default_threads, default_workers  # noqa: E402
from tests.helpers import correct_response, wrong_response  # noqa: E402

WORK = Path(os.environ.get("QUIZ_BENCH_DIR", "/tmp/quiz-bench"))
RESULTS = ROOT / "bench" / "results"
PG_SERVER = os.environ.get("QUIZ_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "motdepasse-bench"
SECRET = "bench-only-secret-key-not-for-production"
THEMATIC = 1
QUESTIONS = 20
POLL_SECONDS = 120  # attempt.js: POLL_MS
POLL_SKIP_SECONDS = 90  # ... and no request when a save or a poll answered within QUIET_MS
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')


# --- database and server ------------------------------------------------------------------------


def database_url(engine: str, name: str) -> str:
    """A fresh, empty database for this run."""
    if engine == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "quiz_bench_{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "quiz_bench_{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/quiz_bench_{name}"


def make_app(url: str):
    from quiz import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})


@dataclass
class Seed:
    url: str
    session_id: int
    emails: list[str]
    scrypt_emails: list[str]
    payloads: dict[int, dict]
    seconds: float


def seed(url: str, candidates: int, scrypt_accounts: int = 0, duration_minutes: int = 120) -> Seed:
    """Schema, banks, one questionnaire and an open session for a cohort of `candidates`."""
    from quiz.accounts.models import Cohort, User, UserRole, cohort_members
    from quiz.banks.importer import import_banks
    from quiz.banks.store import current_versions
    from quiz.benchpoints import bench_metadata
    from quiz.exams.models import ExamSession, Questionnaire
    from quiz.extensions import db
    from quiz.referential import load_referential
    from quiz.timeutil import utcnow

    began = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        db.create_all()
        bench_metadata.create_all(db.engine)
        report = import_banks([ROOT / "question_banks"], load_referential())
        assert report.ok, report.problems
        now = utcnow()
        questionnaire = Questionnaire(thematic=THEMATIC, title="Bench", question_count=QUESTIONS,
                                      duration_minutes=duration_minutes, shuffle_options=True)
        session = ExamSession(questionnaire=questionnaire, opens_at=now - timedelta(minutes=1),
                              closes_at=now + timedelta(hours=6))
        cohort = Cohort(name="Promotion bench")
        session.cohorts.append(cohort)
        db.session.add(session)
        db.session.commit()
        cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")  # once for the whole cohort
        real = generate_password_hash(PASSWORD)  # the production method (scrypt), once
        emails = [f"bench-{n:05d}@bench.test" for n in range(candidates)]
        scrypt_emails = [f"scrypt-{n:02d}@bench.test" for n in range(scrypt_accounts)]
        rows = [{"email": e, "first_name": "Candidat", "last_name": e[:11], "password_hash": cheap} for e in emails]
        rows += [{"email": e, "first_name": "Candidat", "last_name": e[:9], "password_hash": real}
                 for e in scrypt_emails]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(User), rows[start:start + 2000])
        ids = db.session.execute(select(User.id).where(User.email.like("%@bench.test"))).scalars().all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": "candidate"} for i in ids])
        db.session.execute(insert(cohort_members), [{"user_id": i, "cohort_id": cohort.id} for i in ids])
        db.session.commit()
        payloads = {v.id: v.payload for v in current_versions(THEMATIC)}
        result = Seed(url, session.id, emails, scrypt_emails, payloads, time.perf_counter() - began)
    with app.app_context():
        db.engine.dispose()
    return result


class Server:
    """`quiz serve` in a child process of this one, on loopback; stopped by its own pid."""

    def __init__(self, url: str, port: int, workers: int | None = None, threads: int | None = None):
        """Without workers or threads, `quiz serve`'s own defaults for this database (what production runs)."""
        self.url, self.port = url, port
        self.workers, self.threads = workers or default_workers(), threads or default_threads(url)
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = os.environ | {"QUIZ_DATABASE_URL": self.url, "QUIZ_BENCH": "1", "QUIZ_SECRET_KEY": SECRET,
                            "QUIZ_DB_POOL_SIZE": str(self.threads), "QUIZ_DB_MAX_OVERFLOW": "2"}
        WORK.mkdir(parents=True, exist_ok=True)
        log = open(WORK / f"server-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "quiz"), "serve", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--threads", str(self.threads)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/_bench/ping", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"server on {self.port} did not start: see {WORK / f'server-{self.port}.log'}")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Reply:
    """A response read whole, so that its connection goes straight back to the pool."""

    status_code: int
    headers: Mapping[str, str]
    text: str

    def json(self):
        return json.loads(self.text)


async def send(client: aiohttp.ClientSession, method: str, url: str, **kwargs) -> Reply:
    """One request, never following redirects (the scenario reads them)."""
    async with client.request(method, url, allow_redirects=False, **kwargs) as response:
        return Reply(response.status, response.headers.copy(), await response.text())  # case-insensitive


@dataclass
class Recorder:
    """Latencies per endpoint, with the time each request ended, and the errors met."""

    samples: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)

    async def call(self, label: str, request, expect: tuple[int, ...] = (200,)) -> Reply | None:
        began = time.perf_counter()
        try:
            response = await request
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.errors[(label, type(exc).__name__)] += 1
            return None
        ended = time.perf_counter()
        if response.status_code not in expect:
            self.errors[(label, response.status_code)] += 1
            return None
        self.samples[label].append((ended, ended - began))
        return response

    def summary(self, since: float = 0.0, until: float = float("inf")) -> dict[str, dict]:
        table = {}
        for label, rows in sorted(self.samples.items()):
            picked = [(t, d) for t, d in rows if since <= t <= until]
            if not picked:
                continue
            table[label] = stats([d for _, d in picked], picked[0][0], picked[-1][0])
        return table


def stats(durations: list[float], first: float, last: float) -> dict:
    ordered = sorted(durations)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 1)

    span = max(last - first, 1e-9)
    return {"count": len(ordered), "rps": round(len(ordered) / span, 1) if len(ordered) > 1 else None,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": round(ordered[-1] * 1000, 1)}


def print_table(title: str, table: dict[str, dict], errors: Counter | None = None) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':<14}{'count':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label, row in table.items():
        print(f"  {label:<14}{row['count']:>8}{row['rps'] or '-':>9}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['p99_ms']:>9}{row['max_ms']:>9}")
    if errors is not None:
        print(f"  errors: {dict(errors) or 0}")


def pool(connections: int) -> aiohttp.TCPConnector:
    """The bounded, kept-alive connection pool every client shares (a reverse proxy's upstream pool)."""
    return aiohttp.TCPConnector(limit=connections, keepalive_timeout=60)


def browser(connector: aiohttp.TCPConnector, timeout: float = 120,
            jar: aiohttp.CookieJar | None = None) -> aiohttp.ClientSession:
    """One candidate's browser: its own cookie jar (loopback address allowed) over the shared pool."""
    return aiohttp.ClientSession(connector=connector, connector_owner=False,
                                 cookie_jar=jar if jar is not None else aiohttp.CookieJar(unsafe=True),
                                 timeout=aiohttp.ClientTimeout(total=timeout))


# --- one candidate ------------------------------------------------------------------------------


@dataclass
class Candidate:
    email: str
    client: aiohttp.ClientSession
    bases: list[str]
    turn: int = 0
    csrf: str = ""
    attempt_id: int | None = None
    items: dict[int, tuple[dict, list]] = field(default_factory=dict)  # position -> (payload, option order)
    acked: dict[int, object] = field(default_factory=dict)
    submitted: bool = False

    def url(self, path: str) -> str:
        """Requests alternate between the servers given (one server: always the same)."""
        self.turn += 1
        return self.bases[self.turn % len(self.bases)] + path

    async def login(self, rec: Recorder) -> bool:
        page = await rec.call("login_page", send(self.client, "GET", self.url("/login")))
        if page is None:
            return False
        token = CSRF_INPUT.search(page.text).group(1)
        form = {"email": self.email, "password": PASSWORD, "csrf_token": token}
        done = await rec.call("login", send(self.client, "POST", self.url("/login"), data=form), expect=(302,))
        if done is None:
            return False
        home = await rec.call("home", send(self.client, "GET", self.url("/questionnaires")))
        if home is None:
            return False
        self.csrf = CSRF_INPUT.search(home.text).group(1)
        return True

    async def start(self, rec: Recorder, session_id: int) -> bool:
        done = await rec.call("start", send(self.client, "POST", self.url(f"/sessions/{session_id}/start"),
                                            data={"csrf_token": self.csrf}), expect=(302,))
        if done is None or "/attempts/" not in done.headers.get("location", ""):
            return False
        self.attempt_id = int(done.headers["location"].rstrip("/").rsplit("/", 1)[1])
        return await self.open_page(rec, "attempt_page")

    async def open_page(self, rec: Recorder, label: str) -> bool:
        page = await rec.call(label, send(self.client, "GET", self.url(f"/attempts/{self.attempt_id}")))
        if page is None:
            return False
        self.csrf = CSRF_DATA.search(page.text).group(1)
        return True

    def answer(self, rng: random.Random) -> tuple[int, object]:
        """A position and a response in the bank's terms (right three times out of five)."""
        position = rng.randint(1, len(self.items))
        payload = self.items[position][0]
        return position, (correct_response if rng.random() < 0.6 else wrong_response)(payload)

    def shown(self, position: int, response):
        """The response as the browser sends it: choices by their shown position."""
        payload, order = self.items[position]
        return to_display(payload, order, response)

    async def save(self, rec: Recorder, position: int, response) -> bool:
        done = await rec.call("save", send(
            self.client, "POST", self.url(f"/api/attempts/{self.attempt_id}/answers/{position}"),
            json={"response": self.shown(position, response)},
            headers={"X-CSRFToken": self.csrf, "Accept": "application/json"}))
        if done is not None and done.json().get("saved"):
            self.acked[position] = response
            return True
        return False

    async def status(self, rec: Recorder) -> None:
        await rec.call("status", send(self.client, "GET", self.url(f"/api/attempts/{self.attempt_id}/status"),
                                      headers={"Accept": "application/json"}))

    async def submit(self, rec: Recorder) -> None:
        done = await rec.call("submit", send(self.client, "POST", self.url(f"/attempts/{self.attempt_id}/submit"),
                                             data={"csrf_token": self.csrf}), expect=(302,))
        self.submitted = done is not None and "/result" in done.headers.get("location", "")


def load_items(url: str, candidates: list[Candidate], payloads: dict[int, dict]) -> None:
    """Which question sits at which position of each attempt (the browser reads it on the page)."""
    from quiz.exams.models import AttemptItem

    by_attempt = {c.attempt_id: c for c in candidates if c.attempt_id}
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.question_version_id,
                                   AttemptItem.option_order)
                            .where(AttemptItem.attempt_id.in_(list(by_attempt)))).all()
    engine.dispose()
    for attempt_id, position, version_id, order in rows:
        by_attempt[attempt_id].items[position] = (payloads[version_id], order)


# --- the checks in the database -------------------------------------------------------------------


def verify(url: str, session_id: int, candidates: list[Candidate], payloads: dict[int, dict]) -> dict:
    """Lost answers, attempts per candidate and results, read back from the database."""
    from quiz.exams.models import Attempt, AttemptItem
    from quiz.exams.service import normalise_response
    from quiz.ledger.models import LedgerEntry

    engine = create_engine(url)
    with engine.connect() as conn:
        per_candidate = conn.execute(select(Attempt.candidate_id, func.count()).where(Attempt.session_id == session_id)
                                     .group_by(Attempt.candidate_id)).all()
        stored = {(a, p): r for a, p, r in conn.execute(
            select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.response)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id).where(Attempt.session_id == session_id))}
        finished = set(conn.execute(select(Attempt.id).where(Attempt.session_id == session_id,
                                                               Attempt.status == "finished")).scalars())
        with_result = set(conn.execute(select(LedgerEntry.attempt_id).distinct()
                                       .where(LedgerEntry.attempt_id.in_(finished or {0}))).scalars())
    engine.dispose()
    acked = lost = 0
    for c in candidates:
        for position, response in c.acked.items():
            acked += 1
            if stored.get((c.attempt_id, position)) != normalise_response(c.items[position][0], response):
                lost += 1
    submitted = {c.attempt_id for c in candidates if c.submitted}
    return {
        "candidates_started": sum(1 for c in candidates if c.attempt_id),
        "attempts_per_candidate": dict(Counter(n for _, n in per_candidate)),
        "answers_checked": acked,  # the last acknowledged answer of every (attempt, position) saved
        "lost_answers": lost,
        "submitted": len(submitted),
        "submitted_not_finished": len(submitted - finished),
        "finished_without_result": len(finished - with_result),
    }


# --- scenarios ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """The shape of one cohort run (all durations in seconds)."""

    name: str
    engine: str
    candidates: int
    login_window: float
    burst_window: float
    answer_window: float
    think: tuple[float, float]
    submit_window: float
    reload_share: float = 0.05
    poll: bool = True
    servers: int = 1
    workers: int | None = None  # quiz serve's defaults
    threads: int | None = None
    connections: int = 64
    ramp: float = 0.0


async def run_cohort(plan: Plan, seeded: Seed, bases: list[str]) -> dict:
    rng = random.Random(42)
    rec = Recorder()
    connector = pool(plan.connections)
    candidates = [Candidate(e, browser(connector), bases) for e in seeded.emails]
    phases: dict[str, tuple[float, float]] = {}
    # 10,000 clients are millions of objects: a full collection of them would stall the event
    # loop for a second or more, and every request then in flight would seem that much slower.
    gc.collect()
    gc.freeze()

    async def spread(window: float, action, subset):
        began = time.perf_counter()
        offsets = sorted(rng.uniform(0, window) for _ in subset)

        async def one(c, offset):
            await asyncio.sleep(max(0.0, began + offset - time.perf_counter()))
            await action(c)

        await asyncio.gather(*(one(c, o) for c, o in zip(subset, offsets, strict=True)))
        return began, time.perf_counter()

    async def login(c):
        if not await c.login(rec):
            c.csrf = ""

    phases["logins"] = await spread(plan.login_window, login, candidates)
    phases["start"] = await spread(plan.burst_window, lambda c: c.start(rec, seeded.session_id) if c.csrf else _noop(),
                                   candidates)
    load_items(seeded.url, candidates, seeded.payloads)
    started = [c for c in candidates if c.attempt_id and c.items]

    async def answering(c: Candidate, stop: float, delay: float):
        crng = random.Random(c.email)
        await asyncio.sleep(delay)
        now = time.perf_counter()
        heard = now  # the page was loaded during the start phase, at some point of its poll cycle
        next_poll = now + crng.uniform(0, POLL_SECONDS)
        next_save = now + (crng.uniform(*plan.think) if plan.ramp else residual(crng, *plan.think))
        while True:
            moment = min(next_save, next_poll) if plan.poll else next_save
            if moment >= stop:
                return
            await asyncio.sleep(max(0.0, moment - time.perf_counter()))
            if plan.poll and next_poll <= next_save:
                if time.perf_counter() - heard >= POLL_SKIP_SECONDS:
                    await c.status(rec)
                    heard = time.perf_counter()
                next_poll += POLL_SECONDS
                continue
            if crng.random() < plan.reload_share:
                await c.open_page(rec, "reload")
                next_poll = time.perf_counter() + POLL_SECONDS  # a reloaded page restarts its timers
            if await c.save(rec, *c.answer(crng)):
                heard = time.perf_counter()
            next_save = time.perf_counter() + crng.uniform(*plan.think)

    began = time.perf_counter()
    stop = began + plan.answer_window
    delays = [plan.ramp * i / max(1, len(started)) for i in range(len(started))]
    await asyncio.gather(*(answering(c, stop, d) for c, d in zip(started, delays, strict=True)))
    phases["answering"] = (began, time.perf_counter())
    phases["submit"] = await spread(plan.submit_window, lambda c: c.submit(rec), started)
    await asyncio.gather(*(c.client.close() for c in candidates))
    await connector.close()
    checks = verify(seeded.url, seeded.session_id, candidates, seeded.payloads)
    return {"phases": {name: {"seconds": round(b - a, 1), "endpoints": rec.summary(a, b)}
                       for name, (a, b) in phases.items()},
            "errors": {f"{k[0]} {k[1]}": n for k, n in rec.errors.items()},
            "checks": checks, "slices": slices(rec, *phases["answering"])}


def residual(rng: random.Random, low: float, high: float) -> float:
    """Time to a candidate's next save seen from any instant of an exam under way.

    Starting every clock at once would send all first saves within one think time and the
    second ones on top of them (1.5 times the pace in the second minute): a wave the start
    phase, spread over minutes, does not produce. Drawing the first wait from the renewal
    process's equilibrium (density proportional to P(think > t)) gives the steady pace at once.
    """
    while True:
        t = rng.uniform(0, high)
        if t < low or rng.random() <= (high - t) / (high - low):
            return t


async def _noop():
    return None


def slices(rec: Recorder, began: float, ended: float, width: float = 15.0) -> list[dict]:
    """Save throughput and latency per time slice of the answering phase (where latency breaks)."""
    out = []
    saves = rec.samples.get("save", [])
    t = began
    while t < ended:
        picked = [d for end, d in saves if t <= end < t + width]
        if picked:
            row = stats(picked, t, t + width)
            row["rps"] = round(len(picked) / width, 1)
            out.append({"from_s": round(t - began), **row})
        t += width
    return out


async def hammer(label: str, bases: list[str], seconds: float, connections: int, make_request,
                 jars: list[aiohttp.CookieJar] | None = None) -> dict:
    """Closed loop: `connections` clients send back to back for `seconds`; the server's ceiling.

    Every run opens its own connections (with the candidates' cookie jars when given): which server
    process serves which kept-alive connection is then drawn afresh for each endpoint and round.
    """
    rec = Recorder()
    connector = pool(connections)
    stop = time.perf_counter() + seconds

    async def loop(n: int):
        async with browser(connector, timeout=60, jar=jars[n] if jars else None) as client:
            i = 0
            while time.perf_counter() < stop:
                i += 1
                await rec.call(label, make_request(client, n, i))

    began = time.perf_counter()
    await asyncio.gather(*(loop(n) for n in range(connections)))
    ended = time.perf_counter()
    await connector.close()
    row = stats([d for _, d in rec.samples[label]] or [0.0], began, ended)
    row["rps"] = round(len(rec.samples[label]) / (ended - began), 1)
    row["errors"] = sum(rec.errors.values())
    return row


async def saturation(engine: str, seconds: float, connections: int, workers: int | None, threads: int | None,
                     rounds: int) -> dict:
    """Ceiling of the trivial endpoint, the bare insert and autosave, on the same server and database."""
    seeded = seed(database_url(engine, f"saturation_{engine}"), connections)
    with Server(seeded.url, 8101, workers, threads) as server:
        workers, threads = server.workers, server.threads
        bases = [server.base]
        rec = Recorder()
        connector = pool(connections)
        candidates = [Candidate(e, browser(connector, timeout=60), bases) for e in seeded.emails]
        await asyncio.gather(*(c.login(rec) for c in candidates))
        await asyncio.gather(*(c.start(rec, seeded.session_id) for c in candidates))
        load_items(seeded.url, candidates, seeded.payloads)
        if rec.errors or not all(c.items for c in candidates):
            raise RuntimeError(f"the cohort could not start: {dict(rec.errors)}")
        answers = random.Random(7)

        def ping(client, n, i):
            return send(client, "GET", f"{server.base}/_bench/ping")

        def bare_insert(client, n, i):
            return send(client, "POST", f"{server.base}/_bench/insert")

        async def autosave(client, n, i):
            c = candidates[n]
            position, response = c.answer(answers)
            reply = await send(client, "POST", f"{server.base}/api/attempts/{c.attempt_id}/answers/{position}",
                               json={"response": c.shown(position, response)}, headers={"X-CSRFToken": c.csrf})
            if reply.status_code == 200:
                c.acked[position] = response  # checked afterwards in the database
            return reply

        await asyncio.gather(*(c.client.close() for c in candidates))  # their connections too
        await connector.close()
        jars = [c.client.cookie_jar for c in candidates]
        runs: dict[str, list[dict]] = defaultdict(list)
        for _ in range(rounds):
            for label, request in (("ping", ping), ("insert", bare_insert), ("save", autosave)):
                runs[label].append(await hammer(label, bases, seconds, connections, request,
                                                jars if label == "save" else None))
    best = {label: max(rows, key=lambda r: r["rps"]) for label, rows in runs.items()}
    checks = verify(seeded.url, seeded.session_id, candidates, seeded.payloads)
    return {"engine": engine, "workers": workers, "threads": threads, "connections": connections,
            "seconds_per_run": seconds, "rounds": rounds, "runs": runs, "best": best,
            "save_over_insert": round(best["save"]["rps"] / best["insert"]["rps"], 3),
            "insert_over_ping": round(best["insert"]["rps"] / best["ping"]["rps"], 3), "checks": checks}


async def logins(engine: str, count: int) -> dict:
    """The cost of one real login (scrypt), sequential, against the cheap hash used for the cohort."""
    seeded = seed(database_url(engine, f"logins_{engine}"), count, scrypt_accounts=count)
    with Server(seeded.url, 8102, 3, 4) as server:
        rec_real, rec_cheap = Recorder(), Recorder()
        for emails, rec in ((seeded.scrypt_emails, rec_real), (seeded.emails, rec_cheap)):
            connector = pool(4)
            for email in emails:
                async with browser(connector, timeout=60) as client:
                    await Candidate(email, client, [server.base]).login(rec)
            await connector.close()
    real, cheap = rec_real.summary()["login"], rec_cheap.summary()["login"]
    began = time.perf_counter()
    generate_password_hash(PASSWORD)
    hashing = time.perf_counter() - began
    return {"engine": engine, "count": count, "scrypt_login": real, "cheap_hash_login": cheap,
            "scrypt_hash_ms_in_process": round(hashing * 1000, 1),
            "scrypt_extra_ms": round(real["p50_ms"] - cheap["p50_ms"], 1)}


def plan_for(name: str, engine: str, quick: bool, args) -> Plan:
    q, pg = quick, engine == "postgresql"
    plans = {
        # 10,000 (2,000 on SQLite) candidates saving about once a minute; five minutes of it.
        "pace": Plan("pace", engine, candidates=400 if q else (10_000 if pg else 2000),
                     login_window=60 if q else (300 if pg else 120), burst_window=30 if q else (180 if pg else 60),
                     answer_window=90 if q else 300, think=(30, 90), submit_window=30 if q else (180 if pg else 60),
                     connections=64),
        "burst": Plan("burst", engine, candidates=200 if q else 1000, login_window=20 if q else 60,
                      burst_window=30, answer_window=20, think=(5, 15), submit_window=20),
        "stress": Plan("stress", engine, candidates=300 if q else 1000, login_window=20 if q else 60,
                       burst_window=20 if q else 60, answer_window=60 if q else 120, think=(1, 3),
                       submit_window=20, poll=True, ramp=30 if q else 90),
        "two-servers": Plan("two-servers", engine, candidates=100 if q else 300, login_window=10 if q else 20,
                            burst_window=10, answer_window=30 if q else 60, think=(1, 3), submit_window=10,
                            servers=2, workers=1, threads=4),
    }
    plan = plans[name]
    for key in ("candidates", "login_window", "burst_window", "answer_window", "submit_window", "workers", "threads",
                "connections"):
        if getattr(args, key, None):
            setattr(plan, key, getattr(args, key))
    return plan


async def cohort_scenario(plan: Plan) -> dict:
    began = time.perf_counter()
    seeded = seed(database_url(plan.engine, plan.name.replace("-", "_") + "_" + plan.engine), plan.candidates)
    servers = [Server(seeded.url, 8110 + i, plan.workers, plan.threads) for i in range(plan.servers)]
    plan.workers, plan.threads = servers[0].workers, servers[0].threads  # as run, for the report
    for server in servers:
        server.__enter__()
    try:
        result = await run_cohort(plan, seeded, [s.base for s in servers])
    finally:
        for server in servers:
            server.__exit__()
    result.update(plan={k: v for k, v in vars(plan).items()}, seed_seconds=round(seeded.seconds, 1),
                  total_seconds=round(time.perf_counter() - began, 1))
    return result


def report_cohort(result: dict) -> None:
    plan = result["plan"]
    print(f"\n=== {plan['name']} on {plan['engine']}: {plan['candidates']} candidates, "
          f"{plan['servers']} server(s) × {plan['workers']} workers × {plan['threads']} threads "
          f"(seeded in {result['seed_seconds']} s, run {result['total_seconds']} s)")
    for name, phase in result["phases"].items():
        print_table(f"{name} ({phase['seconds']} s)", phase["endpoints"])
    print(f"\nerrors: {result['errors'] or 0}")
    if plan["name"] in ("stress", "pace"):
        print("\nsaves per 15 s slice of the answering phase (the first saves come after one think time):")
        for row in result["slices"]:
            print(f"  t+{row['from_s']:>4}s {row['rps']:>7} saves/s  p50 {row['p50_ms']:>7} ms  "
                  f"p95 {row['p95_ms']:>7} ms  p99 {row['p99_ms']:>7} ms")
    print(f"checks: {json.dumps(result['checks'])}")


def report_saturation(result: dict) -> None:
    print(f"\n=== saturation on {result['engine']}: {result['workers']} workers × {result['threads']} threads, "
          f"{result['connections']} connections, best of {result['rounds']} × {result['seconds_per_run']} s")
    print_table("closed loop", result["best"])
    print(f"autosave / bare insert = {result['save_over_insert']:.2f}   "
          f"bare insert / trivial JSON = {result['insert_over_ping']:.2f}")
    print(f"checks: {json.dumps(result['checks'])}")


def save_result(name: str, result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result["date"] = time.strftime("%Y-%m-%d %H:%M")
    result["cpus"] = os.cpu_count()
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


async def main(args) -> None:
    engines = ["postgresql", "sqlite"] if args.engine == "both" else [args.engine]
    scenarios = (["logins", "saturation", "burst", "pace", "stress", "two-servers"]
                 if args.scenario == "all" else [args.scenario])
    for scenario in scenarios:
        for engine in engines:
            if scenario == "two-servers" and engine == "sqlite":
                continue
            tag = f"{scenario}-{engine}{'-quick' if args.quick else ''}{args.tag}"
            if scenario == "saturation":
                result = await saturation(engine, 5 if args.quick else args.seconds, args.connections or 16,
                                          args.workers, args.threads, args.rounds or (1 if args.quick else 3))
                report_saturation(result)
            elif scenario == "logins":
                result = await logins(engine, 3 if args.quick else 10)
                print(f"\n=== logins on {engine}: {json.dumps(result)}")
            else:
                result = await cohort_scenario(plan_for(scenario, engine, args.quick, args))
                report_cohort(result)
            save_result(tag, result)


def parse(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["saturation", "logins", "pace", "burst", "stress", "two-servers", "all"])
    parser.add_argument("--engine", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="smaller cohorts and windows (a few minutes in all)")
    parser.add_argument("--candidates", type=int)
    parser.add_argument("--login-window", dest="login_window", type=float, help="seconds over which logins arrive")
    parser.add_argument("--burst-window", dest="burst_window", type=float, help="seconds over which starts arrive")
    parser.add_argument("--answer-window", dest="answer_window", type=float)
    parser.add_argument("--submit-window", dest="submit_window", type=float, help="seconds over which hand-ins arrive")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--connections", type=int)
    parser.add_argument("--seconds", type=float, default=10, help="length of each saturation run")
    parser.add_argument("--rounds", type=int, help="saturation rounds (best kept); 3 by default, 1 with --quick")
    parser.add_argument("--tag", default="", help="suffix of the result file name (e.g. -w2t8)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))

"""Crash recovery: the server is SIGKILLed in the middle of a cohort's attempts and started again.

Every answer the server acknowledged is in the database afterwards, and every attempt resumes
with its original deadline. The server is the production one, `quiz serve` (gunicorn, two
worker processes of four threads), on the test database.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.exams.models import Attempt, AttemptItem
from quiz.exams.presentation import to_display
from quiz.extensions import db
from tests.conftest import PASSWORD
from tests.security.exam_browser import an_answer, questions
from tests.security.world import exam_setup

httpx = pytest.importorskip("httpx")
ROOT = Path(__file__).resolve().parents[2]
QUIZ = Path(sys.executable).with_name("quiz")
CANDIDATES = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`quiz serve` (gunicorn, threaded workers) in its own process group: one SIGKILL takes them all."""

    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.env = os.environ | {"QUIZ_DATABASE_URL": db_url, "QUIZ_SECRET_KEY": "crash-recovery-test",
                                 "QUIZ_IDLE_MINUTES": "600"}
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(QUIZ), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    return match.group(1)


class Candidate:
    def __init__(self, user, server: Server) -> None:
        self.user = user
        self.http = httpx.Client(base_url=server.url, timeout=10)
        page = self.http.get("/login").text
        reply = self.http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(page)})
        assert reply.status_code == 302, reply.text[:300]

    def start(self, session_id: int) -> None:
        token = _csrf(self.http.get("/questionnaires").text)
        reply = self.http.post(f"/sessions/{session_id}/start", data={"csrf_token": token})
        self.attempt_id = int(re.search(r"/attempts/(\d+)", reply.headers["Location"]).group(1))
        page = self.http.get(f"/attempts/{self.attempt_id}?mode=all").text
        self.token = _csrf(page)
        self.questions = questions(page)
        self.acknowledged: dict[int, object] = {}
        self.unanswered: dict[int, list] = {}  # sent after the last acknowledgement: may or may not be stored

    def save(self, position: int, variant: int) -> bool:
        value = an_answer(position, self.questions[position], variant)
        self.unanswered.setdefault(position, []).append(value)
        try:
            reply = self.http.post(f"/api/attempts/{self.attempt_id}/answers/{position}", json={"response": value},
                                   headers={"X-CSRFToken": self.token, "Accept": "application/json"})
        except httpx.HTTPError:
            return False  # the server died mid-request: not acknowledged
        if reply.status_code == 200 and reply.json().get("saved"):
            self.acknowledged[position] = value
            self.unanswered[position] = []
            return True
        return False

    def move_to(self, server: Server) -> None:
        cookies = self.http.cookies
        self.http = httpx.Client(base_url=server.url, timeout=10, cookies=cookies)


@pytest.mark.slow
def test_acknowledged_answers_and_deadlines_survive_a_sigkill(app, db_url, tmp_path, make_user):
    from quiz.accounts.models import Cohort

    cohort = Cohort(name="Promotion panne")
    db.session.add(cohort)
    users = [make_user(cohort=cohort) for _ in range(CANDIDATES)]
    _questionnaire, session = exam_setup(cohort, duration_minutes=60, question_count=12)
    server = Server(db_url, tmp_path)
    server.start()
    try:
        cohort_http = [Candidate(user, server) for user in users]
        for candidate in cohort_http:
            candidate.start(session.id)
        deadlines = {c.attempt_id: db.session.get(Attempt, c.attempt_id).deadline for c in cohort_http}
        stop = threading.Event()

        def keep_answering(candidate: Candidate) -> None:
            variant = 0
            while not stop.is_set():
                candidate.save(variant % 12 + 1, variant)
                variant += 1

        threads = [threading.Thread(target=keep_answering, args=(c,)) for c in cohort_http]
        for t in threads:
            t.start()
        while sum(len(c.acknowledged) for c in cohort_http) < 20:
            time.sleep(0.05)
        server.kill()  # mid-flight: the threads are still sending
        stop.set()
        for t in threads:
            t.join(timeout=20)
        server.start()
        for candidate in cohort_http:
            candidate.move_to(server)
            status = candidate.http.get(f"/api/attempts/{candidate.attempt_id}/status",
                                        headers={"Accept": "application/json"})
            assert status.status_code == 200 and status.json()["status"] == "in_progress"
    finally:
        server.kill()
    db.session.expire_all()
    for candidate in cohort_http:
        assert candidate.acknowledged
        assert db.session.get(Attempt, candidate.attempt_id).deadline == deadlines[candidate.attempt_id]
        items = {i.position: i for i in db.session.execute(
            select(AttemptItem).where(AttemptItem.attempt_id == candidate.attempt_id)).scalars()}
        for position, value in candidate.acknowledged.items():
            item = items[position]
            stored = to_display(item.version.payload, item.option_order, item.response)
            assert stored == value or stored in candidate.unanswered[position], (position, stored, value)

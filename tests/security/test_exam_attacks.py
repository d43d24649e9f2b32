"""What candidates will try during an attempt: reading keys, beating the timer, racing the server.

Every HTML and JSON response of a whole attempt is searched for what only the server may know
(correct flags, feedback, explanations, scores), compared with the question payloads stored.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.banks.render import render_markdown
from quiz.exams.models import Attempt, AttemptItem
from quiz.extensions import db
from quiz.ledger.models import LedgerEntry
from tests.security.exam_browser import an_answer, questions, visible_text
from tests.security.world import exam_setup

QUESTIONS = 12
DURATION = timedelta(minutes=30)
SECRET_KEYS = {"correct", "answer", "key", "keys", "explanation", "feedback", "credit", "score", "tolerance",
               "passed", "key_html", "explanation_html", "feedback_html", "key_pairs"}
WINDOW = 12


@pytest.fixture
def exam(app, make_user, clock):
    from quiz.accounts.models import Cohort

    cohort = Cohort(name="Promotion examen")
    db.session.add(cohort)
    candidates = [make_user(cohort=cohort) for _ in range(3)]
    _questionnaire, session = exam_setup(cohort, duration_minutes=30, question_count=QUESTIONS,
                                         review_policy="review_after_close", closes_in=timedelta(hours=4))
    return candidates, session


def start(client, session) -> int:
    response = client.post(f"/sessions/{session.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def save(client, attempt_id, position, response, **extra):
    return client.post(f"/api/attempts/{attempt_id}/answers/{position}", json={"response": response, **extra},
                       headers={"Accept": "application/json"})


def page_questions(client, attempt_id) -> dict[int, dict]:
    found = questions(client.get(f"/attempts/{attempt_id}?mode=all").get_data(as_text=True))
    assert len(found) == QUESTIONS
    return found


def state(attempt_id):
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    items = db.session.execute(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
                               .order_by(AttemptItem.position)).scalars().all()
    return {"status": attempt.status, "deadline": attempt.deadline, "finished_at": attempt.finished_at,
            "finished_by": attempt.finished_by, "score": attempt.score,
            "responses": [(i.response, i.flagged) for i in items]}


# --- the secrets of a question, as text ------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


def _passages(text: str) -> set[str]:
    """Sentences of at least 6 words (12-word windows of longer ones), as lower-case word sequences.

    Whole sentences, not short windows: a short window may be made of the end of one shown text
    and the start of the next (a matching table), a whole sentence of an explanation may not.
    """
    found = set()
    for sentence in re.split(r"[.!?;:]\s", text):
        words = _words(sentence).split()
        if len(words) >= 6:
            found |= {" ".join(words[i:i + WINDOW]) for i in range(max(1, len(words) - WINDOW + 1))}
    return found


def secrets_of(attempt_id) -> tuple[set[str], set[str]]:
    """(passages only feedback and explanations hold, the text shown) for the attempt's questions."""
    items = db.session.execute(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).scalars().all()
    shown, hidden = [], []
    for item in items:
        p = item.version.payload
        shown.append(p["stem"])
        shown += [c["text"] for c in p.get("choices", [])] + [i["text"] for i in p.get("items", [])]
        shown += [f"{x['left']} {x['right']}" for x in p.get("pairs", [])] + list(p.get("columns") or [])
        hidden.append(p.get("explanation") or "")
        hidden += [c.get("feedback") or "" for c in p.get("choices", [])]
    legit = " ".join(_words(visible_text(render_markdown(t))) for t in shown)
    secret = {p for t in hidden for p in _passages(visible_text(render_markdown(t))) if p not in legit}
    assert len(secret) > 20, "the bank should have explanations and feedback to look for"
    return secret, legit


def leaks(body: str, mimetype: str, secret: set[str]) -> list[str]:
    found = []
    if mimetype == "application/json":
        def walk(value, path="$"):
            if isinstance(value, dict):
                for key, inner in value.items():
                    if key.lower() in SECRET_KEYS:
                        found.append(f"JSON key {path}.{key}")
                    walk(inner, f"{path}.{key}")
            elif isinstance(value, list):
                for n, inner in enumerate(value):
                    walk(inner, f"{path}[{n}]")
        walk(json.loads(body))
    else:
        for attrs in re.findall(r"<[a-z]+\s([^>]*)>", body):
            if re.search(r"\bdata-(correct|key|answer|score|credit|solution)\b", attrs):
                found.append(f"attribute in <… {attrs[:80]}>")
            classes = re.search(r'class="([^"]*)"', attrs)
            if classes and {"correct", "is-correct", "incorrect", "right-answer"} & set(classes.group(1).split()):
                found.append(f"class {classes.group(1)!r}")
    text = _words(visible_text(body) if mimetype != "application/json" else body.lower())
    found += [f"text «{w}»" for w in secret if f" {w} " in f" {text} "]
    return found


def test_no_key_feedback_or_explanation_is_served_during_an_attempt(app, client, login, exam, clock):
    (candidate, *_), session = exam
    app.config["IDLE_MINUTES"] = 24 * 60
    login(client, candidate)
    served = []

    def keep(response, label):
        assert response.status_code < 500, label
        served.append((label, response.get_data(as_text=True), response.mimetype))
        return response

    keep(client.get("/"), "home")
    keep(client.get("/questionnaires"), "candidate home")
    attempt_id = start(client, session)
    keep(client.get(f"/attempts/{attempt_id}"), "take")
    found = questions(keep(client.get(f"/attempts/{attempt_id}?mode=all"), "take all").get_data(as_text=True))
    for position in range(1, QUESTIONS + 1):
        keep(client.get(f"/attempts/{attempt_id}?mode=one&q={position}"), f"question {position}")
    for position, question in sorted(found.items()):
        response = keep(save(client, attempt_id, position, an_answer(position, question)), f"save {position}")
        assert response.status_code == 200, response.get_data(as_text=True)
        keep(client.post(f"/api/attempts/{attempt_id}/answers/{position}", json={"flagged": True}), "flag")
        keep(client.get(f"/api/attempts/{attempt_id}/status"), "status")
    keep(client.post(f"/attempts/{attempt_id}", data={"shown": "1", "go": "2"}, follow_redirects=True), "form post")
    keep(client.get(f"/attempts/{attempt_id}/submit"), "confirm")
    assert db.session.get(Attempt, attempt_id).score is None
    during = list(served)
    keep(client.post(f"/attempts/{attempt_id}/submit", follow_redirects=True), "submitted")
    keep(client.get(f"/attempts/{attempt_id}/result"), "result")
    assert keep(client.get(f"/attempts/{attempt_id}/review"), "review before close").status_code == 403
    keep(client.get(f"/api/attempts/{attempt_id}/status"), "status after")

    secret, _legit = secrets_of(attempt_id)
    problems = [f"{label}: {p}" for label, body, mimetype in during for p in leaks(body, mimetype, secret)]
    problems += [f"{label}: {p}" for label, body, mimetype in served[len(during):]
                 for p in leaks(body, mimetype, secret) if not p.startswith("JSON key $.score")]
    assert not problems, "\n".join(problems[:30])

    # The same search does find them where they belong: the corrected review, once the session closed.
    clock.advance(hours=5)
    review = client.get(f"/attempts/{attempt_id}/review")
    assert review.status_code == 200
    assert leaks(review.get_data(as_text=True), "text/html", secret)


def test_a_save_after_deadline_and_grace_changes_nothing(app, client, login, exam, clock):
    (candidate, *_), session = exam
    login(client, candidate)
    attempt_id = start(client, session)
    found = page_questions(client, attempt_id)
    first = an_answer(1, found[1], 0)
    assert save(client, attempt_id, 1, first).status_code == 200
    grace = app.config["GRACE_SECONDS"]
    clock.advance(seconds=DURATION.total_seconds() + grace - 5)
    assert save(client, attempt_id, 2, an_answer(2, found[2], 0)).status_code == 200  # still inside the grace
    kept = state(attempt_id)["responses"]
    clock.advance(seconds=10)
    late = save(client, attempt_id, 1, an_answer(1, found[1], 1))
    assert late.status_code == 409
    assert "temps" in late.get_json()["message"]
    after = state(attempt_id)
    assert after["responses"] == kept
    assert after["status"] != "in_progress" and after["finished_by"] == "deadline"


def test_a_submit_after_deadline_and_grace_is_the_deadlines(app, client, login, exam, clock):
    (candidate, *_), session = exam
    login(client, candidate)
    attempt_id = start(client, session)
    found = page_questions(client, attempt_id)
    save(client, attempt_id, 1, an_answer(1, found[1]))
    before = state(attempt_id)
    clock.advance(seconds=DURATION.total_seconds() + app.config["GRACE_SECONDS"] + 60)
    client.post(f"/attempts/{attempt_id}", data={"shown": ["1", "2"], "q2": "1", "go": "submit"})
    client.post(f"/attempts/{attempt_id}/submit")
    after = state(attempt_id)
    assert after["responses"] == before["responses"]
    assert after["finished_by"] == "deadline"


def test_time_fields_sent_by_the_browser_are_ignored(app, client, login, exam, clock):
    (candidate, *_), session = exam
    login(client, candidate)
    now = clock.now
    forged = {"deadline": "2099-01-01T00:00:00+00:00", "remaining_seconds": 10**6, "now": "2000-01-01T00:00:00Z",
              "saved_at": "2000-01-01T00:00:00Z", "started_at": "2099-01-01T00:00:00Z", "duration_minutes": 600}
    response = client.post(f"/sessions/{session.id}/start", data={k: str(v) for k, v in forged.items()})
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    assert state(attempt_id)["deadline"] == now + DURATION
    found = page_questions(client, attempt_id)
    reply = save(client, attempt_id, 1, an_answer(1, found[1]), **forged)
    assert reply.status_code == 200
    assert reply.get_json()["remaining_seconds"] == int(DURATION.total_seconds())
    client.post(f"/attempts/{attempt_id}", data={"shown": "1", **{k: str(v) for k, v in forged.items()}})
    assert state(attempt_id)["deadline"] == now + DURATION
    item = db.session.execute(select(AttemptItem).filter_by(attempt_id=attempt_id, position=1)).scalar_one()
    assert item.saved_at == now
    clock.advance(seconds=DURATION.total_seconds() + app.config["GRACE_SECONDS"] + 1)
    assert save(client, attempt_id, 1, an_answer(1, found[1], 1), **forged).status_code == 409


def test_a_second_tab_or_a_replay_cannot_reopen_a_finished_attempt(app, client, login, exam, clock):
    (candidate, *_), session = exam
    login(client, candidate)
    attempt_id = start(client, session)
    found = page_questions(client, attempt_id)
    save(client, attempt_id, 1, an_answer(1, found[1], 0))
    other_tab = app.test_client()
    login(other_tab, candidate)
    assert client.post(f"/attempts/{attempt_id}/submit").status_code == 302
    done = state(attempt_id)
    clock.advance(seconds=30)
    assert save(other_tab, attempt_id, 1, an_answer(1, found[1], 1)).status_code == 409
    other_tab.post(f"/attempts/{attempt_id}", data={"shown": "1", "q1": "2"})
    other_tab.post(f"/attempts/{attempt_id}/submit")
    assert other_tab.get(f"/attempts/{attempt_id}").headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    other_tab.post(f"/sessions/{session.id}/start")
    assert state(attempt_id) == done
    count = db.session.execute(select(func.count(Attempt.id)).filter_by(candidate_id=candidate.id)).scalar_one()
    assert count == 1


def test_an_open_attempt_is_never_cut_by_the_inactivity_timeout(app, client, login, exam, clock):
    (candidate, *_), session = exam
    app.config["IDLE_MINUTES"] = 5
    login(client, candidate)
    attempt_id = start(client, session)
    clock.advance(minutes=20)  # the browser slept: no poll, no save
    assert client.get(f"/attempts/{attempt_id}").status_code == 200
    client.post(f"/attempts/{attempt_id}/submit")
    clock.advance(minutes=6)
    assert "/login" in client.get("/").headers["Location"]


# --- races on a real database, real threads -----------------------------------------------------


def _in_threads(app, *jobs):
    """Run the jobs at the same instant, each in its own thread and app context (own DB session)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def run(n, job):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results[n] = job()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def _double_submit(app, login, candidate, session):
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        login(tab, candidate)
    attempt_id = start(tabs[0], session)
    found = page_questions(tabs[0], attempt_id)
    for position, question in found.items():
        save(tabs[0], attempt_id, position, an_answer(position, question))
    replies = _in_threads(app, *(lambda tab=tab: tab.post(f"/attempts/{attempt_id}/submit") for tab in tabs))
    return attempt_id, replies


def test_two_simultaneous_submits_give_one_result_and_one_set_of_ledger_entries(app, login, exam):
    candidates, session = exam
    for candidate in candidates:
        attempt_id, replies = _double_submit(app, login, candidate, session)
        assert [r.status_code for r in replies] == [302, 302]
        entries = db.session.execute(select(LedgerEntry).filter_by(attempt_id=attempt_id)).scalars().all()
        competences = [e.competence for e in entries]
        assert competences and len(competences) == len(set(competences))
        assert {e.candidate_id for e in entries} == {candidate.id}
        assert state(attempt_id)["finished_by"] == "candidate"
        total = db.session.execute(select(func.count(LedgerEntry.id)).filter_by(candidate_id=candidate.id))
        assert total.scalar_one() == len(competences)


def _save_while_submitting(app, login, candidate, session, seed):
    """Save answers non-stop while another tab submits; returns (attempt, acknowledged, codes)."""
    saver, submitter = app.test_client(), app.test_client()
    login(saver, candidate)
    login(submitter, candidate)
    attempt_id = start(saver, session)
    found = page_questions(saver, attempt_id)
    acknowledged: dict[int, object] = {}

    def keep_saving():
        for variant in itertools.count():
            position = variant % QUESTIONS + 1
            value = an_answer(position, found[position], variant)
            reply = save(saver, attempt_id, position, value)
            if reply.status_code != 200:
                return reply.status_code
            acknowledged[position] = value
            if variant > 400:
                return "never refused"
        return None

    def submit_soon():
        threading.Event().wait(random.Random(seed).uniform(0.01, 0.1))
        return submitter.post(f"/attempts/{attempt_id}/submit").status_code

    codes = _in_threads(app, keep_saving, submit_soon)
    return attempt_id, acknowledged, codes


def test_a_save_racing_the_submission_is_in_the_result_or_refused(app, login, exam):
    from quiz.exams.presentation import to_display

    candidates, session = exam
    for seed, candidate in enumerate(candidates):
        attempt_id, acknowledged, (refused_with, submitted) = _save_while_submitting(app, login, candidate, session,
                                                                                       seed)
        assert submitted == 302 and refused_with == 409
        db.session.expire_all()
        items = {i.position: i for i in db.session.execute(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).scalars()}
        for position, value in acknowledged.items():
            item = items[position]
            assert to_display(item.version.payload, item.option_order, item.response) == value, position
            assert item.credit is not None

"""Object-level access: changing an id in a URL never reaches another candidate's things."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quiz.exams.models import Attempt, AttemptItem
from quiz.extensions import db
from tests.security.conftest import client_as
from tests.security.world import build_world


@pytest.fixture
def world(app, make_user, clock):
    return build_world(make_user, clock)


def snapshot(attempt_id):
    attempt = db.session.get(Attempt, attempt_id)
    items = db.session.execute(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
                               .order_by(AttemptItem.position)).scalars()
    return attempt.status, attempt.deadline, [(i.response, i.flagged, i.saved_at) for i in items]


@pytest.mark.parametrize("path", [
    "/attempts/{other_attempt}", "/attempts/{other_attempt}/submit", "/attempts/{other_finished}/result",
    "/attempts/{other_finished}/review", "/api/attempts/{other_attempt}/status",
])
def test_another_candidates_attempt_does_not_exist_for_me(app, world, path):
    client = client_as(app, world.users["candidate"])
    response = client.get(path.format(**world.ids))
    assert response.status_code == 404
    assert str(world.users["other"].last_name) not in response.get_data(as_text=True)


def test_i_cannot_answer_submit_or_flag_in_another_candidates_attempt(app, world):
    client = client_as(app, world.users["candidate"])
    target = world["other_attempt"]
    before = snapshot(target)
    assert client.post(f"/api/attempts/{target}/answers/1", json={"response": None, "flagged": True}).status_code == 404
    assert client.post(f"/attempts/{target}", data={"shown": "1", "q1": "a"}).status_code == 404
    assert client.post(f"/attempts/{target}/submit").status_code == 404
    assert snapshot(target) == before


def test_neighbouring_ids_lead_nowhere(app, world):
    """Ids are sequential: probing around one's own attempt finds nothing of anyone else's."""
    client = client_as(app, world.users["candidate"])
    mine = {world["candidate_attempt"], world["candidate_finished"]}
    for attempt_id in range(1, max(mine) + 5):
        status = client.get(f"/api/attempts/{attempt_id}/status").status_code
        assert status == (200 if attempt_id in mine else 404), attempt_id


@pytest.mark.parametrize("path", ["/registre/candidats/{other}", "/registre/candidats/{other}/attestation.pdf",
                                  "/evaluation/pieces/{other_evidence}"])
def test_another_candidates_ledger_and_evidence_are_refused(app, world, path):
    response = client_as(app, world.users["candidate"]).get(path.format(**world.ids))
    assert response.status_code in (403, 404)
    assert response.mimetype == "text/html"


def test_my_own_ledger_and_evidence_are_mine(app, world):
    client = client_as(app, world.users["candidate"])
    assert client.get(f"/registre/candidats/{world['candidate']}").status_code == 200
    download = client.get(f"/evaluation/pieces/{world['candidate_evidence']}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_staff_never_open_a_candidates_attempt(app, world):
    """Assessors, trainers and administrators see results in the ledger, not inside an attempt."""
    for who in ("assessor", "trainer", "admin"):
        client = client_as(app, world.users[who])
        for path in ("/attempts/{candidate_attempt}", "/api/attempts/{candidate_attempt}/status"):
            assert client.get(path.format(**world.ids)).status_code == 404


def test_a_session_of_another_cohort_cannot_be_started(app, world, make_user, clock):
    from quiz.accounts.models import Cohort
    from tests.security.world import exam_setup

    outsider = make_user(cohort="Autre promotion")
    cohort = db.session.execute(select(Cohort).filter_by(name="Autre promotion")).scalar_one()
    _questionnaire, session = exam_setup(cohort)
    client = client_as(app, world.users["candidate"])
    response = client.post(f"/sessions/{session.id}/start")
    assert response.status_code == 302
    assert db.session.execute(select(Attempt).where(Attempt.session_id == session.id)).first() is None
    assert outsider.id  # the session's own cohort is untouched


def test_a_candidate_cannot_grade_or_correct(app, world):
    client = client_as(app, world.users["candidate"])
    assert client.post(f"/evaluation/candidats/{world['candidate']}/E5", data={"C10_selected": "y"}).status_code == 403
    assert client.post(f"/evaluation/corrections/{world['candidate_entry']}", data={"reason": "x"}).status_code == 403


@pytest.mark.parametrize("path", ["/banks/assets/../../quiz/config.py", "/banks/assets/..%2f..%2fpyproject.toml",
                                  "/banks/assets/%2e%2e/%2e%2e/pyproject.toml", "/banks/assets//etc/passwd"])
def test_bank_assets_do_not_leave_their_folder(app, world, path):
    response = client_as(app, world.users["candidate"]).get(path, follow_redirects=True)
    assert response.status_code == 404


def test_forged_cross_site_requests_are_refused(app_csrf, world):
    """With CSRF protection on (as in production), a POST without the token changes nothing."""
    from quiz.accounts.models import User

    client = client_as(app_csrf, world.users["candidate"])
    target = world["candidate_attempt"]
    before = snapshot(target)
    assert client.post(f"/api/attempts/{target}/answers/1", json={"flagged": True}).status_code != 200
    assert client.post(f"/attempts/{target}/submit").status_code != 200
    assert snapshot(target) == before
    admin = client_as(app_csrf, world.users["admin"])
    victim = world.users["victim"]
    admin.post(f"/admin/users/{victim.id}", data={"email": victim.email, "first_name": "x", "last_name": "y",
                                                   "roles": ["admin"], "active": "y"})
    db.session.expire_all()
    assert not db.session.get(User, victim.id).has_role("admin")

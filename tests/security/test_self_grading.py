"""Nobody grades their own work: an account holding candidate and assessor (or admin) roles can
neither grade itself nor turn its own failed E2 into a pass through a correction, through the
pages or by calling the service directly."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import select

from quiz.extensions import db
from quiz.ledger import service
from quiz.ledger.models import LedgerEntry


@pytest.fixture(params=[("candidate", "assessor"), ("candidate", "admin")])
def dual(request, app, make_user, clock):
    user = make_user(roles=request.param, cohort="Promo S")
    (failed,) = service.record_e2_result(user.id, 9, False, attempt_id=41, score=Fraction(40, 100))
    db.session.commit()
    return user, failed


def entries():
    return list(db.session.execute(select(LedgerEntry).order_by(LedgerEntry.id)).scalars())


def test_the_correction_page_refuses_ones_own_entry(client, login, dual):
    user, failed = dual
    login(client, user)
    assert client.get(f"/evaluation/corrections/{failed.id}").status_code == 403
    data = {"assessed_on": "2026-06-10", "C14_outcome": "1", "reason": "Je me repêche"}
    assert client.post(f"/evaluation/corrections/{failed.id}", data=data).status_code == 403
    assert [e.id for e in entries()] == [failed.id]
    assert service.candidate_status(user.id).competence("C14").requirement("E2").met is False


def test_the_grading_page_refuses_oneself(client, login, dual):
    user, _failed = dual
    login(client, user)
    assert client.get(f"/evaluation/candidats/{user.id}/E4").status_code == 403
    data = {"assessed_on": "2026-06-10", "C5_selected": "y", "C5_outcome": "1"}
    data |= {f"C5_criterion_{i}": "1" for i in range(5)}
    assert client.post(f"/evaluation/candidats/{user.id}/E4", data=data).status_code == 403
    assert len(entries()) == 1


def test_the_service_refuses_it_below_the_views(app, dual):
    user, failed = dual
    with pytest.raises(service.LedgerError, match="vos propres résultats"):
        service.record_correction(failed.id, "Je me repêche", True, user.id, score=None)
    verdict = service.CompetenceVerdict("C5", True, {i: True for i in range(5)})
    with pytest.raises(service.LedgerError, match="vos propres résultats"):
        service.record_grading(user.id, "E4", [verdict], date(2026, 6, 10), user.id)
    db.session.rollback()
    assert [e.id for e in entries()] == [failed.id]


def test_another_assessor_may_still_correct_it(app, dual, make_user):
    _user, failed = dual
    other = make_user(roles=("assessor",))
    fix = service.record_correction(failed.id, "Erreur de barème", True, other.id)
    assert fix.replaces_id == failed.id

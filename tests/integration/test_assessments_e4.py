"""E4 interviews: slots, booking by the administrator or the candidate, convocation on screen, as
PDF and by mail, the expert's grid; reminders J-7 and J-1 with the candidates' preferences."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from quiz.assessments import appointments, marking, reminders, service
from quiz.assessments.models import AppointmentSlot, Marking
from quiz.extensions import db
from quiz.notifications import sender
from quiz.notifications import service as notifications
from quiz.notifications.models import OutboxMessage
from quiz.timeutil import utcnow
from tests.assessments_helpers import cohort_of, make_session


@pytest.fixture
def e4(app, make_user, clock):
    admin = make_user(roles=("admin",))
    candidates = [make_user(cohort="Promo E4", first_name=f"Cand{i}", last_name=f"Petit{i}") for i in range(2)]
    expert = make_user(roles=("assessor",), first_name="Experte", last_name="Métier")
    session = make_session(admin, cohort_of(candidates[0]), modality="E4", competences=("C5", "C6"),
                           closes_in=30 * 86400, title="Mise en situation")
    slot = appointments.add_slot(session, utcnow() + timedelta(days=10), 60, expert.id, "Agence Lyon Part-Dieu",
                                 "", admin)
    return {"admin": admin, "candidates": candidates, "expert": expert, "session": session, "slot": slot}


def test_the_administrator_books_a_candidate_who_gets_a_convocation(app, client, login, e4, mail_to):
    login(client, e4["admin"])
    candidate = e4["candidates"][0]
    response = client.post(f"/epreuves/gestion/creneaux/{e4['slot'].id}/attribuer", data={"candidate": candidate.id})
    assert response.status_code == 302
    slot = db.session.get(AppointmentSlot, e4["slot"].id)
    assert slot.candidate_id == candidate.id
    (expert_marking,) = db.session.execute(select(Marking)).scalars().all()
    assert expert_marking.assessor_id == e4["expert"].id and expert_marking.role == "first"
    sender.send_due_messages(app)
    (mail,) = mail_to.messages()
    assert mail["To"] == candidate.email and "Convocation" in mail["Subject"]
    assert "Agence Lyon Part-Dieu" in mail.get_body(("plain",)).get_content()
    (pdf,) = list(mail.iter_attachments())
    text = PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "Convocation" in text and "Experte" in text
    client.post("/logout")
    login(client, candidate)
    page = client.get(f"/epreuves/creneaux/{slot.id}/convocation").get_data(as_text=True)
    assert "Agence Lyon Part-Dieu" in page and "Experte Métier" in page
    assert client.get(f"/epreuves/creneaux/{slot.id}/convocation.pdf").mimetype == "application/pdf"
    client.post("/logout")
    login(client, e4["candidates"][1])
    assert client.get(f"/epreuves/creneaux/{slot.id}/convocation").status_code == 404


def test_a_candidate_chooses_a_free_slot_and_can_change_it(client, login, e4):
    other = appointments.add_slot(e4["session"], utcnow() + timedelta(days=12), 60, e4["expert"].id, "",
                                  "https://visio.example.org/e4", e4["admin"])
    candidate = e4["candidates"][0]
    login(client, candidate)
    page = client.get(f"/epreuves/{e4['session'].id}/creneaux").get_data(as_text=True)
    assert "Choisir ce créneau" in page and "Agence Lyon" in page
    assert client.post(f"/epreuves/creneaux/{e4['slot'].id}/reserver").status_code == 302
    assert client.post(f"/epreuves/creneaux/{other.id}/reserver").status_code == 302
    assert db.session.get(AppointmentSlot, e4["slot"].id).candidate_id is None
    assert db.session.get(AppointmentSlot, other.id).candidate_id == candidate.id


def test_a_slot_taken_is_refused_to_the_next_candidate(client, login, e4):
    appointments.book(e4["slot"], e4["candidates"][0], e4["candidates"][0])
    login(client, e4["candidates"][1])
    html = unescape(client.post(f"/epreuves/creneaux/{e4['slot'].id}/reserver", follow_redirects=True)
                    .get_data(as_text=True))
    assert "vient d'être réservé par un autre candidat" in html


def test_two_candidates_racing_for_one_slot_one_wins(app, e4):
    results = []

    def take(candidate_id):
        with app.app_context():
            slot = db.session.get(AppointmentSlot, e4["slot"].id)
            user = db.session.get(type(e4["candidates"][0]), candidate_id)
            try:
                appointments.book(slot, user, user)
                results.append("ok")
            except service.AssessmentError:
                results.append("refused")
            db.session.remove()

    threads = [threading.Thread(target=take, args=(c.id,)) for c in e4["candidates"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]


def test_expert_overlaps_and_slots_out_of_the_session_are_refused(e4):
    with pytest.raises(service.AssessmentError, match="déjà un entretien"):
        appointments.add_slot(e4["session"], e4["slot"].starts_at + timedelta(minutes=30), 60, e4["expert"].id,
                              "Salle 2", "", e4["admin"])
    with pytest.raises(service.AssessmentError, match="entre le"):
        appointments.add_slot(e4["session"], utcnow() + timedelta(days=90), 60, e4["expert"].id, "Salle 2", "",
                              e4["admin"])


def test_the_expert_fills_the_grid_of_the_booked_candidate_by_name(client, login, e4, clock):
    candidate = e4["candidates"][0]
    appointments.book(e4["slot"], candidate, e4["admin"])
    clock.advance(days=10, hours=2)
    (expert_marking,) = db.session.execute(select(Marking)).scalars().all()
    login(client, e4["expert"])
    page = client.get(f"/epreuves/copies/{expert_marking.id}").get_data(as_text=True)
    assert candidate.full_name in page and 'name="C5_criterion_0"' in page and 'name="C6_outcome"' in page
    data = {"assessed_on": service.local_date_today().isoformat(), "C5_outcome": "1", "C6_outcome": "1"}
    for code in ("C5", "C6"):
        from quiz.referential import load_referential

        data |= {f"{code}_criterion_{i}": "1" for i in range(len(load_referential().competence(code).criteria.items))}
    assert client.post(f"/epreuves/copies/{expert_marking.id}", data=data).status_code == 302
    assert marking.finalise(e4["session"], e4["admin"]).decided == 1


def test_reminders_j7_and_j1_once_each_following_preferences(app, e4, clock):
    booked, quiet = e4["candidates"]
    appointments.book(e4["slot"], booked, e4["admin"])
    notifications.set_preferences(quiet.id, {"reminder_j7": False, "reminder_j1": True})
    clock.advance(days=4)  # the interview in 6 days; the deposit deadline in 26 days
    reminders.queue_due_reminders()
    reminders.queue_due_reminders()  # a second server, or the next round: nothing twice
    j7 = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder_j7")).scalars().all()
    assert [m.recipient for m in j7] == [booked.email]
    clock.set(e4["session"].deadline_at - timedelta(hours=20))
    reminders.queue_due_reminders()
    j1 = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder_j1")).scalars().all()
    assert sorted(m.recipient for m in j1) == sorted([booked.email, quiet.email])
    assert all("demain" in m.body for m in j1)


def test_the_background_round_runs_the_reminders_then_sends(app, e4, clock, mail_to):
    appointments.book(e4["slot"], e4["candidates"][0], e4["admin"])
    clock.advance(days=9, hours=1)
    sender.run_jobs(app)
    sender.send_due_messages(app)
    assert any("Rappel : entretien E4" in m["Subject"] for m in mail_to.messages())

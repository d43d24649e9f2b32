"""Reminders seven days and one day before a deadline (a deposit not made yet) or an E4
interview, queued once each (their dedupe key), following each candidate's preferences.
Run by every server's background loop with the outbox sender; the keys make that safe."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from quiz.assessments.models import AppointmentSlot, AssessmentSession
from quiz.assessments.service import convened_candidates, local_datetime, submission_of
from quiz.extensions import db
from quiz.notifications.service import enqueue
from quiz.timeutil import utcnow


def _which(moment, now) -> str | None:
    left = moment - now
    if timedelta(0) < left <= timedelta(days=1):
        return "reminder_j1"
    if timedelta(days=1) < left <= timedelta(days=7):
        return "reminder_j7"
    return None


def queue_due_reminders() -> int:
    now = utcnow()
    link = current_app.config.get("PUBLIC_BASE_URL", "")
    queued = 0
    sessions = db.session.execute(select(AssessmentSession).where(
        AssessmentSession.finalised_at.is_(None), AssessmentSession.deadline_at > now,
        AssessmentSession.deadline_at <= now + timedelta(days=7))).scalars()
    for session in sessions:
        kind = _which(session.deadline_at, now)
        for candidate in convened_candidates(session):
            submission = submission_of(session, candidate.id)
            if submission is not None and submission.latest is not None:
                continue
            when = "demain" if kind == "reminder_j1" else "dans une semaine"
            body = (f"Bonjour {candidate.full_name},\n\nL'échéance de dépôt de l'épreuve {session.modality} "
                    f"« {session.title} » est {when} : le {local_datetime(session.deadline_at)}. Nous n'avons pas "
                    f"encore reçu votre dépôt.\n\nDéposez-le sur {link or 'la plateforme'}/epreuves/{session.id}.\n"
                    "\nVous pouvez choisir les rappels que vous recevez dans « Mes rappels par e-mail ».\n")
            queued += enqueue(candidate.email, f"Rappel : dépôt {session.modality} attendu le "
                              f"{local_datetime(session.deadline_at)}", body, kind, user_id=candidate.id,
                              dedupe_key=f"{kind}:deposit:{session.id}:{candidate.id}") is not None
    booked = db.session.execute(select(AppointmentSlot).where(
        AppointmentSlot.candidate_id.is_not(None), AppointmentSlot.starts_at > now,
        AppointmentSlot.starts_at <= now + timedelta(days=7))).scalars()
    for slot in booked:
        kind = _which(slot.starts_at, now)
        candidate = slot.candidate
        where = slot.place or slot.video_url
        body = (f"Bonjour {candidate.full_name},\n\nRappel : votre entretien E4 avec {slot.expert.full_name} a lieu "
                f"le {local_datetime(slot.starts_at)} ({where}).\n")
        queued += enqueue(candidate.email, f"Rappel : entretien E4 le {local_datetime(slot.starts_at)}", body, kind,
                          user_id=candidate.id, dedupe_key=f"{kind}:slot:{slot.id}:{candidate.id}") is not None
    db.session.commit()
    return queued

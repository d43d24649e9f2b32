"""E4 interviews: slots with a business expert, booked by an administrator or chosen by the
candidate, a convocation on screen, as PDF and by mail, and the expert's marking of the copy.

Booking is a compare-and-set on the slot (`candidate_id IS NULL`), so two candidates choosing the
same slot at once on two servers cannot both get it; the unique (session, candidate) constraint
keeps one slot per candidate and session.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import select, update

from quiz import storage
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.assessments.models import AppointmentSlot, AssessmentSession, Marking
from quiz.assessments.receipts import document_pdf
from quiz.assessments.service import AssessmentError, is_convened, local_datetime, submission_for
from quiz.audit.service import record
from quiz.extensions import db
from quiz.notifications.service import Attachment, enqueue
from quiz.timeutil import utcnow


def slots(session: AssessmentSession) -> list[AppointmentSlot]:
    return list(db.session.execute(select(AppointmentSlot).where(AppointmentSlot.session_id == session.id)
                                   .order_by(AppointmentSlot.starts_at, AppointmentSlot.id)).scalars())


def slot(slot_id: int) -> AppointmentSlot | None:
    return db.session.get(AppointmentSlot, slot_id)


def candidate_slot(session: AssessmentSession, candidate_id: int) -> AppointmentSlot | None:
    return db.session.execute(select(AppointmentSlot).where(
        AppointmentSlot.session_id == session.id, AppointmentSlot.candidate_id == candidate_id)).scalar_one_or_none()


def add_slot(session: AssessmentSession, starts_at: datetime, duration_minutes: int, expert_id: int, place: str,
             video_url: str, by: User) -> AppointmentSlot:
    if session.modality != "E4":
        raise AssessmentError("Les créneaux d'entretien concernent les sessions E4.")
    if session.finalised_at is not None:
        raise AssessmentError("Les résultats de cette session sont publiés.")
    expert = db.session.get(User, expert_id)
    if expert is None or not expert.active or not expert.has_role(Role.ASSESSOR):
        raise AssessmentError("Choisissez un expert métier parmi les évaluateurs actifs.")
    if not session.opens_at <= starts_at <= session.deadline_at:
        raise AssessmentError(f"Le créneau doit se situer entre le {local_datetime(session.opens_at)} et le "
                              f"{local_datetime(session.deadline_at)}.")
    if not (place or "").strip() and not (video_url or "").strip():
        raise AssessmentError("Indiquez un lieu ou un lien de visioconférence.")
    if video_url and not video_url.startswith("https://"):
        raise AssessmentError("Le lien de visioconférence doit commencer par https://.")
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    for other in db.session.execute(select(AppointmentSlot).where(AppointmentSlot.expert_id == expert_id)).scalars():
        if other.starts_at < ends_at and starts_at < other.starts_at + timedelta(minutes=other.duration_minutes):
            raise AssessmentError(f"{expert.full_name} a déjà un entretien le {local_datetime(other.starts_at)}.")
    created = AppointmentSlot(session_id=session.id, starts_at=starts_at, duration_minutes=duration_minutes,
                              expert_id=expert_id, place=(place or "").strip(), video_url=(video_url or "").strip())
    db.session.add(created)
    record("assessment.slot_added", target=session, commit=False, details={"starts_at": starts_at.isoformat()})
    db.session.commit()
    return created


def book(target: AppointmentSlot, candidate: User, by: User) -> AppointmentSlot:
    """Give the slot to the candidate (their earlier slot of the session, if any, is freed), with
    the expert's marking of the copy and the convocation mail, in one transaction."""
    session = target.session
    if session.finalised_at is not None:
        raise AssessmentError("Les résultats de cette session sont publiés.")
    if not is_convened(session, candidate):
        raise AssessmentError("Ce candidat n'est pas convoqué à cette épreuve.")
    if target.expert_id == candidate.id:
        raise AssessmentError("Un expert ne fait jamais passer son propre entretien.")
    now = utcnow()
    if target.starts_at <= now:
        raise AssessmentError("Ce créneau est passé : choisissez-en un autre.")
    if target.candidate_id == candidate.id:
        return target
    previous = candidate_slot(session, candidate.id)
    if previous is not None:
        if by.id == candidate.id and previous.starts_at <= now + timedelta(days=1):
            raise AssessmentError("Votre entretien a lieu dans moins de 24 heures : adressez-vous au centre "
                                  "pour le déplacer.")
        previous.candidate_id = previous.booked_at = previous.booked_by_id = None
        db.session.flush()
    taken = db.session.execute(update(AppointmentSlot).where(
        AppointmentSlot.id == target.id, AppointmentSlot.candidate_id.is_(None)).values(
        candidate_id=candidate.id, booked_at=now, booked_by_id=by.id))
    if taken.rowcount != 1:
        db.session.rollback()
        raise AssessmentError("Ce créneau vient d'être réservé par un autre candidat : choisissez-en un autre.")
    db.session.refresh(target)
    submission = submission_for(session, candidate)
    first = next((m for m in submission.markings if m.role == "first"), None)
    if first is None:
        db.session.add(Marking(submission=submission, role="first", assessor_id=target.expert_id,
                               assigned_by_id=by.id, assigned_at=now))
    elif first.submitted_at is None:
        first.assessor_id = target.expert_id
    blob = storage.put(io.BytesIO(convocation_pdf(target, candidate)))
    enqueue(candidate.email, f"Convocation à l'entretien E4 — {local_datetime(target.starts_at)}",
            convocation_text(target, candidate), "convocation", user_id=candidate.id,
            attachments=[Attachment(blob.key, "convocation-E4.pdf", "application/pdf")])
    record("assessment.slot_booked", target=session, commit=False,
           details={"slot": target.id, "candidate": candidate.id, "by": by.id})
    db.session.commit()
    return target


def free_slots(session: AssessmentSession) -> list[AppointmentSlot]:
    now = utcnow()
    return [s for s in slots(session) if s.candidate_id is None and s.starts_at > now]


def _rows(target: AppointmentSlot, candidate: User) -> list[tuple[str, str]]:
    rows = [
        ("Candidat", candidate.full_name),
        ("Épreuve", f"E4 — {target.session.title}"),
        ("Date et heure", f"{local_datetime(target.starts_at)} (heure de Paris), {target.duration_minutes} minutes"),
        ("Expert métier", target.expert.full_name),
    ]
    if target.place:
        rows.append(("Lieu", target.place))
    if target.video_url:
        rows.append(("Visioconférence", target.video_url))
    return rows


NOTES = ("Présentez-vous quelques minutes avant l'heure, muni d'une pièce d'identité. Les documents de "
         "formalisation (livret, compte rendu d'entretien, indicateurs d'activités) se déposent sur la plateforme "
         "avant l'échéance de la session.",)


def convocation_pdf(target: AppointmentSlot, candidate: User) -> bytes:
    return document_pdf("Convocation à l'entretien E4", _rows(target, candidate), notes=NOTES)


def convocation_text(target: AppointmentSlot, candidate: User) -> str:
    lines = [f"Bonjour {candidate.full_name},", "", "Vous êtes convoqué(e) à l'entretien E4 avec un expert métier :",
             "", *(f"{k} : {v}" for k, v in _rows(target, candidate)[1:]), "", *NOTES, "",
             "La convocation est jointe en PDF et disponible sur la plateforme."]
    return "\n".join(lines) + "\n"


def rows_for(target: AppointmentSlot) -> list[tuple[str, str]]:
    return _rows(target, target.candidate)


def expert_choices() -> list[User]:
    from quiz.assessments.marking import assessors

    return assessors()

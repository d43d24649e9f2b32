"""Pages of the E4 interviews: slots and bookings (administrators), choosing a slot and the
convocation (candidates); the expert's grid is the marking page of the copy."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz.accounts.access import role_required
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.assessments import appointments, service
from quiz.assessments.forms import ActionForm, BookingForm, SlotForm
from quiz.assessments.models import AppointmentSlot
from quiz.assessments.views import bp
from quiz.exams.admin import to_utc
from quiz.extensions import db
from quiz.storage import attachment


def _e4_or_404(session_id: int):
    session = service.session(session_id)
    if session is None or session.modality != "E4":
        abort(404)
    return session


@bp.route("/gestion/<int:session_id>/creneaux", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def slots(session_id: int):
    session = _e4_or_404(session_id)
    form = SlotForm()
    form.expert.choices = [(u.id, u.sort_name) for u in appointments.expert_choices()]
    if form.validate_on_submit():
        try:
            appointments.add_slot(session, to_utc(form.starts_at.data), form.duration_minutes.data, form.expert.data,
                                  form.place.data or "", form.video_url.data or "", current_user)
        except service.AssessmentError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Créneau ajouté."), "success")
            return redirect(url_for("assessments.slots", session_id=session.id))
    booking = BookingForm()
    booking.candidate.choices = [(c.id, c.sort_name) for c in service.convened_candidates(session)]
    return render_template("assessments/slots.html", session=session, form=form, booking=booking,
                           slots=appointments.slots(session), rows_for=appointments.rows_for)


@bp.post("/gestion/creneaux/<int:slot_id>/attribuer")
@role_required(Role.ADMIN)
def book_for(slot_id: int):
    slot = appointments.slot(slot_id) or abort(404)
    form = BookingForm()
    form.candidate.choices = [(c.id, c.sort_name) for c in service.convened_candidates(slot.session)]
    if not form.validate_on_submit():
        flash(_("Choisissez un candidat convoqué."), "danger")
    else:
        try:
            appointments.book(slot, db.session.get(User, form.candidate.data), current_user)
        except service.AssessmentError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Créneau attribué ; la convocation est envoyée au candidat."), "success")
    return redirect(url_for("assessments.slots", session_id=slot.session_id))


@bp.get("/<int:session_id>/creneaux")
@role_required(Role.CANDIDATE)
def choose_slot(session_id: int):
    session = _e4_or_404(session_id)
    if not service.is_convened(session, current_user):
        abort(404)
    return render_template("assessments/choose_slot.html", session=session, form=ActionForm(),
                           mine=appointments.candidate_slot(session, current_user.id),
                           free=appointments.free_slots(session))


@bp.post("/creneaux/<int:slot_id>/reserver")
@role_required(Role.CANDIDATE)
def book_slot(slot_id: int):
    slot = appointments.slot(slot_id)
    if slot is None or not service.is_convened(slot.session, current_user):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        appointments.book(slot, current_user, current_user)
    except service.AssessmentError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("assessments.choose_slot", session_id=slot.session_id))
    flash(_("Créneau réservé : voici votre convocation, envoyée aussi par e-mail."), "success")
    return redirect(url_for("assessments.convocation", slot_id=slot.id))


def _convocation_slot_or_404(slot_id: int) -> AppointmentSlot:
    """The candidate booked, the expert and administrators only."""
    slot = appointments.slot(slot_id)
    if slot is None or slot.candidate_id is None:
        abort(404)
    if current_user.id not in (slot.candidate_id, slot.expert_id) and not current_user.has_role(Role.ADMIN):
        abort(404)
    return slot


@bp.get("/creneaux/<int:slot_id>/convocation")
@login_required
def convocation(slot_id: int):
    slot = _convocation_slot_or_404(slot_id)
    return render_template("assessments/convocation.html", slot=slot, rows=appointments.rows_for(slot))


@bp.get("/creneaux/<int:slot_id>/convocation.pdf")
@login_required
def convocation_pdf(slot_id: int):
    slot = _convocation_slot_or_404(slot_id)
    body = appointments.convocation_pdf(slot, slot.candidate)
    return attachment([body], len(body), "application/pdf", "convocation-E4.pdf")

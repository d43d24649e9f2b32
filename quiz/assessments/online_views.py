"""Pages of an E3 case study written online: the start, the writing page (the E2 attempt page's
script: autosave, offline queue, countdown), the hand-in, the documents, and their JSON API with
the same shapes as the E2 one."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz import storage
from quiz.accounts.access import role_required
from quiz.accounts.forms import choices
from quiz.accounts.roles import Role
from quiz.assessments import online
from quiz.assessments.forms import ActionForm
from quiz.assessments.views import _convened_session_or_404, bp
from quiz.banks.render import render_markdown
from quiz.exams.forms import LateDecisionForm
from quiz.exams.service import AttemptClosed, ExamError, LateStored, remaining_seconds
from quiz.exams.views import _device_time
from quiz.timeutil import utcnow
from quiz.web import api_error


def _own_or_404(attempt_id: int):
    try:
        return online.own(attempt_id, current_user)
    except LookupError:
        abort(404)


@bp.route("/<int:session_id>/en-ligne", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def online_start(session_id: int):
    """What the clock will be (duration with extra time, end), then the start itself."""
    session = _convened_session_or_404(session_id)
    if not session.online:
        return redirect(url_for("assessments.deposit", session_id=session.id))
    form = ActionForm()
    existing = online.mine(session, current_user.id)
    try:
        if existing is not None or form.validate_on_submit():
            attempt_id = online.start(current_user, session)
            return redirect(url_for("assessments.online_write", attempt_id=attempt_id))
        terms = online.start_terms(current_user, session)
    except AttemptClosed as exc:
        flash(str(exc), "warning")
        return redirect(url_for("assessments.online_done", attempt_id=existing.attempt_id))
    except ExamError as exc:
        return render_template("assessments/online_start.html", session=session, terms=None, problem=str(exc),
                               form=form)
    return render_template("assessments/online_start.html", session=session, terms=terms, problem=None, form=form)


def _documents(answer) -> list[tuple[int, dict]]:
    return list(enumerate(answer.version.documents or []))


@bp.get("/redaction/<int:attempt_id>")
@role_required(Role.CANDIDATE)
def online_write(attempt_id: int):
    answer = _own_or_404(attempt_id)
    if answer.attempt.finished:
        return redirect(url_for("assessments.online_done", attempt_id=attempt_id))
    return render_template("assessments/online_write.html", answer=answer, attempt=answer.attempt,
                           subject_html=render_markdown(answer.version.subject), documents=_documents(answer),
                           text=online.text_of(answer), remaining=remaining_seconds(answer.attempt),
                           max_length=online.MAX_ANSWER, max_label=format_number(online.MAX_ANSWER), form=ActionForm())


@bp.post("/redaction/<int:attempt_id>")
@role_required(Role.CANDIDATE)
def online_write_post(attempt_id: int):
    """The plain form (no JavaScript): save the text, then stay or go to the hand-in."""
    answer = _own_or_404(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if answer.attempt.finished:
        flash(_("Votre copie est déjà remise : le texte n'a pas été modifié."), "warning")
        return redirect(url_for("assessments.online_done", attempt_id=attempt_id))
    try:
        online.save_text(current_user.id, attempt_id, request.form.get("q1", ""))
    except AttemptClosed as exc:
        flash(str(exc), "danger")
        return redirect(url_for("assessments.online_done", attempt_id=attempt_id))
    except ExamError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("assessments.online_write", attempt_id=attempt_id))
    if request.form.get("go") == "submit":
        return redirect(url_for("assessments.online_hand_in", attempt_id=attempt_id))
    flash(_("Texte enregistré."), "success")
    return redirect(url_for("assessments.online_write", attempt_id=attempt_id))


@bp.route("/redaction/<int:attempt_id>/remettre", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def online_hand_in(attempt_id: int):
    answer = _own_or_404(attempt_id)
    if answer.attempt.finished:
        return redirect(url_for("assessments.online_done", attempt_id=attempt_id))
    form = ActionForm()
    if form.validate_on_submit():
        online.hand_in(answer, auto=request.form.get("auto") == "1")
        flash(_("Votre copie est remise : voici votre accusé de remise, envoyé aussi par e-mail."), "success")
        return redirect(url_for("assessments.online_done", attempt_id=attempt_id))
    text = online.text_of(answer)
    return render_template("assessments/online_hand_in.html", answer=answer, form=form, characters=len(text),
                           remaining=remaining_seconds(answer.attempt))


@bp.get("/redaction/<int:attempt_id>/remise")
@role_required(Role.CANDIDATE)
def online_done(attempt_id: int):
    answer = _own_or_404(attempt_id)
    if not answer.attempt.finished:
        return redirect(url_for("assessments.online_write", attempt_id=attempt_id))
    submission = answer.submission
    return render_template("assessments/online_done.html", answer=answer, documents=_documents(answer),
                           version=submission.latest if submission else None,
                           subject_html=render_markdown(answer.version.subject), late=online.late_answers(answer))


@bp.get("/redaction/<int:attempt_id>/documents/<int:index>")
@role_required(Role.CANDIDATE)
def online_document(attempt_id: int, index: int):
    """An attached document, to the candidate whose attempt it belongs to (during and after it)."""
    answer = _own_or_404(attempt_id)
    document = online.document(answer, index)
    if document is None:
        abort(404)
    return storage.response(document["key"], document["content_type"], document["name"])


# --- JSON API (same shapes as the E2 attempt's) --------------------------------------------------


@bp.post("/api/redaction/<int:attempt_id>/answers/<int:position>")
@login_required
def online_api_save(attempt_id: int, position: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "response" not in body:
        return api_error(400, "bad_request", _("Requête invalide."))
    now = utcnow()
    try:
        if position != online.POSITION:
            online.own(attempt_id, current_user, now)
            raise ExamError(_("Cette épreuve n'a qu'une réponse."))
        remaining = online.save_text(current_user.id, attempt_id, body.get("response"), now=now,
                                     device_at=_device_time(body.get("answered_at")))
    except LookupError:
        abort(404)
    except ExamError as exc:
        return api_error(exc.status, type(exc).__name__, exc, finished=isinstance(exc, AttemptClosed),
                         stored_late=isinstance(exc, LateStored),
                         result_url=url_for("assessments.online_done", attempt_id=attempt_id))
    return jsonify(saved=True, position=position, saved_at=now.isoformat(), remaining_seconds=remaining)


@bp.get("/api/redaction/<int:attempt_id>/status")
@login_required
def online_api_status(attempt_id: int):
    try:
        state = online.progress(current_user.id, attempt_id)
    except LookupError:
        abort(404)
    return jsonify(status=state.status, remaining_seconds=state.remaining_seconds, unanswered=None,
                   result_url=url_for("assessments.online_done", attempt_id=attempt_id))



# --- administrators: late texts ------------------------------------------------------------------


@bp.route("/gestion/redaction/<int:attempt_id>/tardives", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def online_late(attempt_id: int):
    """The texts a device sent after the end, beside the copy; accepted (a new, late version of the
    copy) or rejected, with a reason."""
    answer = online.answer(attempt_id) or abort(404)
    form = LateDecisionForm()
    form.decision.choices = choices([
        ("accept", _("Accepter : le dernier texte tardif devient une nouvelle version de la copie, signalée en "
                     "retard, que les évaluateurs corrigent")),
        ("reject", _("Rejeter : la copie reste celle de la remise"))])
    if form.validate_on_submit():
        try:
            online.decide_late(answer, form.accept, form.reason.data, current_user)
        except ExamError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash(_("Décision enregistrée."), "success")
            return redirect(url_for("assessments.session_detail", session_id=answer.session_id))
    return render_template("assessments/online_late.html", answer=answer, late=online.late_answers(answer),
                           text=online.text_of(answer), form=form)

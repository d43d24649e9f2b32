"""Candidate pages, the attempt itself (with and without JavaScript), its JSON API, administration."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz.accounts.access import role_required
from quiz.accounts.forms import ActionForm, choices
from quiz.accounts.models import Cohort, User
from quiz.accounts.roles import Role
from quiz.database import autocommit
from quiz.exams import admin, service
from quiz.exams.forms import AccommodationForm, QuestionnaireForm, SessionForm
from quiz.exams.models import ExamSession, Questionnaire
from quiz.exams.pages import attempt_page, read_form_answers, result_page, review_page
from quiz.extensions import db
from quiz.referential import load_referential
from quiz.timeutil import utcnow
from quiz.web import api_error

bp = Blueprint("exams", __name__)


def owned_attempt(view):
    """Load the current user's attempt (404 for anyone else's) and pass it to the view."""

    @wraps(view)
    @login_required
    def wrapped(attempt_id: int, **kwargs):
        try:
            attempt = service.get_attempt(attempt_id, current_user)
        except LookupError:
            abort(404)
        return view(attempt, **kwargs)

    return wrapped


# --- candidate ------------------------------------------------------------------------------


@bp.route("/questionnaires")
@role_required(Role.CANDIDATE)
def candidate_home():
    return render_template("exams/candidate_home.html", sessions=service.sessions_of(current_user),
                           results=service.results_of(current_user.id), form=ActionForm())


@bp.route("/sessions/<int:session_id>/start", methods=["POST"])
@role_required(Role.CANDIDATE)
def start(session_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt_id = service.start_attempt_id(current_user.id, session_id)
    except service.ExamError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.candidate_home"))
    return redirect(url_for("exams.take", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET"])
@owned_attempt
def take(attempt):
    if attempt.finished:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    mode = request.args.get("mode")
    if mode:
        service.set_display_mode(attempt, mode)
    return render_template("exams/take.html", **attempt_page(attempt, request.args.get("q", type=int)),
                           form=ActionForm())


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@owned_attempt
def take_post(attempt):
    """The plain form (no JavaScript): save what was posted, then go where the candidate asked."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt.finished:
        flash(_("Ce questionnaire est déjà remis : aucune réponse n'a été modifiée."), "warning")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    try:
        for position, raw, flagged in read_form_answers(attempt, request.form):
            service.save_answer(attempt, position, raw, flagged=flagged)
    except service.AttemptClosed as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    except service.ExamError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Réponses enregistrées."), "success")
    target = request.form.get("go", "")
    if target == "submit":
        return redirect(url_for("exams.confirm_submit", attempt_id=attempt.id))
    return redirect(url_for("exams.take", attempt_id=attempt.id, q=int(target) if target.isdigit() else None))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@owned_attempt
def confirm_submit(attempt):
    if attempt.finished:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    form = ActionForm()
    if form.validate_on_submit():
        attempt_id = attempt.id  # the hand-in's commit expires the attempt: no reload for the redirect
        service.submit(attempt)
        flash(_("Votre questionnaire est remis."), "success")
        return redirect(url_for("exams.result", attempt_id=attempt_id))
    return render_template("exams/confirm_submit.html", attempt=attempt, form=form,
                           unanswered=service.unanswered_count(attempt),
                           flagged=service.flagged_count(attempt),
                           remaining=service.remaining_seconds(attempt))


@bp.route("/attempts/<int:attempt_id>/result")
@owned_attempt
def result(attempt):
    if not attempt.finished:
        return redirect(url_for("exams.take", attempt_id=attempt.id))
    return render_template("exams/result.html", **result_page(attempt))


@bp.route("/attempts/<int:attempt_id>/review")
@owned_attempt
def review(attempt):
    if not service.can_review(attempt):
        abort(403)
    return render_template("exams/review.html", **review_page(attempt))


# --- JSON API (autosave) --------------------------------------------------------------------


@bp.route("/api/attempts/<int:attempt_id>/answers/<int:position>", methods=["POST"])
@login_required
@autocommit
def api_save(attempt_id: int, position: int):
    """Autosave, the hot path of an exam: no attempt object is loaded, one read and one conditional write."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "bad_request", _("Requête invalide."))
    answer, now = "response" in body, utcnow()
    flagged = body.get("flagged") if "flagged" in body else None
    try:
        remaining = service.write_answer(current_user.id, attempt_id, position, raw=body.get("response"),
                                         answer=answer, flagged=flagged if answer else bool(flagged), now=now)
    except LookupError:
        abort(404)
    except service.ExamError as exc:
        return api_error(exc.status, type(exc).__name__, exc, finished=isinstance(exc, service.AttemptClosed),
                         result_url=url_for("exams.result", attempt_id=attempt_id))
    return jsonify(saved=True, position=position, saved_at=now.isoformat() if answer else None,
                   remaining_seconds=remaining)


@bp.route("/api/attempts/<int:attempt_id>/status")
@login_required
@autocommit
def api_status(attempt_id: int):
    try:
        state = service.progress(current_user.id, attempt_id)
    except LookupError:
        abort(404)
    return jsonify(status=state.status, remaining_seconds=state.remaining_seconds, unanswered=state.unanswered,
                   result_url=url_for("exams.result", attempt_id=attempt_id))


# --- administration -------------------------------------------------------------------------


@bp.route("/manage/")
@role_required(Role.TRAINER, Role.ADMIN)
def manage():
    return render_template("exams/manage.html", questionnaires=admin.questionnaires(), sessions=admin.sessions(),
                           bank_sizes=admin.bank_sizes(), counts=admin.session_counts(),
                           referential=load_referential(), form=ActionForm())


def _thematic_choices():
    return choices((t.number, f"{t.number}. {t.title}") for t in load_referential().thematics)


@bp.route("/manage/questionnaires/new", methods=["GET", "POST"])
@bp.route("/manage/questionnaires/<int:questionnaire_id>", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def questionnaire_edit(questionnaire_id: int | None = None):
    questionnaire = db.session.get(Questionnaire, questionnaire_id) if questionnaire_id else None
    if questionnaire_id and questionnaire is None:
        abort(404)
    form = QuestionnaireForm(obj=questionnaire)
    form.thematic.choices = _thematic_choices()
    if form.validate_on_submit():
        problem = admin.questionnaire_problem(form.thematic.data, form.question_count.data)
        if problem:
            form.question_count.errors.append(problem)
        else:
            admin.save_questionnaire(questionnaire, form.data, current_user)
            flash(_("Questionnaire enregistré."), "success")
            return redirect(url_for("exams.manage"))
    return render_template("exams/questionnaire_form.html", form=form, questionnaire=questionnaire,
                           bank_sizes=admin.bank_sizes())


@bp.route("/manage/questionnaires/<int:questionnaire_id>/trial", methods=["POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def trial(questionnaire_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = service.start_trial(current_user, questionnaire_id)
    except LookupError:
        abort(404)
    except service.ExamError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.manage"))
    flash(_("Essai à blanc : cette tentative n'est pas inscrite au registre."), "info")
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.route("/manage/sessions/new", methods=["GET", "POST"])
@bp.route("/manage/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def session_edit(session_id: int | None = None):
    session = db.session.get(ExamSession, session_id) if session_id else None
    if session_id and session is None:
        abort(404)
    form = SessionForm()
    form.questionnaire.choices = choices(
        (q.id, _("%(title)s — thématique %(n)d, %(count)d questions, %(minutes)d min", title=q.title, n=q.thematic,
                 count=q.question_count, minutes=q.duration_minutes))
        for q in admin.questionnaires()
    )
    cohorts = db.session.execute(db.select(Cohort).order_by(Cohort.name)).scalars()
    form.cohorts.choices = choices((c.id, c.name) for c in cohorts)
    if request.method == "GET" and session is not None:
        form.questionnaire.data = session.questionnaire_id
        form.opens_at.data = admin.to_local(session.opens_at)
        form.closes_at.data = admin.to_local(session.closes_at)
        form.cohorts.data = [c.id for c in session.cohorts]
    if form.validate_on_submit():
        problem = admin.session_problem(session, form.questionnaire.data)
        if problem:
            form.questionnaire.errors.append(problem)
        else:
            admin.save_session(session, form.questionnaire.data, form.opens_at.data, form.closes_at.data,
                               form.cohorts.data, current_user)
            flash(_("Session enregistrée."), "success")
            return redirect(url_for("exams.manage"))
    return render_template("exams/session_form.html", form=form, session=session)


@bp.route("/manage/sessions/<int:session_id>")
@role_required(Role.TRAINER, Role.ADMIN)
def session_detail(session_id: int):
    session = db.session.get(ExamSession, session_id) or abort(404)
    return render_template("exams/session_detail.html", session=session, roster=admin.roster(session))


@bp.route("/manage/accommodations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def accommodations():
    form = AccommodationForm()
    candidates = [u for u in db.session.execute(db.select(User).order_by(User.last_name)).scalars()
                  if u.has_role(Role.CANDIDATE)]
    form.candidate.choices = choices((u.id, f"{u.sort_name} — {u.email}") for u in candidates)
    if form.validate_on_submit():
        admin.set_accommodation(form.candidate.data, form.extra_time_percent.data or 0, form.reason.data or "",
                                current_user)
        flash(_("Aménagement enregistré ; il s'applique aux tentatives commencées à partir de maintenant."),
              "success")
        return redirect(url_for("exams.accommodations"))
    return render_template("exams/accommodations.html", form=form, rows=admin.accommodations())

"""Candidate pages, the attempt itself (with and without JavaScript), its JSON API, administration."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz.accounts.access import role_required
from quiz.accounts.forms import ActionForm, choices
from quiz.accounts.models import Cohort, User
from quiz.accounts.roles import Role
from quiz.database import autocommit
from quiz.exams import admin, late, service
from quiz.exams.forms import AccommodationForm, LateDecisionForm, QuestionnaireForm, SessionForm
from quiz.exams.models import Attempt, ExamSession, Questionnaire
from quiz.exams.pages import attempt_page, read_form_answers, result_page, review_page, submit_page
from quiz.extensions import db
from quiz.i18n import ngettext
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


@bp.route("/sessions/<int:session_id>/start", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def start(session_id: int):
    """What the clock will be (duration with extra time, deadline, attempts left), then the start itself."""
    form = ActionForm()
    try:
        if not form.validate_on_submit():
            return render_template("exams/start.html", terms=service.start_terms(current_user, session_id), form=form)
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
    errors = {int(k): v for k, v in session.pop(f"attempt-{attempt.id}-errors", {}).items()}
    return render_template("exams/take.html", **attempt_page(attempt, request.args.get("q", type=int)),
                           form=ActionForm(), errors=errors)


@bp.route("/attempts/<int:attempt_id>/mode", methods=["POST"])
@owned_attempt
def display_mode(attempt):
    if not ActionForm().validate_on_submit():
        abort(400)
    if not attempt.finished:
        service.set_display_mode(attempt, request.form.get("mode", ""))
    return redirect(url_for("exams.take", attempt_id=attempt.id, q=request.form.get("q", type=int)))


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@owned_attempt
def take_post(attempt):
    """The plain form (no JavaScript): save what was posted, then go where the candidate asked."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt.finished:
        flash(_("Ce questionnaire est déjà remis : aucune réponse n'a été modifiée."), "warning")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    errors = {}
    try:
        for position, raw, flagged in read_form_answers(attempt, request.form):
            try:
                service.save_answer(attempt, position, raw, flagged=flagged)
            except service.AttemptClosed:
                raise
            except service.ExamError as exc:
                errors[position] = str(exc)
    except service.AttemptClosed as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    if errors:
        session[f"attempt-{attempt.id}-errors"] = {str(k): v for k, v in errors.items()}
        flash(ngettext("%(num)d réponse n'a pas été enregistrée : voyez le message sous la question.",
                       "%(num)d réponses n'ont pas été enregistrées : voyez les messages sous les questions.",
                       len(errors)), "danger")
        return redirect(url_for("exams.take", attempt_id=attempt.id, q=min(errors)))
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
        service.submit(attempt, auto=request.form.get("auto") == "1")
        flash(_("Votre questionnaire est remis."), "success")
        return redirect(url_for("exams.result", attempt_id=attempt_id))
    return render_template("exams/confirm_submit.html", form=form, **submit_page(attempt))


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
                                         answer=answer, flagged=flagged if answer else bool(flagged), now=now,
                                         device_at=_device_time(body.get("answered_at")))
    except LookupError:
        abort(404)
    except service.ExamError as exc:
        return api_error(exc.status, type(exc).__name__, exc, finished=isinstance(exc, service.AttemptClosed),
                         stored_late=isinstance(exc, service.LateStored),
                         result_url=url_for("exams.result", attempt_id=attempt_id))
    return jsonify(saved=True, position=position, saved_at=now.isoformat() if answer else None,
                   remaining_seconds=remaining)


def _device_time(value) -> datetime | None:
    """The moment the device says the answer was given (its own clock, kept for late answers only)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


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
    if request.method == "GET" and questionnaire is not None:
        form.load_review(questionnaire.review_options)
    if form.validate_on_submit():
        problem = admin.questionnaire_problem(form.thematic.data, form.question_count.data)
        if problem:
            form.question_count.errors.append(problem)
        else:
            admin.save_questionnaire(questionnaire, form.data | {"review_options": form.review_options()},
                                     current_user)
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
    cut = None
    if form.validate_on_submit():
        problem = admin.session_problem(session, form.questionnaire.data)
        cut = admin.attempts_cut(session, form.closes_at.data)
        if problem:
            form.questionnaire.errors.append(problem)
        elif cut and form.confirm_cut.data != str(cut):
            form.confirm_cut.data = str(cut)  # said before it is done: the next submit confirms
        else:
            saved = admin.save_session(session, form.questionnaire.data, form.opens_at.data, form.closes_at.data,
                                       form.cohorts.data, current_user)
            flash(_("Session enregistrée."), "success")
            expiring = admin.expiring_questions(saved.questionnaire.thematic, saved.closes_at)
            if expiring:
                flash(ngettext("%(num)d question n'est pas tirée dans cette session : sa réponse n'est plus valable "
                               "à la fermeture (valid_until).",
                               "%(num)d questions ne sont pas tirées dans cette session : leur réponse n'est plus "
                               "valable à la fermeture (valid_until).", expiring), "info")
            return redirect(url_for("exams.manage"))
    running = admin.running_attempts(session) if session is not None else (0, None)
    return render_template("exams/session_form.html", form=form, session=session, cut=cut, running=running)


@bp.route("/manage/sessions/<int:session_id>")
@role_required(Role.TRAINER, Role.ADMIN)
def session_detail(session_id: int):
    exam_session = db.session.get(ExamSession, session_id) or abort(404)
    service.finalise_expired()
    template = "exams/_roster.html" if request.args.get("fragment") else "exams/session_detail.html"
    expiring = admin.expiring_questions(exam_session.questionnaire.thematic, exam_session.closes_at)
    return render_template(template, session=exam_session, roster=admin.roster(exam_session),
                           incidents=late.incidents(exam_session), form=LateDecisionForm(), now=utcnow(),
                           expiring=expiring)


@bp.route("/manage/attempts/<int:attempt_id>/late", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.ADMIN)
def late_answers(attempt_id: int):
    """The late answers of an attempt; an administrator accepts (rescore, ledger correction) or rejects them."""
    attempt = db.session.get(Attempt, attempt_id) or abort(404)
    form = LateDecisionForm()
    if request.method == "POST" and not current_user.has_role(Role.ADMIN):
        abort(403)
    if form.validate_on_submit():
        try:
            late.decide(attempt.id, form.accept, form.reason.data, current_user)
        except late.DecisionError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash(_("Réponses tardives acceptées : la tentative est recalculée et le registre corrigé.")
                  if form.accept else _("Réponses tardives rejetées."), "success")
            return redirect(url_for("exams.session_detail", session_id=attempt.session_id)
                            if attempt.session_id else url_for("exams.manage"))
    return render_template("exams/late_answers.html", attempt=attempt, rows=late.rows(attempt), form=form,
                           decision=late.latest_decision(attempt.id))


@bp.route("/manage/accommodations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def accommodations():
    form = AccommodationForm()
    candidates = [u for u in db.session.execute(db.select(User).order_by(User.last_name)).scalars()
                  if u.has_role(Role.CANDIDATE)]
    form.candidate.choices = choices((u.id, f"{u.sort_name} — {u.email}") for u in candidates)
    if form.validate_on_submit():
        admin.set_accommodation(form.candidate.data, form.extra, form.reason.data or "", current_user)
        flash(_("Aménagement enregistré ; il s'applique aux tentatives commencées à partir de maintenant."),
              "success")
        return redirect(url_for("exams.accommodations"))
    return render_template("exams/accommodations.html", form=form, rows=admin.accommodations())

"""Pages of the assessments: candidates' deposits and receipts; administrators' sessions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz import storage
from quiz.accounts.access import role_required
from quiz.accounts.forms import choices
from quiz.accounts.roles import Role
from quiz.assessments import casestudies, online, service
from quiz.assessments.forms import DepositForm, SessionForm
from quiz.assessments.models import MODALITIES
from quiz.assessments.receipts import french_size
from quiz.exams.admin import to_local, to_utc
from quiz.grading.evidence import Upload
from quiz.ledger.service import cohorts as ledger_cohorts
from quiz.ledger.service import referential

bp = Blueprint("assessments", __name__, url_prefix="/epreuves")
bp.add_app_template_filter(french_size, "filesize")


@bp.before_request
def allow_several_files():
    """Room for a deposit's files at the per-file limit, so that one oversized file is reported on
    the page rather than by a bare 413."""
    if request.endpoint == "assessments.deposit":
        request.max_content_length = service.max_deposit_bytes() * 20 + 1024 * 1024


# --- candidates ----------------------------------------------------------------------------------


@bp.get("/")
@role_required(Role.CANDIDATE)
def candidate_home():
    rows = [(s, service.submission_of(s, current_user.id), service.window_problem(s))
            for s in service.candidate_sessions(current_user)]
    return render_template("assessments/candidate_home.html", rows=rows)


def _convened_session_or_404(session_id: int):
    session = service.session(session_id)
    if session is None or not service.is_convened(session, current_user):
        abort(404)
    return session


@bp.route("/<int:session_id>", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def deposit(session_id: int):
    session = _convened_session_or_404(session_id)
    if session.online:
        return redirect(url_for("assessments.online_start", session_id=session.id))
    form = DepositForm()
    if form.validate_on_submit():
        uploads = [Upload(f.filename, f.stream) for f in (form.files.data or []) if getattr(f, "filename", None)]
        try:
            version = service.deposit(session, current_user, uploads, current_user, service.max_deposit_bytes())
        except service.AssessmentError as exc:
            form.files.errors = [*form.files.errors, str(exc)]
        else:
            flash(_("Dépôt enregistré : voici votre accusé de dépôt, envoyé aussi par e-mail."), "success")
            return redirect(url_for("assessments.receipt", version_id=version.id))
    return render_template("assessments/deposit.html", session=session, form=form,
                           submission=service.submission_of(session, current_user.id),
                           problem=service.window_problem(session), competences=service.competences_of(session),
                           max_mb=service.max_deposit_bytes() // (1024 * 1024))


def _own_version_or_404(version_id: int):
    """The candidate's own deposit, or any for an administrator."""
    version = service.version(version_id)
    if version is None or not (current_user.has_role(Role.ADMIN)
                               or version.submission.candidate_id == current_user.id):
        abort(404)
    return version


@bp.get("/accuses/<int:version_id>")
@login_required
def receipt(version_id: int):
    version = _own_version_or_404(version_id)
    return render_template("assessments/receipt.html", version=version, receipt=service.receipt_of(version))


@bp.get("/accuses/<int:version_id>.pdf")
@login_required
def receipt_pdf(version_id: int):
    version = _own_version_or_404(version_id)
    if not version.receipt_key:
        abort(404)
    return storage.response(version.receipt_key, "application/pdf", f"accuse-de-depot-{version.reference}.pdf")


@bp.get("/fichiers/<int:file_id>")
@login_required
def deposit_file(file_id: int):
    item = service.deposit_file(file_id)
    if item is None:
        abort(404)
    _own_version_or_404(item.version_id)
    return storage.response(item.stored_key, item.content_type, item.original_name)


# --- administrators ------------------------------------------------------------------------------


@bp.get("/gestion/")
@role_required(Role.ADMIN)
def manage():
    return render_template("assessments/manage.html", sessions=service.sessions(), modalities=MODALITIES)


def _session_form(session=None) -> tuple[SessionForm, str, int | None]:
    modality = session.modality if session else request.args.get("modalite", "")
    if modality not in MODALITIES:
        abort(404)
    thematic = session.thematic if session else request.args.get("thematique", type=int)
    ref = referential()
    if thematic is not None and thematic not in {t.number for t in ref.thematics}:
        abort(404)
    competences = service.modality_competences(modality, thematic)
    if session is not None and request.method == "GET":
        form = SessionForm(data={
            "title": session.title, "opens_at": to_local(session.opens_at),
            "deadline_at": to_local(session.deadline_at),
            "cohorts": [c.id for c in session.cohorts], "competences": session.competences,
            "late_allowed": session.late_allowed, "double_marking": session.double_marking,
            "max_files": session.max_files, "mode": session.mode, "case_study": session.case_study_id or 0})
    else:
        form = SessionForm(data={"competences": [c.code for c in competences]} if request.method == "GET" else None)
    form.cohorts.choices = [(c.id, c.name) for c in ledger_cohorts()]
    form.competences.choices = [(c.code, f"{c.label} — {c.statement}") for c in competences]
    form.case_study.choices = choices([(0, _("— choisir —"))] + [
        (v.case_study_id, f"{v.case_study.code} — {v.title} ({v.duration_minutes} min, version {v.number})")
        for v in casestudies.current_versions(thematic)] if modality == "E3" else [])
    return form, modality, thematic


def _session_data(form: SessionForm, modality: str, thematic: int | None) -> service.SessionData:
    return service.SessionData(
        modality=modality, title=form.title.data, opens_at=to_utc(form.opens_at.data),
        deadline_at=to_utc(form.deadline_at.data), cohort_ids=form.cohorts.data, competences=form.competences.data,
        thematic=thematic, late_allowed=form.late_allowed.data, double_marking=form.double_marking.data,
        max_files=form.max_files.data, mode=form.mode.data if modality == "E3" else "deposit",
        case_study_id=form.case_study.data or None)


@bp.route("/gestion/nouvelle", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def session_new():
    if request.args.get("modalite") not in MODALITIES or (
            request.args.get("modalite") == "E3" and not request.args.get("thematique")):
        return render_template("assessments/session_start.html", modalities=MODALITIES,
                               thematics=referential().thematics, chosen=request.args.get("modalite"))
    form, modality, thematic = _session_form()
    if form.validate_on_submit():
        try:
            created = service.create_session(_session_data(form, modality, thematic), current_user)
        except service.AssessmentError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Session « %(title)s » créée.", title=created.title), "success")
            return redirect(url_for("assessments.session_detail", session_id=created.id))
    return render_template("assessments/session_form.html", form=form, modality=referential().modality(modality),
                           thematic=thematic and referential().thematic(thematic), session=None)


@bp.route("/gestion/<int:session_id>/modifier", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def session_edit(session_id: int):
    session = service.session(session_id) or abort(404)
    form, modality, thematic = _session_form(session)
    if form.validate_on_submit():
        try:
            service.update_session(session, _session_data(form, modality, thematic))
        except service.AssessmentError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Session mise à jour."), "success")
            return redirect(url_for("assessments.session_detail", session_id=session.id))
    return render_template("assessments/session_form.html", form=form, modality=referential().modality(modality),
                           thematic=thematic and referential().thematic(thematic), session=session)


@bp.get("/gestion/<int:session_id>")
@role_required(Role.ADMIN)
def session_detail(session_id: int):
    session = service.session(session_id) or abort(404)
    if session.online:
        online.finalise_expired()
    candidates = service.convened_candidates(session)
    submissions = {s.candidate_id: s for s in session.submissions}
    answers = {a.candidate_id: a for a in online.session_answers(session)}
    late_counts = {cid: len(online.late_answers(a)) for cid, a in answers.items()}
    return render_template("assessments/session_detail.html", session=session, candidates=candidates,
                           submissions=submissions, competences=service.competences_of(session), answers=answers,
                           late_counts=late_counts)


# The marking and E4 pages live in their own modules on the same blueprint.
from quiz.assessments import appointment_views, marking_views, online_views  # noqa: E402, F401

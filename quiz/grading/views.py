"""Assessors' pages: the grading queue, the grading and correction forms, evidence downloads."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz import storage
from quiz.accounts.access import role_required
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.extensions import db
from quiz.grading import evidence
from quiz.grading.forms import build_form, validate_grading, verdicts
from quiz.ledger import service
from quiz.ledger.service import LedgerError
from quiz.timeutil import utcnow
from quiz.web import raise_request_limit

bp = Blueprint("grading", __name__, url_prefix="/evaluation")
GRADERS = (Role.ASSESSOR, Role.ADMIN)
MAX_FILES = 5


def max_file_bytes() -> int:
    """Per-file limit: EVIDENCE_MAX_BYTES, else the request limit MAX_CONTENT_LENGTH."""
    config = current_app.config
    return int(config.get("EVIDENCE_MAX_BYTES") or config.get("MAX_CONTENT_LENGTH") or evidence.DEFAULT_MAX_BYTES)


def several_files() -> int:
    """Room for several files at the per-file limit, so that one oversized file is reported on
    the form (with everything else kept) rather than by a bare 413 page."""
    return max_file_bytes() * MAX_FILES + 1024 * 1024


raise_request_limit(bp, several_files)


@bp.get("/")
@role_required(*GRADERS)
def queue():
    cohorts = service.cohorts()
    selected = request.args.get("promotion", type=int)
    if selected is None and len(cohorts) == 1:
        selected = cohorts[0].id
    rows = service.pending_gradings(selected) if selected in {c.id for c in cohorts} else None
    return render_template(
        "grading/queue.html",
        cohorts=cohorts,
        selected=selected,
        rows=rows,
        modalities=[m for m in service.ASSESSED_MODALITIES if m != "E1"],
    )


def _candidate_or_404(candidate_id: int) -> User:
    """The candidate graded; never the assessor themself (the ledger refuses it too)."""
    user = db.session.get(User, candidate_id)
    if user is None or not user.has_role(Role.CANDIDATE):
        abort(404)
    if user.id == current_user.id:
        abort(403)
    return user


def _store_files(form) -> list[service.StoredEvidence] | None:
    """Store the uploaded files; on a refused one, put the message on the field and keep none."""
    stored: list[service.StoredEvidence] = []
    uploads = [f for f in (form.files.data or []) if getattr(f, "filename", None)]
    if len(uploads) > MAX_FILES:
        form.files.errors = [_("Joignez au plus %(n)d fichiers.", n=MAX_FILES)]
        return None
    try:
        for upload in uploads:
            stored.append(
                evidence.store(evidence.Upload(upload.filename, upload.stream), max_file_bytes())
            )
    except evidence.EvidenceError as exc:
        evidence.discard(stored)
        form.files.errors = [*form.files.errors, str(exc)]
        return None
    return stored


@bp.route("/candidats/<int:candidate_id>/<modality>", methods=["GET", "POST"])
@role_required(*GRADERS)
def grade(candidate_id: int, modality: str):
    candidate = _candidate_or_404(candidate_id)
    try:
        competences = service.gradable_competences(modality)
    except LedgerError:
        abort(404)
    preselect = set(request.args.getlist("c"))
    defaults = {f"{c.code}_selected": c.code in preselect for c in competences}
    form = build_form(competences, modality=modality,
                      data={"assessed_on": service.local_date(utcnow()), **defaults})
    if validate_grading(form):
        stored = _store_files(form)
        if stored is not None:
            try:
                service.record_grading(
                    candidate.id,
                    modality,
                    verdicts(form),
                    form.assessed_on.data,
                    current_user.id,
                    comment=form.comment.data or "",
                    evidence=stored,
                )
            except LedgerError as exc:
                evidence.discard(stored)
                form.form_errors.append(str(exc))
            else:
                flash(_("Évaluation enregistrée pour %(name)s.", name=candidate.full_name), "success")
                return redirect(url_for("ledger.candidate", candidate_id=candidate.id))
    return render_template(
        "grading/form.html",
        form=form,
        candidate=candidate,
        modality=service.referential().modality(modality),
        correction=None,
        e1_counts=bool(service.referential().competences_requiring("E1")),
        status=service.candidate_status(candidate.id),
        max_mb=max_file_bytes() // (1024 * 1024),
    )


@bp.route("/corrections/<int:entry_id>", methods=["GET", "POST"])
@role_required(*GRADERS)
def correct(entry_id: int):
    original = service.entry(entry_id)
    if original is None:
        abort(404)
    candidate = _candidate_or_404(original.candidate_id)
    if not service.is_effective(original):
        flash(_("Cette entrée a déjà été corrigée : corrigez la dernière version."), "warning")
        return redirect(url_for("ledger.candidate", candidate_id=candidate.id))
    comp = service.referential().competence(original.competence)
    with_criteria = original.modality != "E2"
    defaults = {
        "assessed_on": original.assessed_on,
        f"{comp.code}_outcome": "1" if original.passed else "0",
        f"{comp.code}_score": original.score,
        **{f"{comp.code}_criterion_{i}": "1" if v else "0" for i, v in original.verdicts.items()},
    }
    form = build_form((comp,), correction=True, with_criteria=with_criteria, modality=original.modality,
                      data=defaults)
    if validate_grading(form):
        stored = _store_files(form)
        if stored is not None:
            (verdict,) = verdicts(form)
            try:
                service.record_correction(
                    original.id,
                    form.reason.data,
                    verdict.passed,
                    current_user.id,
                    criteria=verdict.criteria,
                    score=verdict.score,
                    comment=form.comment.data or "",
                    assessed_on=form.assessed_on.data,
                    evidence=stored,
                    justification=verdict.justification,
                )
            except LedgerError as exc:
                evidence.discard(stored)
                form.form_errors.append(str(exc))
            else:
                flash(_("Correction enregistrée ; l'entrée d'origine reste dans l'historique."), "success")
                return redirect(url_for("ledger.candidate", candidate_id=candidate.id))
    return render_template(
        "grading/form.html",
        form=form,
        candidate=candidate,
        modality=service.referential().modality(original.modality),
        correction=original,
        e1_counts=True,
        status=service.candidate_status(candidate.id),
        max_mb=max_file_bytes() // (1024 * 1024),
    )


@bp.get("/pieces/<int:file_id>")
@login_required
def evidence_download(file_id: int):
    """Assessors, administrators and the candidate concerned only; always as an attachment."""
    item = service.evidence_file(file_id)
    if item is None:
        abort(404)
    if not (current_user.has_role(*GRADERS) or current_user.id == item.act.candidate_id):
        abort(403)
    try:
        return storage.response(item.stored_name, item.content_type, item.original_name)
    except storage.StorageError:
        abort(404)

"""Pages of anonymous marking: an assessor's copies and marking form, anonymised downloads; the
administrators' allocation, publication and anonymised ZIP; the markings shown to the jury."""

from __future__ import annotations

import tempfile
import zipfile

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz import storage
from quiz.accounts.access import role_required
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.assessments import anonymise, marking, service
from quiz.assessments.forms import ActionForm, MarkingFormBase
from quiz.assessments.models import ROLES
from quiz.assessments.views import bp
from quiz.banks.render import render_markdown
from quiz.extensions import db
from quiz.grading.forms import build_form, validate_grading, verdicts
from quiz.ledger.service import local_date
from quiz.timeutil import utcnow

JURY = (Role.ASSESSOR, Role.ADMIN)


def revealed(submission) -> bool:
    """Names are shown to assessors only once the session's marks are final (E4 is never anonymous)."""
    return not submission.session.anonymous or submission.session.finalised_at is not None


def anonymous_name(submission, position: int, original: str) -> str:
    return f"{submission.anonymity_number}-{position + 1}{marking._extension(original)}"


@bp.get("/copies/")
@role_required(Role.ASSESSOR)
def my_copies():
    rows = [(m, marking.state(m.submission)) for m in marking.assessor_markings(current_user)]
    return render_template("assessments/my_copies.html", rows=rows, labels=marking.STATE_LABELS,
                           role_labels=marking.ROLE_LABELS, revealed=revealed)


def _own_marking_or_404(marking_id: int):
    found = marking.own_marking(marking_id, current_user)
    if found is None:
        abort(404)
    return found


@bp.route("/copies/<int:marking_id>", methods=["GET", "POST"])
@role_required(Role.ASSESSOR)
def mark(marking_id: int):
    mine = _own_marking_or_404(marking_id)
    submission = mine.submission
    competences = service.competences_of(submission.session)
    defaults = {"assessed_on": mine.assessed_on or local_date(utcnow()), "comment": mine.comment}
    for verdict in marking.verdicts_of(mine):
        defaults[f"{verdict.competence}_outcome"] = "1" if verdict.passed else "0"
        defaults[f"{verdict.competence}_score"] = verdict.score
        defaults |= {f"{verdict.competence}_criterion_{i}": "1" if ok else "0" for i, ok in verdict.criteria.items()}
    form = build_form(competences, selectable=False, modality=submission.session.modality, base=MarkingFormBase,
                      data=defaults)
    problem = marking.can_mark(mine)
    written = marking.written_case(submission)
    if problem is None and validate_grading(form):
        try:
            marking.record_marking(mine, verdicts(form), form.assessed_on.data, form.comment.data or "",
                                   current_user)
        except service.AssessmentError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Correction de la copie %(n)s enregistrée.", n=submission.anonymity_number), "success")
            return redirect(url_for("assessments.my_copies"))
    return render_template("assessments/mark.html", form=form, marking=mine, submission=submission,
                           problem=problem, others=marking.visible_markings(mine), revealed=revealed(submission),
                           written=written,
                           subject_html=render_markdown(written.version.subject) if written else None,
                           guide_html=render_markdown(written.version.guide) if written else None,
                           role_labels=marking.ROLE_LABELS, anonymous_name=anonymous_name)


@bp.get("/copies/<int:marking_id>/fichiers/<int:file_id>")
@role_required(Role.ASSESSOR)
def copy_file(marking_id: int, file_id: int):
    """A file of the copy's latest version, under its anonymous name and without author metadata."""
    mine = _own_marking_or_404(marking_id)
    latest = mine.submission.latest
    item = next((f for f in (latest.files if latest else ()) if f.id == file_id), None)
    if item is None:
        abort(404)
    if revealed(mine.submission):
        return storage.response(item.stored_key, item.content_type, item.original_name)
    copy, _stripped = anonymise.anonymised_copy(item.stored_key, item.content_type)
    size = copy.seek(0, 2)
    copy.seek(0)
    return storage.attachment(_closing_chunks(copy), size, item.content_type,
                              anonymous_name(mine.submission, item.position, item.original_name))


def _closing_chunks(handle, size: int = storage.CHUNK):
    with handle:
        while chunk := handle.read(size):
            yield chunk


# --- administrators ------------------------------------------------------------------------------


def _session_or_404(session_id: int):
    return service.session(session_id) or abort(404)


@bp.route("/gestion/<int:session_id>/attribution", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def allocation(session_id: int):
    session = _session_or_404(session_id)
    form = ActionForm()
    problems: list[str] = []
    if form.validate_on_submit():
        choices = {}
        for submission in session.submissions:
            for role in ROLES:
                value = request.form.get(f"copy-{submission.id}-{role}")
                if value is not None:
                    choices[(submission.id, role)] = int(value) if value.isdigit() else None
        problems = marking.save_allocation(session, choices, current_user)
        if not problems:
            flash(_("Attribution enregistrée."), "success")
            return redirect(url_for("assessments.allocation", session_id=session.id))
    return render_template("assessments/allocation.html", session=session, form=form, problems=problems,
                           assessors=marking.assessors(), state=marking.state, labels=marking.STATE_LABELS,
                           role_labels=marking.ROLE_LABELS, disagree=marking.disagree)


@bp.post("/gestion/<int:session_id>/attribution/automatique")
@role_required(Role.ADMIN)
def auto_allocation(session_id: int):
    session = _session_or_404(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = marking.auto_allocate(session, current_user)
    except service.AssessmentError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("%(n)d correction(s) attribuée(s), réparties au plus juste entre les évaluateurs.", n=added), "success")
    return redirect(url_for("assessments.allocation", session_id=session.id))


@bp.post("/gestion/<int:session_id>/publier")
@role_required(Role.ADMIN)
def publish(session_id: int):
    session = _session_or_404(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        report = marking.finalise(session, current_user, request.host_url.rstrip("/"))
    except service.AssessmentError as exc:
        flash(str(exc), "danger")
    else:
        if report.undecided:
            flash(_("Publication impossible : copies sans décision : %(list)s.", list=", ".join(report.undecided)),
                  "danger")
        else:
            flash(_("Résultats publiés : %(n)d décision(s) inscrites au registre, identités révélées, candidats "
                    "prévenus par e-mail.", n=report.decided), "success")
    return redirect(url_for("assessments.allocation", session_id=session.id))


@bp.get("/gestion/<int:session_id>/copies.zip")
@role_required(Role.ADMIN)
def copies_zip(session_id: int):
    """Every latest copy of the session, anonymised, for offline marking: built in a temporary
    file one copy at a time and streamed."""
    session = _session_or_404(session_id)
    archive = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the streamed response)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:
        for submission in sorted(session.submissions, key=lambda s: s.anonymity_number):
            if submission.latest is None:
                continue
            for item in submission.latest.files:
                name = f"{submission.anonymity_number}/{anonymous_name(submission, item.position, item.original_name)}"
                copy, _stripped = anonymise.anonymised_copy(item.stored_key, item.content_type)
                with copy, out.open(name, "w", force_zip64=True) as target:
                    while chunk := copy.read(storage.CHUNK):
                        target.write(chunk)
    size = archive.tell()
    archive.seek(0)
    return storage.attachment(_closing_chunks(archive), size, "application/zip",
                              f"copies-{session.modality}-{session.id}.zip")


@bp.get("/candidats/<int:candidate_id>/corrections")
@role_required(*JURY)
def candidate_markings(candidate_id: int):
    """Both markings (and the moderation) of every published copy of a candidate, for the jury."""
    if candidate_id == current_user.id:
        abort(403)
    candidate = db.session.get(User, candidate_id)
    if candidate is None or not candidate.has_role(Role.CANDIDATE):
        abort(404)
    return render_template("assessments/candidate_markings.html", candidate=candidate,
                           submissions=marking.candidate_markings(candidate_id), role_labels=marking.ROLE_LABELS,
                           outcomes=marking.outcomes, decider=marking.deciding_marking)

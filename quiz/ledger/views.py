"""Candidate dashboard, candidate record for assessors, jury grid, exports and attestations."""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from quiz.accounts.access import role_required
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.extensions import db
from quiz.ledger import exports, service
from quiz.ledger.attestation import attestation_pdf
from quiz.ledger.rules import State
from quiz.timeutil import utcnow

bp = Blueprint("ledger", __name__, url_prefix="/registre")
JURY = (Role.ASSESSOR, Role.ADMIN)


@bp.app_template_filter("ledger_date")
def ledger_date(value) -> str:
    """A day as « 15/06/2026 » (French numeric date), empty for None."""
    return exports.short_date(value)


def _page(candidate: User, own: bool):
    entries = service.history(candidate.id)
    return render_template(
        "ledger/candidate.html",
        candidate=candidate,
        own=own,
        status=service.candidate_status(candidate.id),
        ref=service.referential(),
        entries=entries,
        replaced_by={e.replaces_id: e for e in entries if e.replaces_id is not None},
        can_grade=current_user.has_role(*JURY) and candidate.id != current_user.id,  # never one's own work
        State=State,
    )


@bp.get("/")
@role_required(Role.CANDIDATE)
def my_dashboard():
    return _page(current_user, own=True)


def _visible_candidate(candidate_id: int) -> User:
    """Assessors and administrators see every candidate; a candidate only themself."""
    if not current_user.has_role(*JURY) and current_user.id != candidate_id:
        abort(403)
    user = db.session.get(User, candidate_id)
    if user is None or not user.has_role(Role.CANDIDATE):
        abort(404)
    return user


@bp.get("/candidats/<int:candidate_id>")
@role_required(*JURY, Role.CANDIDATE)
def candidate(candidate_id: int):
    user = _visible_candidate(candidate_id)
    return _page(user, own=user.id == current_user.id)


@bp.get("/candidats/<int:candidate_id>/attestation.pdf")
@role_required(*JURY, Role.CANDIDATE)
def attestation(candidate_id: int):
    user = _visible_candidate(candidate_id)
    today = service.local_date(utcnow())
    pdf = attestation_pdf(user.full_name, service.candidate_status(user.id), service.referential(), today)
    name = _safe(f"releve-situation-{user.last_name}-{user.first_name}")
    return _download(pdf, "application/pdf", f"{name}.pdf", inline=True)


def _selection_args() -> tuple[int | None, str]:
    """?promotion=<id> (every candidate without it) and ?statut= (one of exports.FILTERS)."""
    wanted = request.args.get("statut", "")
    return request.args.get("promotion", type=int), wanted if wanted in exports.FILTERS else ""


@bp.get("/jury")
@role_required(*JURY)
def jury():
    cohort_id, wanted = _selection_args()
    try:
        grid = service.jury_page(cohort_id, wanted, request.args.get("page", 1, type=int))
    except service.LedgerError:
        abort(404)
    return render_template(
        "ledger/jury.html",
        grid=grid,
        ref=service.referential(),
        cohorts=service.cohorts(),
        wanted=wanted,
        filters=exports.FILTERS,
        State=State,
        title_cell=exports.title_cell,
    )


@bp.get("/jury/export.<fmt>")
@role_required(*JURY)
def jury_export(fmt: str):
    """Every candidate of the selection (not one page), read from the stored summaries: the CSV
    is streamed, the XLSX written row by row."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    cohort_id, wanted = _selection_args()
    try:
        selection = service.grid_selection(cohort_id, wanted)
    except service.LedgerError:
        abort(404)
    ref = service.referential()
    name = _safe(f"grille-jury-{selection.cohort.name if selection.cohort else 'tous'}-{service.local_date(utcnow())}")
    if fmt == "csv":
        body = stream_with_context(chunk.encode("utf-8") for chunk in exports.csv_chunks(selection.rows(), ref))
        return _download(body, "text/csv; charset=utf-8", f"{name}.csv")
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(exports.to_xlsx(selection.rows(), ref, selection.people), mimetype, f"{name}.xlsx")


def _safe(name: str) -> str:
    """An ASCII file name: accents dropped (Élodie -> Elodie), anything else turned into dashes."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-") or "export"


def _download(body, mimetype: str, filename: str, inline: bool = False) -> Response:
    response = Response(body, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

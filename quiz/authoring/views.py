"""Trainers' pages: bank list, editor (with and without JavaScript), preview, publication,
history and diffs, the Moodle import, item statistics and their CSV export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz.accounts.access import role_required
from quiz.accounts.forms import ActionForm
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.authoring import item_analysis, service
from quiz.authoring import moodle_import as importing
from quiz.authoring.forms import EditorForm, MoodleTargetForm, MoodleUploadForm, UploadForm
from quiz.exams.models import Questionnaire
from quiz.extensions import db
from quiz.referential import load_referential

bp = Blueprint("authoring", __name__, url_prefix="/atelier")
TRAINERS = (Role.TRAINER, Role.ADMIN)
ACTIONS = ("save", "check", "preview", "publish", "discard")


def _thematic(number: int):
    thematic = service.thematic_or_none(number)
    if thematic is None:
        abort(404)
    return thematic


@bp.get("/banques")
@role_required(*TRAINERS)
def banks():
    return render_template("authoring/banks.html", rows=service.bank_overview(), types=service.TYPE_LABELS,
                           reviews=service.review_queue(), today=service.utcnow().date().isoformat())


def _editor(thematic, text: str, source: str, validation=None, status: int = 200, form=None):
    form = form or EditorForm(formdata=None, text=text)
    return render_template(
        "authoring/editor.html", thematic=thematic, form=form, source=source, validation=validation,
        upload=UploadForm(), draft=service.draft_of(thematic.number),
    ), status


@bp.get("/banques/<int:number>")
@role_required(*TRAINERS)
def editor(number: int):
    thematic = _thematic(number)
    text, source = service.editor_text(thematic)
    return _editor(thematic, text, source)


@bp.post("/banques/<int:number>")
@role_required(*TRAINERS)
def editor_post(number: int):
    thematic = _thematic(number)
    form = EditorForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ACTIONS:
        abort(400)
    text = form.text.data or ""
    if action == "discard":
        service.discard_draft(thematic)
        flash(_("Brouillon abandonné : le texte publié est rechargé."), "info")
        return redirect(url_for("authoring.editor", number=number))
    if action == "publish":
        return _publish(thematic, text, form)
    service.save_draft(thematic, text, current_user)
    if action == "preview":
        return redirect(url_for("authoring.preview", number=number))
    if action == "check":
        return _editor(thematic, text, "draft", service.validate(thematic, text), form=form)
    flash(_("Brouillon enregistré (non publié)."), "success")
    return redirect(url_for("authoring.editor", number=number))


def _publish(thematic, text: str, form):
    result = service.publish(thematic, text, current_user)
    if not result.validation.ok:
        service.save_draft(thematic, text, current_user)
        flash(_("Publication refusée : corrigez les erreurs listées ci-dessous."), "danger")
        return _editor(thematic, text, "draft", result.validation, status=422, form=form)
    report = result.report
    if report is None or report.revision_id is None:
        flash(_("Rien n'a changé depuis la dernière publication."), "info")
        return redirect(url_for("authoring.editor", number=thematic.number))
    flash(_("Banque publiée : %(a)d ajoutée(s), %(c)d modifiée(s), %(r)d retirée(s).",
            a=len(report.added), c=len(report.changed), r=len(report.retired)), "success")
    if not result.written:
        flash(_("Le dossier des banques n'est pas accessible en écriture : téléchargez le fichier publié "
                "pour le versionner."), "warning")
    return redirect(url_for("authoring.revision", number=thematic.number, revision_id=report.revision_id))


@bp.post("/banques/<int:number>/validation")
@role_required(*TRAINERS)
def validate(number: int):
    """JSON for the editor's live check: {ok, questions, problems: [...], elsewhere: [...]}."""
    thematic = _thematic(number)
    data = request.get_json(silent=True) or {}
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return jsonify({"error": _("Texte manquant.")}), 400
    validation = service.validate(thematic, text)
    return jsonify({
        "ok": validation.ok,
        "questions": len(validation.bank.questions) if validation.bank else 0,
        "problems": [p.as_json() for p in validation.problems],
        "elsewhere": [p.as_json() for p in validation.elsewhere],
        "warnings": [p.as_json() for p in validation.warnings],
    })


@bp.post("/banques/<int:number>/televerser")
@role_required(*TRAINERS)
def upload(number: int):
    thematic = _thematic(number)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.file.errors) or _("Envoi refusé."), "danger")
        return redirect(url_for("authoring.editor", number=number))
    storage = form.file.data
    try:
        text = service.read_upload(storage.read(service.MAX_BANK_BYTES + 1), storage.filename or "")
    except service.UploadError as exc:
        flash(_("Fichier refusé : %(why)s", why=str(exc)), "danger")
        return redirect(url_for("authoring.editor", number=number))
    service.save_draft(thematic, text, current_user)
    flash(_("Fichier chargé comme brouillon : vérifiez-le puis publiez-le."), "success")
    return redirect(url_for("authoring.editor", number=number))


def _target_form(**data) -> MoodleTargetForm:
    form = MoodleTargetForm(**data)
    form.thematic.choices = [(t.number, f"{t.number}. {t.title} ({t.prefix})") for t in load_referential().thematics]
    return form


@bp.route("/import-moodle", methods=["GET", "POST"])
@role_required(*TRAINERS)
def moodle_import():
    """Step one: upload a Moodle file and read what would be converted, refused or lost."""
    upload = MoodleUploadForm()
    if request.method == "GET" or not upload.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("authoring/moodle_import.html", upload=upload, conversion=None), status
    storage = upload.file.data
    filename = storage.filename or "moodle"
    try:
        kind, text = importing.read_moodle_upload(storage.read(importing.MAX_IMPORT_BYTES + 1), filename)
    except service.UploadError as exc:
        flash(_("Fichier refusé : %(why)s", why=str(exc)), "danger")
        return render_template("authoring/moodle_import.html", upload=upload, conversion=None), 422
    conversion = importing.preview(kind, text)
    target = _target_form(formdata=None, kind=kind, filename=filename, source=text)
    return render_template("authoring/moodle_import.html", upload=upload, conversion=conversion, target=target,
                           filename=filename)


@bp.post("/import-moodle/destination")
@role_required(*TRAINERS)
def moodle_import_target():
    """Step two: the converted questions join the chosen bank's draft, with new ids."""
    form = _target_form()
    if not form.validate_on_submit() or form.kind.data not in ("xml", "gift"):
        abort(400)
    thematic = _thematic(form.thematic.data)
    conversion, unwritten = importing.add_to_bank(thematic, form.kind.data, form.source.data or "", current_user)
    if conversion.markdown is None:
        flash(_("Aucune question convertie : la banque n'a pas changé."), "danger")
        return redirect(url_for("authoring.moodle_import"))
    flash(_("%(n)s ajoutée(s) au brouillon (%(summary)s) : relisez-les puis publiez.",
            n=conversion.converted, summary=conversion.summary()), "success")
    if unwritten:
        flash(_("Images à recopier dans question_banks/assets/ : %(names)s", names=", ".join(unwritten)), "warning")
    return redirect(url_for("authoring.editor", number=thematic.number))


def _markdown_file(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/banques/<int:number>/telecharger")
@role_required(*TRAINERS)
def download(number: int):
    thematic = _thematic(number)
    text, _source = service.editor_text(thematic)
    return _markdown_file(text, thematic.filename)


@bp.get("/banques/<int:number>/apercu")
@role_required(*TRAINERS)
def preview(number: int):
    thematic = _thematic(number)
    text, source = service.editor_text(thematic)
    validation = service.validate(thematic, text)
    items = service.preview(validation.bank) if validation.bank else []
    return render_template("authoring/preview.html", thematic=thematic, items=items, validation=validation,
                           source=source)


@bp.get("/banques/<int:number>/historique")
@role_required(*TRAINERS)
def history(number: int):
    thematic = _thematic(number)
    return render_template("authoring/history.html", thematic=thematic, revisions=service.revisions(number))


@bp.get("/banques/<int:number>/versions/<int:revision_id>")
@role_required(*TRAINERS)
def revision(number: int, revision_id: int):
    thematic = _thematic(number)
    current = service.revision(number, revision_id) or abort(404)
    previous = service.previous_revision(current)
    return render_template(
        "authoring/diff.html", thematic=thematic, old=previous, new=current,
        author=db.session.get(User, current.created_by_id) if current.created_by_id else None,
        diff=service.revision_diff(previous, current), report=current.summary,
    )


@bp.get("/banques/<int:number>/versions/<int:revision_id>/telecharger")
@role_required(*TRAINERS)
def revision_download(number: int, revision_id: int):
    found = service.revision(number, revision_id) or abort(404)
    return _markdown_file(found.text, found.filename)


@bp.get("/banques/<int:number>/comparer")
@role_required(*TRAINERS)
def compare(number: int):
    thematic = _thematic(number)
    old = service.revision(number, request.args.get("de", type=int) or 0) or abort(404)
    new = service.revision(number, request.args.get("a", type=int) or 0) or abort(404)
    if (old.created_at, old.id) > (new.created_at, new.id):
        old, new = new, old
    return render_template(
        "authoring/diff.html", thematic=thematic, old=old, new=new,
        author=db.session.get(User, new.created_by_id) if new.created_by_id else None,
        diff=service.revision_diff(old, new), report=None,
    )


# --- statistics -------------------------------------------------------------------------------


@bp.get("/statistiques")
@role_required(*TRAINERS)
def statistics():
    reports = [item_analysis.analyse(q) for q in item_analysis.questionnaires()]
    return render_template("authoring/statistics.html", reports=reports, min_attempts=item_analysis.min_attempts(),
                           trial_form=ActionForm())


@bp.get("/statistiques/<int:questionnaire_id>")
@role_required(*TRAINERS)
def questionnaire_statistics(questionnaire_id: int):
    questionnaire = db.session.get(Questionnaire, questionnaire_id) or abort(404)
    report = item_analysis.analyse(questionnaire)
    return render_template("authoring/questionnaire_statistics.html", report=report,
                           thematic=service.thematic_or_none(questionnaire.thematic),
                           flag_label=item_analysis.flag_label, trial_form=ActionForm())


@bp.get("/statistiques/statistiques.csv")
@role_required(*TRAINERS)
def statistics_csv():
    chosen = request.args.get("questionnaire", type=int)
    questionnaires = [q for q in item_analysis.questionnaires() if chosen is None or q.id == chosen]
    body = item_analysis.to_csv([item_analysis.analyse(q) for q in questionnaires])
    name = f"statistiques-questionnaire-{chosen}.csv" if chosen else "statistiques-items.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""Certifier settings, civil identities, jury sessions, certificates, SI CPF, verification, RGPD."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quiz.accounts.access import role_required
from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.certification import cpf, delivery, forms, privacy, service
from quiz.certification.identity import SEXES, Identity
from quiz.extensions import db
from quiz.ledger import service as ledger
from quiz.ledger.rules import State

bp = Blueprint("certification", __name__)
JURY = (Role.ASSESSOR, Role.ADMIN)
VERIFY_LIMIT = 30  # requests per address and minute on the public verification page


def _download(body: bytes, mimetype: str, filename: str, inline: bool = False) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _done(action, success=None):
    """Run a service call: a refusal is rolled back and flashed in French (None is returned),
    success flashed (a message, or a function of the result); the result, or True."""
    try:
        result = action()
    except (service.CertificationError, cpf.CpfError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return None
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return True if result is None else result


def _session_or_404(session_id: int):
    try:
        return service.jury_session(session_id)
    except service.CertificationError:
        abort(404)


def _candidate_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(Role.CANDIDATE):
        abort(404)
    return user


# --- settings -----------------------------------------------------------------------------------


@bp.route("/certification/parametres", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    conf = service.settings()
    form = forms.SettingsForm(obj=conf if request.method == "GET" else None)
    if request.method == "GET":
        for kind, months in privacy.retention().items():
            getattr(form, kind).data = months
    if form.validate_on_submit():
        upload = form.logo.data
        logo = (upload.read(), upload.mimetype) if upload and getattr(upload, "filename", "") else None
        if _done(lambda: service.update_settings(
                {k: getattr(form, k).data for k in service.SETTINGS_FIELDS}, logo=logo,
                remove_logo=form.remove_logo.data,
                retention=privacy.check_retention({k: getattr(form, k).data for k in privacy.RETENTION_KINDS})),
                _("Paramètres du certificateur enregistrés.")):
            return redirect(url_for("certification.settings"))
    return render_template("certification/settings.html", form=form, conf=conf)


@bp.get("/certification/parametres/logo")
@role_required(Role.ADMIN)
def logo():
    conf = service.settings()
    if not conf.logo:
        abort(404)
    return _download(conf.logo, conf.logo_type or "image/png", "logo", inline=True)


# --- civil identity -----------------------------------------------------------------------------


def _identity_from(form: forms.IdentityForm) -> Identity:
    abroad = form.born_abroad.data
    return Identity(birth_name=form.birth_name.data or "", usage_name=form.usage_name.data or "",
                    first_name1=form.first_name1.data or "", first_name2=form.first_name2.data or "",
                    first_name3=form.first_name3.data or "", birth_date=form.birth_date.data,
                    sex=form.sex.data or "", commune_code="" if abroad else (form.commune_code.data or ""),
                    country_code=(form.country_code.data or "") if abroad else "",
                    birth_place=form.birth_place.data or "")


def _fill(form: forms.IdentityForm, value: Identity | None) -> None:
    if value is None:
        return
    for name in ("birth_name", "usage_name", "first_name1", "first_name2", "first_name3", "birth_date", "sex",
                 "commune_code", "country_code", "birth_place"):
        getattr(form, name).data = getattr(value, name)
    form.born_abroad.data = bool(value.country_code)


def _identity_page(user: User, own: bool):
    form = forms.IdentityForm()
    if request.method == "GET":
        _fill(form, service.identity(user.id))
    if form.validate_on_submit() and _done(
            lambda: service.save_identity(user.id, _identity_from(form), "candidat" if own else "admin"),
            _("État civil enregistré.")):
        return redirect(request.path)
    current = service.identity(user.id)
    return render_template("certification/identity.html", form=form, user=user, own=own,
                           complete=service.identity_complete(current),
                           certificates=service.certificates_of(user.id) if own else [])


@bp.route("/certification/mon-etat-civil", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def my_identity():
    return _identity_page(current_user, own=True)


@bp.route("/certification/etats-civils/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def identity_edit(user_id: int):
    return _identity_page(_candidate_or_404(user_id), own=False)


@bp.route("/certification/etats-civils", methods=["GET", "POST"])
@role_required(*JURY)
def identities():
    form = forms.CsvForm()
    report = None
    if form.validate_on_submit():
        if not current_user.has_role(Role.ADMIN):
            abort(403)
        try:
            report = service.import_identities(form.file.data.read())
        except ValueError as exc:
            db.session.rollback()
            flash(_("Fichier refusé : %(error)s", error=str(exc)), "danger")
        else:
            flash(_("%(num)d état(s) civil(s) enregistré(s).", num=report.saved), "success")
    candidates = ledger.full_grid().rows
    known = service.identities(r.candidate.id for r in candidates)
    rows = [(r.candidate, known.get(r.candidate.id), service.identity_complete(known.get(r.candidate.id)))
            for r in candidates]
    return render_template("certification/identities.html", form=form, rows=rows, report=report, SEXES=SEXES)


# --- jury sessions ------------------------------------------------------------------------------


@bp.get("/certification/jurys")
@role_required(*JURY)
def juries():
    return render_template("certification/juries.html", sessions=service.sessions())


@bp.route("/certification/jurys/nouveau", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def jury_new():
    form = forms.SessionForm()
    form.president.choices = [SelectChoice(i, str(i + 1)) for i in range(len(form.members))]
    if form.validate_on_submit():
        members = [service.MemberInput(m.form.name.data or "", m.form.quality.data or "", i == form.president.data)
                   for i, m in enumerate(form.members)]
        session = _done(lambda: service.create_session(form.held_on.data, form.place.data, members, current_user.id),
                        _("Session de jury créée : présentez-lui des candidats."))
        if session:
            return redirect(url_for("certification.jury", session_id=session.id))
    return render_template("certification/jury_new.html", form=form)


@bp.get("/certification/jurys/<int:session_id>")
@role_required(*JURY)
def jury(session_id: int):
    session = _session_or_404(session_id)
    present = forms.PresentForm()
    present.cohort.choices = [SelectChoice(0, _("— choisir une cohorte —"))] + [
        SelectChoice(c.id, c.name) for c in ledger.cohorts()]
    presented = {c.candidate_id for c in session.candidates}
    ready = [(u, p) for u, p in service.ready_candidates() if u.id not in presented] if not session.closed else []
    present.ready.choices = [SelectChoice(u.id, u.sort_name) for u, _p in ready]
    return render_template("certification/jury.html", session=session, rows=service.session_rows(session),
                           present=present, ready=ready, close=forms.CloseForm(), action=forms.ActionForm(),
                           certificates=service.certificates_of_session(session.id),
                           proposal_label=delivery.proposal_label, decision_label=delivery.decision_label)


@bp.post("/certification/jurys/<int:session_id>/candidats")
@role_required(Role.ADMIN)
def jury_present(session_id: int):
    """CSRF is checked for every POST by CSRFProtect; the choices are read as sent."""
    session = _session_or_404(session_id)
    ids = [int(i) for i in request.form.getlist("ready") if i.isdigit()]
    cohort_id = request.form.get("cohort", type=int)
    if cohort_id:
        ids += service.cohort_candidate_ids(cohort_id)
    _done(lambda: service.present_candidates(session.id, ids),
          lambda count: _("%(num)d candidat(s) présenté(s).", num=count))
    return redirect(url_for("certification.jury", session_id=session.id))


@bp.post("/certification/jurys/<int:session_id>/candidats/<int:candidate_id>/retirer")
@role_required(Role.ADMIN)
def jury_withdraw(session_id: int, candidate_id: int):
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    _done(lambda: service.withdraw_candidate(session_id, candidate_id))
    return redirect(url_for("certification.jury", session_id=session_id))


@bp.route("/certification/jurys/<int:session_id>/candidats/<int:candidate_id>", methods=["GET", "POST"])
@role_required(*JURY)
def decision(session_id: int, candidate_id: int):
    session = _session_or_404(session_id)
    if candidate_id not in {c.candidate_id for c in session.candidates}:
        abort(404)
    candidate = _candidate_or_404(candidate_id)
    ref = ledger.referential()
    form = forms.DecisionForm()
    form.blocs.choices = [SelectChoice(b.code, f"Bloc {b.number} — {b.title}") for b in ref.blocs]
    if form.validate_on_submit() and _done(
            lambda: service.record_decision(session.id, candidate.id, form.outcome.data, form.blocs.data or [],
                                            form.reason.data, current_user.id), _("Décision enregistrée.")):
        return redirect(url_for("certification.jury", session_id=session.id))
    proposal = service.candidate_proposal(session, candidate.id)
    history = service.decision_history(session.id, candidate.id)
    if request.method == "GET" and not history:
        form.outcome.data = proposal.outcome
        form.blocs.data = list(proposal.blocs)
    entries = ledger.history(candidate.id)
    return render_template("certification/decision.html", session=session, candidate=candidate, form=form,
                           proposal=proposal, history=history, status=ledger.candidate_status(candidate.id),
                           ref=ref, entries=entries, State=State,
                           replaced_by={e.replaces_id: e for e in entries if e.replaces_id is not None},
                           identity=service.identity(candidate.id),
                           complete=service.identity_complete(service.identity(candidate.id)),
                           proposal_label=delivery.proposal_label, decision_label=delivery.decision_label)


@bp.post("/certification/jurys/<int:session_id>/clore")
@role_required(Role.ADMIN)
def jury_close(session_id: int):
    form = forms.CloseForm()
    if not form.validate_on_submit():
        flash(_("Saisissez le nom du président pour clore."), "danger")
        return redirect(url_for("certification.jury", session_id=session_id))
    _done(lambda: service.close_session(session_id, form.president_name.data, current_user.id),
          lambda certificates: _("Délibération close : %(num)d certificat(s) délivré(s).", num=len(certificates)))
    return redirect(url_for("certification.jury", session_id=session_id))


@bp.get("/certification/jurys/<int:session_id>/pv.pdf")
@role_required(*JURY)
def minutes(session_id: int):
    session = _session_or_404(session_id)
    return _download(delivery.minutes(session), "application/pdf",
                     f"pv-deliberation-{session.held_on.isoformat()}.pdf", inline=True)


@bp.get("/certification/jurys/<int:session_id>/certificats.zip")
@role_required(Role.ADMIN)
def certificates_zip(session_id: int):
    session = _session_or_404(session_id)
    try:
        body = delivery.session_zip(session)
    except service.CertificationError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("certification.jury", session_id=session.id))
    return _download(body, "application/zip", f"certificats-jury-{session.held_on.isoformat()}.zip")


# --- certificates -------------------------------------------------------------------------------


def _certificate_or_404(certificate_id: int):
    try:
        return service.certificate(certificate_id)
    except service.CertificationError:
        abort(404)


@bp.get("/certification/certificats/<int:certificate_id>.pdf")
@role_required(Role.ADMIN, Role.CANDIDATE)
def certificate_pdf(certificate_id: int):
    cert = _certificate_or_404(certificate_id)
    if not current_user.has_role(Role.ADMIN) and cert.holder_id != current_user.id:
        abort(404)
    try:
        body = delivery.certificate_pdf(cert)
    except service.CertificationError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("main.home"))
    return _download(body, "application/pdf", delivery.filename(cert), inline=True)


@bp.route("/certification/certificats/<int:certificate_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def certificate(certificate_id: int):
    cert = _certificate_or_404(certificate_id)
    form = forms.ReasonForm()
    if form.validate_on_submit() and _done(
            lambda: service.revoke(cert.id, form.reason.data, current_user.id),
            _("Certificat annulé : la page de vérification l'indique désormais.")):
        return redirect(url_for("certification.certificate", certificate_id=cert.id))
    return render_template("certification/certificate.html", cert=cert, form=form, ref=ledger.referential(),
                           url=service.verification_url(cert))


# --- public verification ------------------------------------------------------------------------


@bp.get("/verification/<code>")
def verify(code: str):
    if not service.allow_request(f"verify:{request.remote_addr}", VERIFY_LIMIT, timedelta(minutes=1)):
        response = Response(render_template("certification/verify.html", cert=None, limited=True), status=429)
        response.headers["Retry-After"] = "60"
        return response
    cert = service.by_verification_code(code)
    response = Response(render_template("certification/verify.html", cert=cert, limited=False,
                                        ref=ledger.referential(), certifier=service.settings()),
                        status=200 if cert else 404)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/confidentialite")
def privacy_notice():
    return render_template("certification/privacy.html", certifier=service.settings(),
                           retention=privacy.retention(), kinds=privacy.RETENTION_KINDS)


# --- SI CPF -------------------------------------------------------------------------------------


@bp.get("/certification/cpf")
@role_required(Role.ADMIN)
def cpf_home():
    export = forms.ExportForm()
    export.jury.choices = [SelectChoice(0, _("Toutes les certifications non encore déposées"))] + [
        SelectChoice(s.id, _("Session du %(date)s — %(place)s", date=s.held_on.strftime("%d/%m/%Y"), place=s.place))
        for s in service.sessions() if s.closed]
    return render_template("certification/cpf.html", pending=service.pending_awards(), export=export,
                           submissions=service.submissions(), sent=forms.SentForm(),
                           warning_days=service.CPF_WARNING_DAYS)


@bp.post("/certification/cpf/export")
@role_required(Role.ADMIN)
def cpf_export():
    form = forms.ExportForm()
    form.jury.choices = [SelectChoice(0, "")] + [SelectChoice(s.id, "") for s in service.sessions()]
    if not form.validate_on_submit():
        abort(400)
    result = _done(lambda: service.cpf_export(jury_id=form.jury.data or None, actor_id=current_user.id))
    if result is None:
        return redirect(url_for("certification.cpf_home"))
    submission, body = result
    return _download(body, "application/xml", f"accrochage-{submission.flux_id}.xml")


@bp.get("/certification/cpf/<int:submission_id>.xml")
@role_required(Role.ADMIN)
def cpf_file(submission_id: int):
    submission = next((s for s in service.submissions() if s.id == submission_id), None)
    if submission is None:
        abort(404)
    return _download(submission.body, "application/xml", f"accrochage-{submission.flux_id}.xml")


@bp.post("/certification/cpf/<int:submission_id>/depose")
@role_required(Role.ADMIN)
def cpf_sent(submission_id: int):
    form = forms.SentForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la référence de l'accusé de réception."), "danger")
        return redirect(url_for("certification.cpf_home"))
    _done(lambda: service.mark_sent(submission_id, form.acknowledgement.data, current_user.id),
          _("Fichier marqué comme déposé."))
    return redirect(url_for("certification.cpf_home"))


# --- personal data ------------------------------------------------------------------------------


@bp.get("/certification/mes-donnees.zip")
@role_required(Role.CANDIDATE, Role.ASSESSOR, Role.TRAINER, Role.ADMIN)
def my_data():
    return _download(privacy.personal_data(current_user.id), "application/zip", "mes-donnees.zip")


@bp.get("/certification/comptes/<int:user_id>/donnees.zip")
@role_required(Role.ADMIN)
def user_data(user_id: int):
    if db.session.get(User, user_id) is None:
        abort(404)
    return _download(privacy.personal_data(user_id), "application/zip", f"donnees-{user_id}.zip")

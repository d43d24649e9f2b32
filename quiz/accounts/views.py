"""Login, logout, password change and the administration of accounts and cohorts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from quiz import idle
from quiz.accounts import service, throttle
from quiz.accounts.access import role_required
from quiz.accounts.forms import (
    ActionForm,
    CohortForm,
    CsvImportForm,
    LoginForm,
    PasswordChangeForm,
    UserEditForm,
    UserForm,
    choices,
)
from quiz.accounts.models import Cohort, User
from quiz.accounts.roles import Role
from quiz.audit.service import record
from quiz.extensions import db

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    """A local path to go back to after login, or None: no other site (`//host`, `/\\host`, a
    scheme), and no control character (CR/LF would end the Location header)."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        reservation = throttle.reserve(form.email.data, request.remote_addr)
        if reservation.wait:
            flash(_("Trop de tentatives de connexion : réessayez dans %(minutes)d minute(s).",
                    minutes=-(-reservation.wait // 60)), "danger")
            return render_template("accounts/login.html", form=form), 429
        user = service.authenticate(form.email.data, form.password.data)
        if user is None:
            service.journal_failure(form.email.data, reservation)
            flash(_("Adresse e-mail ou mot de passe incorrect."), "danger")
        else:
            throttle.release(reservation, form.email.data)
            session.clear()
            session.permanent = True
            login_user(user)
            idle.start_session()
            record("login.success", target=user)
            if user.must_change_password:
                return redirect(url_for("accounts.password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    user.session_version += 1  # a copy of this session's cookie, replayed later, is refused too
    record("logout", target=user)
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current.data, form.new.data)
        except service.AccountError as exc:
            flash(str(exc), "danger")
        else:
            login_user(current_user._get_current_object())
            flash(_("Mot de passe modifié. Vos autres sessions ont été fermées."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/password.html", form=form)


# --- administration -----------------------------------------------------------------------


def _cohort_choices():
    return choices((c.id, c.name) for c, _count in service.list_cohorts())


@bp.route("/admin/")
@role_required(Role.ADMIN)
def admin_home():
    return render_template("accounts/admin_home.html", users=service.list_users(), cohorts=service.list_cohorts())


@bp.route("/admin/users")
@role_required(Role.ADMIN)
def users():
    return render_template("accounts/users.html", users=service.list_users(), action_form=ActionForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_new():
    form = UserForm()
    form.cohorts.choices = _cohort_choices()
    if form.validate_on_submit():
        names = [db.session.get(Cohort, cid).name for cid in form.cohorts.data]
        try:
            user, password = service.create_user(form.email.data, form.first_name.data, form.last_name.data,
                                                  form.roles.data, cohort_names=names)
        except service.AccountError as exc:
            flash(str(exc), "danger")
        else:
            return render_template("accounts/user_created.html", created=[(user, password)])
    return render_template("accounts/user_new.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=None if request.method == "POST" else user)
    form.cohorts.choices = _cohort_choices()
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.cohorts.data = [c.id for c in user.cohorts]
        form.active.data = user.active
    if form.validate_on_submit():
        if user.id == current_user.id and (Role.ADMIN.value not in form.roles.data or not form.active.data):
            flash(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur ni désactiver votre compte."),
                  "danger")
        else:
            service.update_roles(user, form.roles.data)
            user.cohorts = [db.session.get(Cohort, cid) for cid in form.cohorts.data]
            if user.active != form.active.data:
                service.set_active(user, form.active.data)
            db.session.commit()
            flash(_("Compte de %(name)s mis à jour.", name=user.full_name), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_edit.html", user=user, form=form, action_form=ActionForm())


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@role_required(Role.ADMIN)
def user_reset_password(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    password = service.generate_password()
    user.set_password(password)
    user.must_change_password = True
    record("password.reset", target=user, commit=False)
    db.session.commit()
    return render_template("accounts/user_created.html", created=[(user, password)], reset=True)


@bp.route("/admin/cohorts", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def cohorts():
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = service.create_cohort(form.name.data)
        except service.AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Cohorte « %(name)s » créée.", name=cohort.name), "success")
            return redirect(url_for("accounts.cohorts"))
    return render_template("accounts/cohorts.html", cohorts=service.list_cohorts(), form=form)


@bp.route("/admin/cohorts/<int:cohort_id>")
@role_required(Role.ADMIN)
def cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    return render_template("accounts/cohort.html", cohort=cohort)


@bp.route("/admin/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_csv():
    form = CsvImportForm()
    report = None
    if form.validate_on_submit():
        report = service.import_candidates_csv(form.file.data.read())
        if report.ok:
            return render_template("accounts/user_created.html", created=report.created, imported=True)
        flash(_("Aucun compte créé : corrigez les lignes signalées puis importez à nouveau le fichier."), "danger")
    return render_template("accounts/import.html", form=form, report=report)


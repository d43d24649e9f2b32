"""The administrators' view of the outbox: every message, its state, its text (the development
« boîte d'envoi » when mail is written to files), and retrying a message given up."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz.accounts.access import role_required
from quiz.accounts.roles import Role
from quiz.notifications import service
from quiz.notifications.forms import ActionForm, PreferencesForm

bp = Blueprint("notifications", __name__)


@bp.get("/admin/courriels")
@role_required(Role.ADMIN)
def outbox():
    status = request.args.get("etat") or None
    if status not in (None, "pending", "sent", "failed"):
        abort(404)
    return render_template("notifications/outbox.html", messages=service.recent(status=status), status=status)


@bp.get("/admin/courriels/<int:message_id>")
@role_required(Role.ADMIN)
def message(message_id: int):
    row = service.message(message_id) or abort(404)
    return render_template("notifications/message.html", message=row, form=ActionForm())


@bp.post("/admin/courriels/<int:message_id>/renvoyer")
@role_required(Role.ADMIN)
def retry(message_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    if service.retry(message_id):
        flash(_("Le message sera renvoyé dans quelques instants."), "success")
    else:
        flash(_("Ce message n'est pas en échec : rien à renvoyer."), "warning")
    return redirect(url_for("notifications.message", message_id=message_id))


@bp.route("/compte/notifications", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def preferences():
    form = PreferencesForm(data=service.preferences(current_user.id))
    if form.validate_on_submit():
        service.set_preferences(current_user.id, {kind: form[kind].data for kind in service.OPTIONAL_KINDS})
        flash(_("Vos préférences de rappels sont enregistrées."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form)

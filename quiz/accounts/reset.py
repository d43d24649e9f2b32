"""Password reset by e-mail: a signed link, valid PASSWORD_RESET_MINUTES, usable once.

The token carries the account, the time it was issued and a fingerprint of the password hash:
setting a new password changes the hash, so the link (and any other sent before) stops working;
no token table to keep in step between servers. Asking for a link answers the same whether the
address has an account or not, and sends at most one mail per account every few minutes.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from quiz.accounts import service
from quiz.accounts.models import User
from quiz.audit.service import record
from quiz.extensions import db
from quiz.notifications.service import enqueue
from quiz.timeutil import utcnow

SALT = "quiz.password-reset"
THROTTLE_SECONDS = 300

bp = Blueprint("password_reset", __name__)


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail de votre compte"), validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    new = PasswordField(_l("Nouveau mot de passe (10 caractères au moins)"),
                        validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("Confirmer le nouveau mot de passe"),
                            validators=[DataRequired(), EqualTo("new", message=_l("Les deux saisies diffèrent."))])


class TokenError(ValueError):
    """A reset link refused; the message is French and says what to do."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user), "t": int(utcnow().timestamp())})


def user_for_token(token: str) -> User:
    """The account a valid, unexpired, unused token names; TokenError (French) otherwise."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise TokenError(_("Ce lien de réinitialisation n'est pas valide.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise TokenError(_("Ce lien de réinitialisation n'est pas valide."))
    if data.get("p") != _fingerprint(user):
        raise TokenError(_("Ce lien a déjà servi (ou le mot de passe a changé depuis) : demandez-en un nouveau."))
    age = utcnow().timestamp() - int(data.get("t", 0))
    if not 0 <= age <= current_app.config.get("PASSWORD_RESET_MINUTES", 60) * 60:
        raise TokenError(_("Ce lien a expiré : demandez-en un nouveau."))
    return user


def request_reset(email: str) -> None:
    """Queue a reset mail for an active account with this address; nothing at all otherwise."""
    user = service.find_user(email)
    if user is None or not user.active:
        return
    minutes = current_app.config.get("PASSWORD_RESET_MINUTES", 60)
    link = url_for("password_reset.reset", token=make_token(user), _external=True)
    bucket = int(utcnow().timestamp()) // THROTTLE_SECONDS
    body = _(
        "Bonjour %(name)s,\n\nUne réinitialisation du mot de passe de votre compte a été demandée. "
        "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable %(minutes)d minutes, une seule fois) :\n\n"
        "%(link)s\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
        "votre mot de passe actuel reste valable.\n",
        name=user.full_name, minutes=minutes, link=link)
    message = enqueue(user.email, _("Réinitialisation de votre mot de passe"), body, "password_reset",
                      user_id=user.id, dedupe_key=f"password_reset:{user.id}:{bucket}")
    if message is not None:
        record("password.reset_requested", target=user, commit=False)
    db.session.commit()


def reset_password(token: str, new: str) -> User:
    user = user_for_token(token)
    service.check_password_strength(new)
    user.set_password(new)
    user.must_change_password = False
    record("password.reset_by_mail", target=user, commit=False)
    db.session.commit()
    return user


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgotten():
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_reset(form.email.data)
        flash(_("Si un compte correspond à cette adresse, un e-mail vient de lui être envoyé avec un lien "
                "pour choisir un nouveau mot de passe."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/mot-de-passe-oublie/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        user_for_token(token)
    except TokenError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("password_reset.forgotten"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.new.data)
        except (TokenError, service.AccountError) as exc:
            form.new.errors = [*form.new.errors, str(exc)]
        else:
            flash(_("Mot de passe modifié : connectez-vous avec le nouveau."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)

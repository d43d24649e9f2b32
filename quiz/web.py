"""What every page shares: the navigation per role, French error pages (JSON ones for the API)."""

from __future__ import annotations

from collections.abc import Callable

import flask
from flask import Blueprint, Flask, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import IntegerConverter

from quiz.accounts.roles import Role
from quiz.extensions import login_manager

# (endpoint, label, roles allowed): an entry shows only when its endpoint exists and the
# user holds one of the roles.
NAVIGATION = [
    ("exams.candidate_home", _l("Mes questionnaires"), {Role.CANDIDATE}),
    ("ledger.my_dashboard", _l("Ma progression"), {Role.CANDIDATE}),
    ("assessments.candidate_home", _l("Mes dépôts"), {Role.CANDIDATE}),
    ("grading.queue", _l("Évaluations"), {Role.ASSESSOR, Role.ADMIN}),
    ("assessments.my_copies", _l("Mes copies"), {Role.ASSESSOR}),
    ("ledger.jury", _l("Grille du jury"), {Role.ASSESSOR, Role.ADMIN}),
    ("certification.juries", _l("Jurys"), {Role.ASSESSOR, Role.ADMIN}),
    ("certification.my_identity", _l("Mon état civil"), {Role.CANDIDATE}),
    ("assessments.manage", _l("Épreuves"), {Role.ADMIN}),
    ("authoring.banks", _l("Banques de questions"), {Role.TRAINER, Role.ADMIN}),
    ("exams.manage", _l("Questionnaires et sessions"), {Role.TRAINER, Role.ADMIN}),
    ("authoring.statistics", _l("Statistiques"), {Role.TRAINER, Role.ADMIN}),
    ("accounts.admin_home", _l("Administration"), {Role.ADMIN}),
    ("audit.log", _l("Journal"), {Role.ADMIN}),
]


def navigation(app: Flask) -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for endpoint, label, roles in NAVIGATION
        if endpoint in app.view_functions and current_user.has_role(*roles)
    ]


# What a user with a provisional password may still reach: the change itself and the way out.
PROVISIONAL_ALLOWED = {"accounts.password", "accounts.logout", "main.set_language", "static"}

API_PREFIX = "/api/"


# Every id is a PostgreSQL `integer`: a larger number in a URL names nothing, and must be a 404,
# not an overflow error from the database (a 500).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: digits up to MAX_ID, else 404 for every method.

    The pattern stops at 10 digits, so that a longer number matches no rule; a 10-digit number
    beyond MAX_ID is answered 404 at once rather than refused as a value (werkzeug would then try
    the sibling rules and answer 405 where one takes another method)."""

    regex = r"\d{1,10}"

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number


_REQUEST_LIMITS: dict[str, Callable[[], int]] = {}


def raise_request_limit(blueprint: Blueprint, limit: Callable[[], int]) -> None:
    """Requests to `blueprint`'s routes may be `limit()` bytes instead of MAX_CONTENT_LENGTH."""
    _REQUEST_LIMITS[blueprint.name] = limit


class Request(flask.Request):
    """The request, with its size limit chosen from its route before anything reads the body.

    A `before_request` hook setting `request.max_content_length` comes too late: CSRF protection
    (an earlier hook) has already parsed the form under the default limit, so a grading page's
    raised limit never took effect."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app:
            limit = _REQUEST_LIMITS.get(self.blueprint or "")
            if limit is not None:
                return limit()
        return flask.Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def refuse_out_of_range_query_ids():
    """A query argument made of digits beyond MAX_ID (`?promotion=`, `?page=`, `?q=`…) is a 404 too."""
    for value in request.args.values():
        if value.isdigit() and (len(value) > 10 or int(value) > MAX_ID):
            abort(404)


def is_api_request() -> bool:
    """The attempt page's JSON API (autosave, status): answered in JSON, errors included, never redirected."""
    return request.path.startswith(API_PREFIX)


def api_error(code: int, error: str, message, **extra) -> tuple:
    """The body every JSON error of the API has: a stable code for the script, a French message for the candidate."""
    from quiz.i18n import typography

    return jsonify(error=error, message=typography(str(message)), **extra), code


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: their rules are built with the id converter."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = Request
    app.before_request(refuse_out_of_range_query_ids)

    @app.before_request
    def require_new_password():
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in PROVISIONAL_ALLOWED):
            if is_api_request():
                return api_error(403, "password_change_required", _l("Changez d'abord votre mot de passe provisoire."))
            return redirect(url_for("accounts.password"))
        return None

    @app.context_processor
    def inject_navigation():
        return {"navigation": navigation(app), "Role": Role}

    def error_page(code: int, title, message):
        def handler(_error):
            if is_api_request():
                return api_error(code, HTTP_STATUS_CODES[code].lower().replace(" ", "_"), message)
            return render_template("errors/error.html", code=code, title=title, message=message), code

        return handler

    app.register_error_handler(400, error_page(
        400, _l("Requête invalide"), _l("La requête n'a pas pu être traitée. Revenez en arrière et réessayez.")))
    app.register_error_handler(403, error_page(403, _l("Accès refusé"),
                                               _l("Votre compte ne donne pas accès à cette page.")))
    app.register_error_handler(404, error_page(404, _l("Page introuvable"),
                                               _l("Cette page n'existe pas ou a été déplacée.")))
    app.register_error_handler(413, error_page(413, _l("Fichier trop volumineux"),
                                               _l("Le fichier envoyé dépasse la taille autorisée.")))
    app.register_error_handler(500, error_page(500, _l("Erreur interne"),
                                               _l("Une erreur inattendue s'est produite ; elle a été consignée. "
                                                  "Vos réponses déjà enregistrées sont conservées.")))

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        if is_api_request():
            if not current_user.is_authenticated:  # a page left open after the session ended: log in first
                return login_manager.unauthorized()
            # Not a redirect: the page's script keeps the answer and asks for a reload, which brings a new token.
            return api_error(400, "csrf", _l("La page a expiré : rechargez-la ; vos réponses non enregistrées "
                                             "sont gardées dans ce navigateur."))
        flash(_l("Le formulaire a expiré ou n'est pas valide : rechargez la page et recommencez."), "danger")
        return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                        else url_for("main.home"))

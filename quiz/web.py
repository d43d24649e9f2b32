"""What every page shares: the navigation per role, French error pages."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from quiz.accounts.roles import Role

# (endpoint, label, roles allowed): an entry shows only when its endpoint exists and the
# user holds one of the roles.
NAVIGATION = [
    ("exams.candidate_home", _l("Mes questionnaires"), {Role.CANDIDATE}),
    ("ledger.my_dashboard", _l("Ma progression"), {Role.CANDIDATE}),
    ("grading.queue", _l("Évaluations"), {Role.ASSESSOR, Role.ADMIN}),
    ("ledger.jury", _l("Grille du jury"), {Role.ASSESSOR, Role.ADMIN}),
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


def init_app(app: Flask) -> None:
    @app.before_request
    def require_new_password():
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in PROVISIONAL_ALLOWED):
            if request.path.startswith("/api/"):
                return {"error": "password_change_required",
                        "message": str(_l("Changez d'abord votre mot de passe provisoire."))}, 403
            return redirect(url_for("accounts.password"))
        return None

    @app.context_processor
    def inject_navigation():
        return {"navigation": navigation(app), "Role": Role}

    def error_page(code: int, title, message):
        def handler(_error):
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
        flash(_l("Le formulaire a expiré ou n'est pas valide : rechargez la page et recommencez."), "danger")
        return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                        else url_for("main.home"))

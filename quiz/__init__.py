"""The certification questionnaire platform: create_app() wires the parts together."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from quiz.config import engine_options, load_config, normalise_database_url

    app.config.from_mapping(load_config(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    url = app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url))

    import quiz.models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from quiz import database, i18n, proxies, security, web
    from quiz.assessments.online import finalise_expired as finalise_expired_online
    from quiz.assessments.reminders import queue_due_reminders
    from quiz.exams import sweeper
    from quiz.extensions import csrf, db, login_manager, migrate
    from quiz.notifications import sender

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    proxies.init_app(app)
    web.init_app(app)
    sender.init_app(app, jobs=[queue_due_reminders])
    sweeper.init_app(app, also=(finalise_expired_online,))
    register_blueprints(app)

    from quiz.cli import register_commands

    register_commands(app.cli)
    return app


def register_blueprints(app: Flask) -> None:
    from quiz import benchpoints
    from quiz.accounts.reset import bp as password_reset_bp
    from quiz.accounts.views import bp as accounts_bp
    from quiz.assessments.views import bp as assessments_bp
    from quiz.audit.views import bp as audit_bp
    from quiz.authoring.views import bp as authoring_bp
    from quiz.certification.views import bp as certification_bp
    from quiz.exams.views import bp as exams_bp
    from quiz.grading.views import bp as grading_bp
    from quiz.ledger.views import bp as ledger_bp
    from quiz.main.views import bp as main_bp
    from quiz.notifications.views import bp as notifications_bp

    for blueprint in (main_bp, accounts_bp, exams_bp, ledger_bp, grading_bp, audit_bp, authoring_bp,
                      certification_bp, password_reset_bp, notifications_bp, assessments_bp):
        app.register_blueprint(blueprint)
    benchpoints.init_app(app)  # baseline endpoints, only when QUIZ_BENCH=1 (bench/load.py)

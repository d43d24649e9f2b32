"""The home page says to each role what there is to do; the language switch."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user, login_required

from quiz.main.dashboard import home_sections

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("main/home.html", sections=home_sections(current_user, current_app.view_functions))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    target = request.form.get("next") or url_for("main.home")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("main.home"))


@bp.route("/banks/assets/<path:filename>")
@login_required
def bank_asset(filename: str):
    """Images referenced by the banks (`![alt](assets/…)`), served from question_banks/assets/."""
    return send_from_directory(Path(current_app.config["QUESTION_BANKS_DIR"]) / "assets", filename)


@bp.route("/healthz")
def healthz():
    from sqlalchemy import text

    from quiz.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}

"""The audit journal, for administrators: filters by action, actor, target and dates; pages of 50."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request

from quiz.accounts.access import role_required
from quiz.accounts.roles import Role
from quiz.audit import service

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    """Midnight of `day` in the platform's time zone (dates typed by people are local)."""
    if day is None:
        return None
    return datetime.combine(day, time(), ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


@bp.get("/")
@role_required(Role.ADMIN)
def log():
    since, until = _day("du"), _day("au")
    filters = service.Filters(
        action=request.args.get("action", "").strip(),
        actor=request.args.get("acteur", "").strip(),
        target_type=request.args.get("cible", "").strip(),
        target_id=request.args.get("id", "").strip(),
        since=_start_of(since),
        until=_start_of(until + timedelta(days=1)) if until else None,
    )
    page = service.search(filters, request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/log.html", page=page, filters=filters, since=since, until=until,
                           actions=service.actions(), args=args)

"""`quiz attempts finalize-expired`: finalise attempts whose time is over, for a scheduler (cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from quiz.exams.service import finalise_expired


@click.group("attempts", help="Gérer les tentatives de questionnaires.")
def attempts_cli() -> None:
    pass


@attempts_cli.command(
    "finalize-expired", help="Remettre les tentatives dont le temps (et le délai de grâce) est écoulé."
)
@with_appcontext
def finalize_expired() -> None:
    count = finalise_expired() + sum(task() for task in current_app.extensions.get("quiz.sweep_also", ()))
    click.echo(f"{count} tentative remise." if count < 2 else f"{count} tentatives remises.")

"""`quiz mail send`: send the outbox's due messages once (the servers also do it in the background)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from quiz.notifications.sender import run_jobs, send_due_messages


@click.group("mail", help="Courriels de la plateforme (boîte d'envoi).")
def mail_cli() -> None:
    """Outgoing mail."""


@mail_cli.command("send", help="Préparer les rappels dus puis envoyer les messages en attente.")
@with_appcontext
def send() -> None:
    run_jobs(current_app)
    total = 0
    while sent := send_due_messages():
        total += sent
    click.echo(f"{total} message(s) envoyé(s).")

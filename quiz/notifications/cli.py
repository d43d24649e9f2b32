"""`quiz mail send`: send the outbox's due messages once (the servers also do it in the background)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from quiz.notifications.sender import send_due_messages


@click.group("mail", help="Courriels de la plateforme (boîte d'envoi).")
def mail_cli() -> None:
    """Outgoing mail."""


@mail_cli.command("send", help="Envoyer maintenant les messages en attente.")
@with_appcontext
def send() -> None:
    total = 0
    while sent := send_due_messages():
        total += sent
    click.echo(f"{total} message(s) envoyé(s).")

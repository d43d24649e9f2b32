"""The `quiz` command: Flask's own commands (run, db, routes, shell) plus the project's groups."""

from __future__ import annotations

import functools

import click
from flask.cli import FlaskGroup, ScriptInfo, run_command


def _create_app():
    from quiz import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, help="Plateforme de questionnaires CAE.")
def cli() -> None:
    """Entry point of the `quiz` console script."""


def _run_with_sweeper() -> click.Command:
    """Flask's `run`, with the loop that hands in expired attempts started in the serving process."""
    original = run_command.callback

    @functools.wraps(original)
    def callback(*args, **kwargs):
        from quiz.exams import sweeper

        sweeper.start(click.get_current_context().ensure_object(ScriptInfo).load_app())
        return original(*args, **kwargs)

    return click.Command("run", callback=callback, params=run_command.params, help=run_command.help,
                         short_help=run_command.short_help)


cli.add_command(_run_with_sweeper())


def register_commands(group: click.Group) -> None:
    """Add the project's commands to the app's CLI (called by create_app)."""
    from quiz.accounts.cli import accounts_cli, demo_cli, ensure_admin_cli
    from quiz.assessments.cli import casestudies_cli
    from quiz.banks.cli import banks_cli
    from quiz.certification.cli import cpf_cli, identity_cli, purge_command
    from quiz.dbtools import data_cli
    from quiz.exams.cli import attempts_cli
    from quiz.ledger.cli import ledger_cli
    from quiz.notifications.cli import mail_cli
    from quiz.referential.cli import referential_cli
    from quiz.serve import serve_cli
    from quiz.storage.cli import files_cli

    data_cli.add_command(purge_command)
    for command in (referential_cli, banks_cli, accounts_cli, ensure_admin_cli, demo_cli, ledger_cli, attempts_cli,
                    data_cli, serve_cli, identity_cli, cpf_cli, files_cli, mail_cli, casestudies_cli):
        group.add_command(command)


def main() -> None:
    cli(prog_name="quiz")

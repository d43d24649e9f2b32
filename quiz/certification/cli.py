"""`quiz identity …`, `quiz cpf …` and `quiz data purge`: the certifier's commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from quiz.certification import cpf, privacy, service

identity_cli = AppGroup("identity", help="État civil des candidats (chiffré).")
cpf_cli = AppGroup("cpf", help="Transmission des certifications au SI CPF (« accrochage »).")


@identity_cli.command("rotate-key", help="Chiffrer tous les états civils avec une nouvelle clé.")
def rotate_key() -> None:
    from quiz.certification import crypto

    count = service.rotate_identity_keys()
    click.echo(f"{count} état(s) civil(s) rechiffré(s).")
    if not crypto.uses_key_file():
        click.echo("Clés lues dans QUIZ_IDENTITY_KEYS : la première a servi ; retirez maintenant les suivantes.")


@identity_cli.command("import", help="Importer les états civils d'un fichier CSV (colonne email = le compte).")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(source: Path) -> None:
    try:
        report = service.import_identities(source.read_bytes())
    except ValueError as exc:
        raise click.ClickException(f"{source} : {exc}") from exc
    click.echo(f"{report.saved} état(s) civil(s) enregistré(s).")
    for line, message in report.refused:
        click.echo(f"{source}:{line} : {message}", err=True)


@cpf_cli.command("export", help="Écrire le fichier XML des certifications à déposer "
                 "(par défaut : celles non encore déposées).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier XML à écrire.")
@click.option("--jury", "jury_id", type=int, help="Seulement les certificats de cette session de jury.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Seulement les certificats délivrés depuis (AAAA-MM-JJ).")
def export_command(out: Path, jury_id: int | None, since) -> None:
    since_day: date | None = since.date() if since else None
    try:
        submission, body = service.cpf_export(jury_id=jury_id, since=since_day)
    except cpf.CpfError as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_bytes(body)
    click.echo(f"{out} : {len(submission.items)} passage(s) de certification, flux {submission.flux_id}.")
    click.echo(f"Après le dépôt : quiz cpf mark-sent {submission.id} --ack <référence de l'accusé de réception>")


@cpf_cli.command("pending", help="Lister les certifications non encore déposées et leur échéance de trois mois.")
def pending_command() -> None:
    rows = service.pending_awards()
    if not rows:
        click.echo("Aucune certification en attente de dépôt.")
    for row in rows:
        flag = "  ⚠ échéance proche" if row.warning else ""
        click.echo(f"{row.certificate.number}  {row.certificate.holder_name}  échéance {row.deadline.isoformat()} "
                   f"({row.days_left} j){flag}")


@cpf_cli.command("mark-sent", help="Marquer un fichier comme déposé, avec la référence de l'accusé de réception.")
@click.argument("submission_id", type=int)
@click.option("--ack", required=True, help="Référence de l'accusé de réception.")
def mark_sent_command(submission_id: int, ack: str) -> None:
    try:
        service.mark_sent(submission_id, ack)
    except service.CertificationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Fichier {submission_id} marqué comme déposé ({ack}).")


@click.command("purge", help="Anonymiser ce qui a dépassé sa durée de conservation (--dry-run : seulement lister).")
@click.option("--dry-run", is_flag=True, help="Lister ce qui serait fait, sans rien modifier.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    report = privacy.purge(dry_run=dry_run)
    click.echo("Simulation, rien n'est modifié :" if dry_run else "Purge effectuée :")
    for line in report.lines():
        click.echo(f"  {line}")

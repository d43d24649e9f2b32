"""`quiz ledger export`: the jury grid from the command line, as CSV or JSON."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from quiz.ledger import exports, service

ledger_cli = AppGroup("ledger", help="Registre des validations : exports de la grille du jury, statuts enregistrés.")


@ledger_cli.command("export", help="Exporter les statuts des candidats (compétences, blocs, titre).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Format de sortie.")
@click.option("--cohort", "cohort_name", metavar="NOM", help="Limiter à une cohorte (par son nom).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Fichier de sortie (par défaut : la sortie standard).")
def export(fmt: str, cohort_name: str | None, output) -> None:
    if cohort_name is not None:
        cohort = service.cohort_by_name(cohort_name)
        if cohort is None:
            known = ", ".join(c.name for c in service.cohorts()) or "aucune"
            raise click.ClickException(f"cohorte inconnue : « {cohort_name} » (cohortes existantes : {known})")
    cohort_id = cohort.id if cohort_name is not None else None
    if fmt == "json":
        output.write(exports.to_json(service.detailed_grid(cohort_id)) + "\n")
    else:
        for chunk in exports.csv_chunks(service.grid_selection(cohort_id).rows(), service.referential(), bom=False):
            output.write(chunk)


@ledger_cli.command("rebuild-status", help="Recalculer depuis le registre les statuts enregistrés de tous les "
                    "candidats (la grille du jury les lit).")
def rebuild_status() -> None:
    count = service.rebuild_statuses()
    click.echo(f"{count} statut(s) recalculé(s) depuis le registre.")

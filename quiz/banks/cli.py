"""`quiz banks …`: check, import, stats, export and convert question banks."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from quiz.banks.checker import BankSet, check_paths
from quiz.referential import load_referential

banks_cli = AppGroup("banks", help="Banques de questions : vérifier, importer, exporter, convertir.")
PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


def _paths(paths: tuple[Path, ...]) -> list[Path]:
    return list(paths) or [Path(current_app.config["QUESTION_BANKS_DIR"])]


def _print_problems(bank_set_problems) -> None:
    for problem in bank_set_problems:
        click.echo(str(problem))
    files = len({p.file for p in bank_set_problems})
    click.echo(f"{len(bank_set_problems)} problème(s) dans {files} fichier(s).")


def _checked(paths: tuple[Path, ...]) -> BankSet:
    return check_paths(_paths(paths), load_referential())


@banks_cli.command("check")
@PATHS
def check_command(paths: tuple[Path, ...]) -> None:
    """Vérifie les banques (par défaut, tout le dossier des banques) ; code 1 s'il y a des erreurs."""
    bank_set = _checked(paths)
    if bank_set.problems:
        _print_problems(bank_set.problems)
        sys.exit(1)
    questions = sum(len(b.questions) for b in bank_set.banks)
    click.echo(f"{len(bank_set.banks)} banque(s) valide(s), {questions} question(s).")


@banks_cli.command("import")
@PATHS
def import_command(paths: tuple[Path, ...]) -> None:
    """Synchronise la base avec les banques (rien n'est écrit si une banque est invalide)."""
    from quiz.banks.importer import import_banks

    report = import_banks(_paths(paths), load_referential())
    if not report.ok:
        _print_problems(report.problems)
        click.echo("Import annulé : aucune modification de la base.")
        sys.exit(1)
    for bank in report.banks:
        click.echo(bank.line())
    click.echo("Import terminé." if report.touched else "Import terminé : rien n'a changé.")


@banks_cli.command("stats")
@PATHS
def stats_command(paths: tuple[Path, ...]) -> None:
    """Par banque : questions par type et par difficulté, compétences couvertes."""
    bank_set = _checked(paths)
    for bank in sorted(bank_set.banks, key=lambda b: b.thematic):
        types = Counter(q.type for q in bank.questions)
        levels = Counter(q.difficulty for q in bank.questions)
        covered = sorted({c for q in bank.questions for c in q.competences})
        click.echo(f"{Path(bank.filename).name} — thématique {bank.thematic} ({bank.title}) : "
                   f"{len(bank.questions)} question(s)")
        click.echo("  types : " + ", ".join(f"{t} {n}" for t, n in sorted(types.items())))
        click.echo("  difficulté : " + ", ".join(f"{d} → {levels.get(d, 0)}" for d in (1, 2, 3)))
        click.echo("  compétences couvertes : " + (", ".join(covered) or "aucune"))
    if bank_set.problems:
        click.echo(f"{len(bank_set.problems)} problème(s) : lancez « quiz banks check » pour le détail.", err=True)
        sys.exit(1)


@banks_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["moodle-xml", "gift", "qti"]), required=True)
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True)
@PATHS
def export_command(fmt: str, out: Path, paths: tuple[Path, ...]) -> None:
    """Exporte chaque banque dans un fichier (Moodle XML, GIFT ou paquet QTI 3.0 zippé)."""
    from quiz.banks.exporting import export_bank

    bank_set = _checked(paths)
    if bank_set.problems:
        _print_problems(bank_set.problems)
        sys.exit(1)
    out.mkdir(parents=True, exist_ok=True)
    for bank in sorted(bank_set.banks, key=lambda b: b.thematic):
        target, losses = export_bank(bank, fmt, out)
        click.echo(f"{target}")
        for loss in losses:
            click.echo(f"  limite du format : {loss}", err=True)


@banks_cli.command("convert")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--prefix", required=True, help="Préfixe des identifiants, par exemple AF.")
@click.option("--thematic", type=int, required=True, help="Numéro de la thématique (1 à 12).")
def convert_command(source: Path, prefix: str, thematic: int) -> None:
    """Convertit un fichier Moodle XML ou GIFT en banque Markdown (sur la sortie standard)."""
    from quiz.banks.exporting import convert_file

    text, losses = convert_file(source, prefix=prefix, thematic=thematic, referential=load_referential())
    click.echo(text, nl=False)
    for loss in losses:
        click.echo(f"non converti : {loss}", err=True)

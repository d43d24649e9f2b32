"""`quiz casestudies check|import`: the E3 case-study files, checked with `file:line` errors, and
imported as versions into the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from quiz.assessments.casestudy import parse
from quiz.referential import load_referential

PATHS = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


@click.group("casestudies", help="Études de cas E3 (fichiers Markdown).")
def casestudies_cli() -> None:
    """E3 case studies."""


@casestudies_cli.command("check", help="Vérifier des études de cas ; code de sortie 1 si une erreur est trouvée.")
@PATHS
def check(paths: tuple[Path, ...]) -> None:
    from quiz.assessments.casestudies import attached_files, case_study_files

    files = case_study_files(paths)
    referential = load_referential()
    failed = False
    for path in files:
        report = parse(path.read_text(encoding="utf-8"), str(path), referential, attached_files(path))
        for line in report.lines():
            click.echo(line, err=True)
        failed |= not report.ok
    click.echo(f"{len(files)} étude(s) de cas vérifiée(s)" + (" : des erreurs sont à corriger." if failed else "."))
    sys.exit(1 if failed else 0)


@casestudies_cli.command("import", help="Importer les études de cas (rien n'est écrit si un fichier est invalide) ; "
                                        "un fichier modifié devient une nouvelle version.")
@PATHS
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    from quiz.assessments.casestudies import case_study_files, import_case_studies

    report = import_case_studies(case_study_files(paths), load_referential())
    if not report.ok:
        for line in report.problems:
            click.echo(line, err=True)
        click.echo("Import annulé : aucune modification de la base.")
        sys.exit(1)
    for line in report.lines:
        click.echo(line.line())
    click.echo("Import terminé." if report.touched else "Import terminé : rien n'a changé.")

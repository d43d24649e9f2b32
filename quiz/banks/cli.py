"""`quiz banks …`: check, import, stats, export and convert question banks."""

from __future__ import annotations

import sys
from collections import Counter
from fractions import Fraction
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
    """Vérifie les banques (par défaut, tout le dossier des banques) ; code 1 s'il y a des erreurs.

    Les avertissements (rédaction des questions, dates de relecture) sont affichés sans changer le
    code de sortie."""
    bank_set = _checked(paths)
    for warning in bank_set.warnings:
        click.echo(str(warning))
    if bank_set.warnings:
        files = len({w.file for w in bank_set.warnings})
        click.echo(f"{len(bank_set.warnings)} avertissement(s) dans {files} fichier(s).")
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
@click.option("--draw", "draw", type=click.IntRange(1, 200), default=20, show_default=True,
              help="Taille du questionnaire pour le recouvrement attendu de deux tirages.")
@click.option("--rule", type=click.Choice(["uniform", "spread"]), default="uniform", show_default=True,
              help="Règle de tirage du questionnaire.")
@PATHS
def stats_command(draw: int, rule: str, paths: tuple[Path, ...]) -> None:
    """Par banque : questions, difficulté, cas, calculées, recouvrement attendu de deux tirages, objectifs."""
    from quiz.banks.stats import bank_stats, number, percent

    bank_set = _checked(paths)
    for bank in sorted(bank_set.banks, key=lambda b: b.thematic):
        stats = bank_stats(bank, draw, rule)
        types = Counter(q.type for q in bank.questions)
        covered = sorted({c for q in bank.questions for c in q.competences})
        click.echo(f"{Path(bank.filename).name} — thématique {bank.thematic} ({bank.title}) : "
                   f"{stats.questions} question(s)")
        click.echo("  types : " + ", ".join(f"{t} {n}" for t, n in sorted(types.items())))
        click.echo("  difficulté : " + ", ".join(f"{d} → {percent(s)}" for d, s in stats.levels.items()))
        click.echo(f"  au cas : {percent(stats.case_based)} · calculées : {stats.calculated} "
                   f"({percent(Fraction(stats.calculated, stats.questions or 1))})")
        click.echo(f"  recouvrement attendu de deux tirages de {draw} : {number(stats.overlap)} question(s)")
        click.echo("  compétences couvertes : " + (", ".join(covered) or "aucune"))
        unmet = stats.unmet()
        click.echo("  objectifs non atteints : " + "; ".join(unmet) if unmet else "  objectifs atteints")
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
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--prefix", required=True, help="Préfixe des identifiants, par exemple AF.")
@click.option("--thematic", type=int, required=True, help="Numéro de la thématique (1 à 12).")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False),
              help="Fichier de la banque à écrire (sinon la sortie standard) ; ses images vont dans assets/ à côté.")
@click.option("--force", is_flag=True, help="Remplacer le fichier --out s'il existe.")
@click.option("--report", "report", type=click.Path(path_type=Path, dir_okay=False),
              help="Écrire le rapport question par question en JSON dans ce fichier.")
def convert_command(source: Path, prefix: str, thematic: int, out: Path | None, force: bool,
                    report: Path | None) -> None:
    """Convertit un fichier Moodle XML ou GIFT en banque Markdown.

    Code de sortie : 0 si tout est converti sans perte, 1 si des questions sont refusées ou
    perdent quelque chose, 2 si le fichier ne peut pas être lu. Un résultat vide n'est jamais écrit.
    """
    from quiz.banks.exporting import convert_file
    from quiz.banks.interchange import Conversion

    if not source.is_file():
        conversion = Conversion(None, errors=[f"{source} : fichier introuvable"])
    else:
        conversion = convert_file(source, prefix=prefix, thematic=thematic, referential=load_referential())
    if out is not None and out.exists() and not force and conversion.markdown is not None:
        conversion.errors.append(f"{out} existe déjà : rien n'est écrit (ajoutez --force pour le remplacer)")
    for line in conversion.lines():
        click.echo(line, err=True)
    if report is not None:
        report.write_text(conversion.to_json(), encoding="utf-8")
    writable = conversion.markdown is not None and not (out is not None and out.exists() and not force)
    if writable and out is not None:
        out.write_text(conversion.markdown, encoding="utf-8")
        if conversion.assets:
            assets = out.parent / "assets"
            assets.mkdir(exist_ok=True)
            for name, data in sorted(conversion.assets.items()):
                (assets / name).write_bytes(data)
            click.echo(f"{len(conversion.assets)} image(s) écrite(s) dans {assets}", err=True)
    elif writable:
        click.echo(conversion.markdown, nl=False)
        if conversion.assets:
            click.echo(f"{len(conversion.assets)} image(s) intégrée(s) non écrite(s) : utilisez --out", err=True)
    elif conversion.markdown is None:
        click.echo("aucune question convertie : rien n'est écrit", err=True)
    click.echo(conversion.summary(), err=True)
    sys.exit(conversion.exit_code if writable else (2 if not conversion.read else 1))

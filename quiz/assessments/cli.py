"""`quiz casestudies check`: the E3 case-study files, checked with `file:line` errors."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from quiz.assessments.casestudy import parse
from quiz.referential import load_referential


@click.group("casestudies", help="Études de cas E3 (fichiers Markdown).")
def casestudies_cli() -> None:
    """E3 case studies."""


@casestudies_cli.command("check", help="Vérifier des études de cas ; code de sortie 1 si une erreur est trouvée.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    files = sorted(f for p in (paths or (Path("case_studies"),)) for f in ([p] if p.is_file() else p.glob("*.md")))
    referential = load_referential()
    failed = False
    for path in files:
        existing = {str(f.relative_to(path.parent)) for f in path.parent.rglob("*") if f.is_file()}
        report = parse(path.read_text(encoding="utf-8"), str(path), referential, existing)
        for line in report.lines():
            click.echo(line, err=True)
        failed |= not report.ok
    click.echo(f"{len(files)} étude(s) de cas vérifiée(s)" + (" : des erreurs sont à corriger." if failed else "."))
    sys.exit(1 if failed else 0)

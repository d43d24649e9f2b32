"""`quiz referential show|export`: the referential as the platform understands it."""

from __future__ import annotations

import json

import click

from quiz.referential import load_referential
from quiz.referential.export import referential_as_dict


@click.group("referential", help="Consulter le référentiel de certification.")
def referential_cli() -> None:
    pass


@referential_cli.command("show", help="Afficher le référentiel (blocs, compétences, modalités, thématiques).")
def show() -> None:
    ref = load_referential()
    click.echo(f"Titre : {ref.title}")
    click.echo(f"Seuil de réussite des questionnaires (E2) : {ref.pass_threshold * 100} %")
    click.echo(f"Règle E2 par défaut : {ref.e2_rule}")
    for bloc in ref.blocs:
        click.echo(f"\nBloc {bloc.number} ({bloc.code}) — {bloc.title}")
        for comp in ref.competences_of(bloc.code):
            click.echo(f"  {comp.code} ({comp.ref}) [{comp.activity}] {comp.statement}")
            for req in comp.requires:
                click.echo(f"      {req.modality} — {req.wording}")
            if comp.thematics:
                click.echo(f"      E2 ({comp.e2_rule}) : thématiques {', '.join(map(str, comp.thematics))}")
            click.echo(f"      Critères : {comp.criteria.title}")
    click.echo("\nModalités d'évaluation")
    for modality in ref.modalities:
        click.echo(f"  {modality.code} — {modality.title}")
    click.echo("\nThématiques des questionnaires (E2)")
    for thematic in ref.thematics:
        click.echo(f"  {thematic.number:>2}. {thematic.title} → {', '.join(thematic.competences)}")


@referential_cli.command("export", help="Exporter tout le référentiel.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
def export(fmt: str) -> None:
    click.echo(json.dumps(referential_as_dict(load_referential()), ensure_ascii=False, indent=2))

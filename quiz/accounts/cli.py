"""Account commands: the first administrator, demo accounts, and user creation."""

from __future__ import annotations

import unicodedata

import click
from flask.cli import with_appcontext

from quiz.accounts import service
from quiz.accounts.roles import Role


@click.command("ensure-admin", help="Créer le premier administrateur s'il n'en existe aucun.")
@click.option("--email", default="admin@example.org", show_default=True)
@with_appcontext
def ensure_admin_cli(email: str) -> None:
    if service.has_admin():
        click.echo("Un administrateur existe déjà.")
        return
    user, password = service.create_user(email, "Administrateur", "Plateforme", [Role.ADMIN])
    click.echo("=" * 64)
    click.echo("Premier administrateur créé :")
    click.echo(f"  e-mail       : {user.email}")
    click.echo(f"  mot de passe : {password}   (à usage unique : à changer à la première connexion)")
    click.echo("=" * 64)


@click.command("demo", help="Ajouter une cohorte de démonstration (formateur, évaluateur, cinq candidats) "
                            "et un jury déjà tenu (un titre, une certification partielle).")
@click.option("--cohort", "cohort_name", default="Promotion démo", show_default=True)
@with_appcontext
def demo_cli(cohort_name: str) -> None:
    people = [
        ("formateur", "Claire", "Formatrice", [Role.TRAINER]),
        ("evaluateur", "Marc", "Évaluateur", [Role.ASSESSOR]),
        ("candidat1", "Alice", "Martin", [Role.CANDIDATE]),
        ("candidat2", "Bruno", "Bernard", [Role.CANDIDATE]),
        ("candidat3", "Chloé", "Dubois", [Role.CANDIDATE]),
        ("candidat4", "David", "Thomas", [Role.CANDIDATE]),
        ("candidat5", "Emma", "Robert", [Role.CANDIDATE]),
    ]
    ascii_name = unicodedata.normalize("NFKD", cohort_name).encode("ascii", "ignore").decode()
    slug = "".join(ch for ch in ascii_name.lower() if ch.isalnum())
    click.echo(f"Cohorte « {cohort_name} »")
    for login, first, last, roles in people:
        email = f"{login}.{slug}@demo.example.org"
        if service.find_user(email):
            click.echo(f"  {email} existe déjà")
            continue
        cohorts = [cohort_name] if Role.CANDIDATE in roles else []
        user, password = service.create_user(email, first, last, roles, cohort_names=cohorts,
                                              must_change_password=False)
        click.echo(f"  {roles[0].label:<14} {user.email:<45} {password}")
    from quiz.certification.demo import held_jury  # the command line composes every layer

    def demo_user(login: str):
        return service.find_user(f"{login}.{slug}@demo.example.org")

    held_jury(demo_user("candidat1"), demo_user("candidat2"), demo_user("evaluateur"), None, click.echo)


@click.group("accounts", help="Gérer les comptes.")
def accounts_cli() -> None:
    pass


@accounts_cli.command("create", help="Créer un compte et afficher son mot de passe initial.")
@click.argument("email")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), required=True)
@click.option("--cohort", "cohorts", multiple=True)
@with_appcontext
def create(email, first_name, last_name, roles, cohorts) -> None:
    try:
        user, password = service.create_user(email, first_name, last_name, roles, cohort_names=cohorts)
    except service.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user.email} {password}")

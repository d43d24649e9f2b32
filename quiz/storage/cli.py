"""`quiz files import-folder`: bring files kept on disk by an earlier version into the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from quiz import storage
from quiz.extensions import db
from quiz.storage.models import StoredFile


@click.group("files", help="Fichiers stockés dans la base (pièces, dépôts).")
def files_cli() -> None:
    """Stored files."""


@files_cli.command("import-folder", help="Importer les fichiers d'un dossier (ancien QUIZ_UPLOAD_FOLDER) sous "
                                         "leur nom de stockage, pour les pièces qui les citent.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_folder(folder: Path) -> None:
    from quiz.ledger.models import EvidenceFile

    wanted = set(db.session.execute(select(EvidenceFile.stored_name)).scalars())
    present = set(db.session.execute(select(StoredFile.key)).scalars())
    imported = missing = 0
    for key in sorted(wanted - present):
        path = folder / key
        if not path.is_file():
            missing += 1
            click.echo(f"absent du dossier : {key}", err=True)
            continue
        with path.open("rb") as handle:
            storage.put(handle, key=key)
        db.session.commit()
        imported += 1
    click.echo(f"{imported} fichier(s) importé(s), {missing} absent(s), {len(wanted & present)} déjà en base.")

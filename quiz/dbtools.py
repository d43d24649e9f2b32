"""`quiz data backup|restore|copy-to`: save and restore the database, and move it from SQLite to PostgreSQL.

Backups use each engine's own consistent snapshot, safe while the application serves:
SQLite's online backup API (the file written is itself a SQLite database), and pg_dump's
custom format for PostgreSQL (restored with pg_restore). `copy-to` copies every row of the
application's tables, table by table in foreign-key order, into another database (typically
from the embedded SQLite to a new PostgreSQL), then moves PostgreSQL's id sequences past the
copied ids. (`quiz db` belongs to Flask-Migrate, hence the separate `quiz data` group.)
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import (
    Engine,
    LargeBinary,
    MetaData,
    Table,
    bindparam,
    create_engine,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url

from quiz.config import engine_options, normalise_database_url

ALEMBIC_TABLE = "alembic_version"
BATCH = 1000
BLOB_BATCH = 8


class DataError(click.ClickException):
    """An operation refused or failed, with a French message that says what to do."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DataError("Base SQLite en mémoire : rien à sauvegarder.")
    return Path(database)


def _libpq_url(url: str) -> str:
    """The URL pg_dump and pg_restore understand (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DataError(f"{name} est introuvable : installez le client PostgreSQL (paquet postgresql-client).")
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DataError(f"{Path(command[0]).name} a échoué : {result.stderr.strip()}")


def backup(url: str, target: Path) -> None:
    """Write a consistent snapshot of the database at `url` to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
          f"--dbname={_libpq_url(url)}"])


def restore(url: str, source: Path) -> None:
    """Replace the content of the database at `url` with the backup `source`."""
    if not source.is_file():
        raise DataError(f"Sauvegarde introuvable : {source}")
    if make_url(url).get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            if backup_db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise DataError(f"{source} n'est pas une sauvegarde SQLite intacte.")
            backup_db.backup(live)
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{source} n'est pas une sauvegarde SQLite : {exc}") from None
        finally:
            live.close()
            backup_db.close()
        return
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          f"--dbname={_libpq_url(url)}", str(source)])


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _engine(url: str) -> Engine:
    url = normalise_database_url(url)
    return create_engine(url, **engine_options(url))


def copy_database(metadata: MetaData, source_url: str, target_url: str) -> CopyReport:
    """Copy every row of `metadata`'s tables (and the Alembic revision) into an empty target.

    The target's schema is created from the models when missing; a target that already holds
    rows is refused, so that a copy never merges two databases.
    """
    source, target = _engine(source_url), _engine(target_url)
    try:
        metadata.create_all(target)
        tables = list(metadata.sorted_tables)
        with target.connect() as conn:
            filled = [t.name for t in tables if conn.execute(select(func.count()).select_from(t)).scalar()]
        if filled:
            raise DataError(f"La base cible contient déjà des données (tables : {', '.join(filled[:5])}…) : "
                            "créez une base vide et recommencez.")
        if inspect(source).has_table(ALEMBIC_TABLE):
            tables.append(Table(ALEMBIC_TABLE, MetaData(), autoload_with=source))
        rows: dict[str, int] = {}
        with source.connect() as src, target.begin() as dst:
            forward = {}
            for table in tables:
                if table.name == ALEMBIC_TABLE:
                    table.create(dst, checkfirst=True)
                    dst.execute(table.delete())
                forward[table.name] = _forward_columns(table, set(rows))
                rows[table.name] = _copy_table(src, dst, table, forward[table.name])
            for table in tables:
                _fill_forward_columns(src, dst, table, forward[table.name])
            if dst.dialect.name == "postgresql":
                _reset_sequences(dst, tables)
        return CopyReport(rows)
    finally:
        source.dispose()
        target.dispose()


def _forward_columns(table: Table, copied: set[str]) -> list:
    """Foreign keys to a table not copied yet (a cycle such as a question and its current version):
    inserted as NULL, then filled once every table is in."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table.name not in copied | {table.name}]


def _batch_size(table: Table) -> int:
    """Rows per batch: fewer for tables of file chunks (up to 1 MiB each, quiz.storage)."""
    return BLOB_BATCH if any(isinstance(c.type, LargeBinary) for c in table.columns) else BATCH


def _copy_table(src, dst, table: Table, forward: list) -> int:
    count = 0
    size = _batch_size(table)
    query = select(table).order_by(*table.primary_key.columns) if table.primary_key else select(table)
    result = src.execution_options(stream_results=True, yield_per=size).execute(query)
    for batch in result.mappings().partitions(size):
        dst.execute(insert(table), [dict(row) | {c.name: None for c in forward} for row in batch])
        count += len(batch)
    return count


def _fill_forward_columns(src, dst, table: Table, forward: list) -> None:
    if not forward:
        return
    keys = list(table.primary_key.columns)
    query = select(*keys, *forward).where(or_(*(c.is_not(None) for c in forward)))
    statement = update(table).where(*(k == bindparam(f"key_{k.name}") for k in keys)).values(
        {c.name: bindparam(f"value_{c.name}") for c in forward})
    for batch in src.execute(query).mappings().partitions(BATCH):
        dst.execute(statement, [{f"key_{k.name}": row[k.name] for k in keys}
                                | {f"value_{c.name}": row[c.name] for c in forward} for row in batch])


def _reset_sequences(dst, tables: list[Table]) -> None:
    """Next ids start after the copied ones (the rows were inserted with their ids)."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int):
                dst.execute(text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX(\"{column.name}\"), 1), "
                    f"MAX(\"{column.name}\") IS NOT NULL) FROM \"{table.name}\""
                ), {"table": f'"{table.name}"', "column": column.name})


# --- commands -------------------------------------------------------------------------------------


def _app_url() -> str:
    from flask import current_app

    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@click.group("data", help="Sauvegarder, restaurer et copier la base de données.")
def data_cli() -> None:
    pass


@data_cli.command("backup", help="Écrire une sauvegarde cohérente de la base (possible pendant le service).")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    backup(_app_url(), target)
    click.echo(f"Sauvegarde écrite : {target} ({target.stat().st_size} octets).")


@data_cli.command("restore", help="Remplacer le contenu de la base par une sauvegarde (arrêtez d'abord le serveur).")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Le contenu actuel de la base sera remplacé. Continuer ?")
@with_appcontext
def restore_command(source: Path) -> None:
    from quiz.extensions import db

    db.engine.dispose()
    restore(_app_url(), source)
    click.echo(f"Base restaurée depuis {source}.")


@data_cli.command("copy-to", help="Copier toutes les lignes vers une autre base vide (ex. SQLite → PostgreSQL).")
@click.argument("target_url")
@with_appcontext
def copy_command(target_url: str) -> None:
    from quiz.extensions import db

    report = copy_database(db.metadata, _app_url(), target_url)
    for name, count in report.rows.items():
        click.echo(f"{name} : {count}")
    click.echo(f"Copie terminée : {report.total} ligne(s).")

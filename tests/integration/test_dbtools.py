"""`quiz data backup|restore|copy-to`: a backup restores every row; a copy to PostgreSQL keeps every row."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from quiz import create_app
from quiz.dbtools import DataError, copy_database
from quiz.extensions import db
from tests.helpers import EXAM_BANK, correct_response

PG_URL = os.environ.get("QUIZ_TEST_DATABASE_URL")


def sqlite_app(tmp_path, name="source"):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "tests-only", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        db.create_all()
    return app


def populate(app) -> None:
    """Accounts, a bank, a session and a finalised attempt with its ledger entries: every kind of column."""
    from quiz.accounts.service import create_user
    from quiz.banks.importer import import_banks
    from quiz.exams import service
    from quiz.exams.models import ExamSession, Questionnaire
    from quiz.exams.presentation import to_display
    from quiz.referential import load_referential
    from quiz.timeutil import utcnow

    with app.app_context():
        import_banks({"01-analyse-financiere.md": EXAM_BANK.read_text(encoding="utf-8")}, load_referential())
        candidate, _ = create_user("candidate@example.org", "Éloïse", "Dupré", ["candidate"],
                                   password="motdepasse-solide", cohort_names=["Promotion A"])
        create_user("trainer@example.org", "Jean", "Martin", ["trainer"], password="motdepasse-solide")
        db.session.commit()
        from datetime import timedelta

        questionnaire = Questionnaire(thematic=1, title="AF", question_count=6, duration_minutes=30)
        session = ExamSession(questionnaire=questionnaire, opens_at=utcnow() - timedelta(minutes=5),
                              closes_at=utcnow() + timedelta(hours=1))
        session.cohorts.extend(candidate.cohorts)
        db.session.add(session)
        db.session.commit()
        attempt = service.start_attempt(candidate, session.id)
        for item in attempt.items[:4]:
            payload = item.version.payload
            shown = to_display(payload, item.option_order, correct_response(payload))
            service.save_answer(attempt, item.position, shown)
        service.submit(attempt)


def snapshot(url: str) -> dict[str, list[dict]]:
    """Every row of every application table, by primary key."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in db.metadata.sorted_tables}
    engine.dispose()
    return rows


def test_backup_then_restore_brings_back_every_row(tmp_path):
    app = sqlite_app(tmp_path)
    populate(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = snapshot(url)
    assert before["ledger_entries"] and before["attempt_items"]
    runner = app.test_cli_runner()
    backup_file = tmp_path / "backups" / "quiz.sqlite3"

    result = runner.invoke(args=["data", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(text("UPDATE attempt_items SET flagged = NOT flagged"))  # finished ones: no DELETE
        db.session.execute(text("UPDATE users SET first_name = 'Changé'"))
        db.session.commit()
    assert snapshot(url) != before

    result = runner.invoke(args=["data", "restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert snapshot(url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    app = sqlite_app(tmp_path)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("ceci n'est pas une base", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["data", "restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert "sauvegarde" in result.output


def test_restore_asks_for_confirmation(tmp_path):
    app = sqlite_app(tmp_path)
    backup_file = tmp_path / "b.sqlite3"
    assert app.test_cli_runner().invoke(args=["data", "backup", str(backup_file)]).exit_code == 0
    result = CliRunner().invoke(app.cli, ["data", "restore", str(backup_file)], input="n\n")
    assert result.exit_code != 0


def test_copy_refuses_a_target_that_holds_data(tmp_path):
    source = sqlite_app(tmp_path)
    target = sqlite_app(tmp_path, "target")
    populate(target)
    with pytest.raises(DataError, match="contient déjà"):
        copy_database(db.metadata, source.config["SQLALCHEMY_DATABASE_URI"], target.config["SQLALCHEMY_DATABASE_URI"])


@pytest.mark.postgres
def test_copy_from_sqlite_to_postgresql_keeps_every_row(tmp_path):
    if not PG_URL:
        pytest.skip("PostgreSQL non configuré : définir QUIZ_TEST_DATABASE_URL pour ce test")
    app = sqlite_app(tmp_path)
    populate(app)
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    target = create_engine(PG_URL)
    db.metadata.drop_all(target)  # the copy creates the schema of an empty database
    try:
        result = app.test_cli_runner().invoke(args=["data", "copy-to", PG_URL])
        assert result.exit_code == 0, result.output
        assert snapshot(PG_URL) == snapshot(source_url)
        with target.begin() as conn:  # ids continue after the copied ones
            new_id = conn.execute(text("INSERT INTO cohorts (name, created_at) VALUES ('Nouvelle', now()) "
                                       "RETURNING id")).scalar()
        assert new_id > max(r["id"] for r in snapshot(source_url)["cohorts"])
    finally:
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with target.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        target.dispose()

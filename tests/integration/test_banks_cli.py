"""`quiz banks …` commands, run through the app's CLI runner."""

import io
import zipfile

import pytest

from quiz.banks.store import current_versions
from tests.unit.banks.banktext import NUMERIC, SINGLE, VALID, bank

NAME = "01-analyse-financiere.md"


@pytest.fixture
def banks_dir(tmp_path):
    folder = tmp_path / "question_banks"
    folder.mkdir()
    (folder / NAME).write_text(VALID, encoding="utf-8")
    return folder


def run(app, *args):
    return app.test_cli_runner().invoke(args=["banks", *map(str, args)])


def test_check_valid_file_exits_zero(app, banks_dir):
    result = run(app, "check", banks_dir / NAME)
    assert result.exit_code == 0, result.output
    assert "1 banque(s) valide(s), 6 question(s)." in result.output


def test_check_prints_every_problem_and_exits_one(app, tmp_path):
    path = tmp_path / NAME
    path.write_text(bank(SINGLE.replace("difficulty: 2", "difficulty: 7"), NUMERIC.replace("tolerance", "tolerence")),
                    encoding="utf-8")
    result = run(app, "check", path)
    assert result.exit_code == 1
    lines = result.output.strip().split("\n")
    assert lines[0].startswith(f"{path}:17: AF-001: difficulty « 7 » invalide")
    assert "clé « tolerence » inconnue — vouliez-vous dire « tolerance » ?" in result.output
    assert lines[-1] == f"{len(lines) - 1} problème(s) dans 1 fichier(s)."


def test_check_defaults_to_the_configured_directory(app, banks_dir):
    app.config["QUESTION_BANKS_DIR"] = str(banks_dir)
    result = run(app, "check")
    assert result.exit_code == 1
    assert "05-gestion-des-risques.md:1: aucune banque pour la thématique 5" in result.output


def test_import_twice_then_stats(app, banks_dir):
    first = run(app, "import", banks_dir / NAME)
    assert first.exit_code == 0, first.output
    assert "6 ajoutée(s)" in first.output
    second = run(app, "import", banks_dir / NAME)
    assert "rien n'a changé" in second.output
    assert len(current_versions(1)) == 6
    stats = run(app, "stats", banks_dir / NAME)
    assert "6 question(s)" in stats.output and "C15" in stats.output


def test_import_refuses_an_invalid_bank(app, tmp_path):
    path = tmp_path / NAME
    path.write_text(bank(SINGLE.replace("type: single", "type: singel")), encoding="utf-8")
    result = run(app, "import", path)
    assert result.exit_code == 1 and "Import annulé" in result.output
    assert current_versions(1) == []


@pytest.mark.parametrize(("fmt", "suffix"), [("moodle-xml", ".moodle.xml"), ("gift", ".gift"), ("qti", ".qti.zip")])
def test_export_writes_one_file_per_bank(app, banks_dir, tmp_path, fmt, suffix):
    out = tmp_path / "out"
    result = run(app, "export", "--format", fmt, "--out", out, banks_dir / NAME)
    assert result.exit_code == 0, result.output
    target = out / ("01-analyse-financiere" + suffix)
    assert target.exists()
    if fmt == "qti":
        assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(target.read_bytes())).namelist()


def test_convert_exported_moodle_back_to_markdown(app, banks_dir, tmp_path):
    out = tmp_path / "out"
    run(app, "export", "--format", "moodle-xml", "--out", out, banks_dir / NAME)
    result = run(app, "convert", out / "01-analyse-financiere.moodle.xml", "--prefix", "AF", "--thematic", "1")
    assert result.exit_code == 0
    converted = tmp_path / NAME
    converted.write_text(result.stdout, encoding="utf-8")
    assert run(app, "check", converted).exit_code == 0

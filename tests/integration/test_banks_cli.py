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


GIFT = """::Q1::Capitale ?{=Paris ~Lyon####Paris.}

::Q2::Racontez.{}
"""


def test_convert_reports_each_question_and_exits_one_when_something_is_refused(app, tmp_path):
    source = tmp_path / "export.gift"
    source.write_text(GIFT, encoding="utf-8")
    out, report = tmp_path / NAME, tmp_path / "rapport.json"
    result = run(app, "convert", source, "--prefix", "AF", "--thematic", "1", "--out", out, "--report", report)
    assert result.exit_code == 1
    assert "question 2 « Q2 » : REFUSÉE — question ouverte (essay)" in result.stderr
    assert result.stderr.strip().endswith("2 questions read, 1 converted, 1 refused, 0 converted with losses")
    assert "## AF-001 · Q1" in out.read_text(encoding="utf-8")
    import json
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [q["status"] for q in data["questions"]] == ["converted", "refused"] and data["refused"] == 1
    again = run(app, "convert", source, "--prefix", "AF", "--thematic", "1", "--out", out)
    assert again.exit_code == 1 and "existe déjà" in again.stderr
    assert run(app, "convert", source, "--prefix", "AF", "--thematic", "1", "--out", out, "--force").exit_code == 1


def test_convert_never_writes_an_empty_bank_and_exits_two_on_unreadable_input(app, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<quiz><question", encoding="utf-8")
    out = tmp_path / NAME
    out.write_text("la vraie banque", encoding="utf-8")
    result = run(app, "convert", bad, "--prefix", "AF", "--thematic", "1", "--out", out, "--force")
    assert result.exit_code == 2 and "XML illisible" in result.stderr
    assert out.read_text(encoding="utf-8") == "la vraie banque"
    refused = tmp_path / "essay.gift"
    refused.write_text("::E::Racontez.{}\n", encoding="utf-8")
    result = run(app, "convert", refused, "--prefix", "AF", "--thematic", "1", "--out", out, "--force")
    assert result.exit_code == 1 and out.read_text(encoding="utf-8") == "la vraie banque"
    assert run(app, "convert", tmp_path / "absent.xml", "--prefix", "AF", "--thematic", "1").exit_code == 2


def test_convert_without_loss_exits_zero_and_writes_embedded_images(app, tmp_path):
    import base64
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    xml = ('<?xml version="1.0"?><quiz><question type="truefalse"><name><text>Vrai</text></name>'
           '<questiontext format="html"><text><![CDATA[<p>Vrai ?</p><img src="@@PLUGINFILE@@/a.png" alt="Un bilan">'
           f']]></text><file name="a.png" path="/" encoding="base64">{png}</file></questiontext>'
           '<generalfeedback format="html"><text>Oui.</text></generalfeedback>'
           '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
           "</question></quiz>")
    source = tmp_path / "moodle.xml"
    source.write_text(xml, encoding="utf-8")
    folder = tmp_path / "question_banks"
    folder.mkdir()
    result = run(app, "convert", source, "--prefix", "AF", "--thematic", "1", "--out", folder / NAME)
    assert result.exit_code == 0, result.stderr
    (image,) = (folder / "assets").iterdir()
    assert image.read_bytes().startswith(b"\x89PNG")
    assert run(app, "check", folder / NAME).exit_code == 0

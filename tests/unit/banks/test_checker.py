"""What only a set of banks can show: ids across banks, one bank per thematic, prefixes."""

from quiz.banks import check_banks, check_paths
from quiz.referential import load_referential
from tests.unit.banks.banktext import HEADER, SINGLE, VALID, bank, line_of

REF = load_referential()
FLUX_HEADER = HEADER.replace("thematic: 1", "thematic: 2").replace("prefix: AF", "prefix: FL").replace(
    "Analyse financière", "Flux")


def test_duplicate_id_across_banks_names_the_first_place():
    other = bank(SINGLE.replace("AF-001", "FL-001").replace("[C15]", "[C13]"), SINGLE, header=FLUX_HEADER)
    result = check_banks({"01-analyse-financiere.md": VALID, "02-flux.md": other}, REF, require_all_thematics=False)
    first = line_of(VALID, "## AF-001")
    line = line_of(other, "## AF-001")
    assert f"02-flux.md:{line}: AF-001: identifiant déjà utilisé dans 01-analyse-financiere.md:{first}." in [
        str(p) for p in result.problems
    ]


def test_two_banks_for_one_thematic():
    result = check_banks({"01-a.md": VALID, "01-b.md": VALID.replace("AF-00", "AF-10")}, REF,
                         require_all_thematics=False)
    messages = [str(p) for p in result.problems]
    assert "01-b.md:2: thematic 1 déjà couverte par 01-a.md:2 — une seule banque par thématique." in messages
    assert "01-b.md:3: prefix « AF » déjà utilisé par 01-a.md:3 — chaque banque a son préfixe." in messages


def test_every_thematic_needs_a_bank_in_directory_mode(tmp_path):
    (tmp_path / "01-analyse-financiere.md").write_text(VALID, encoding="utf-8")
    (tmp_path / "README.md").write_text("# pas une banque", encoding="utf-8")
    result = check_paths([tmp_path], REF)
    missing = [p for p in result.problems if p.message.startswith("aucune banque")]
    assert len(missing) == 11
    assert str(missing[0]) == ("02-flux.md:1: aucune banque pour la thématique 2 (Flux) — créez 02-flux.md avec "
                               "« thematic: 2 ».")
    assert check_paths([tmp_path / "01-analyse-financiere.md"], REF).ok


def test_file_named_for_another_thematic():
    result = check_banks({"02-flux.md": VALID}, REF, require_all_thematics=False)
    assert str(result.problems[0]).startswith("02-flux.md:2: thematic: 1 ne correspond pas au nom du fichier")


def test_missing_file_is_a_problem_not_an_exception(tmp_path):
    result = check_paths([tmp_path / "absent.md"], REF)
    assert result.problems[0].file.endswith("absent.md") and result.problems[0].line == 1


def test_shipped_banks_are_valid():
    root = __import__("pathlib").Path(__file__).resolve().parents[3] / "question_banks"
    result = check_paths([root], REF)
    assert result.problems == [], "\n".join(map(str, result.problems))
    assert len(result.banks) == 12

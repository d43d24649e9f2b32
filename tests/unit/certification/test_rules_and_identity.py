"""The pure rules of the certification chain: SIRET, proposal, departures, identity, CSV."""

from __future__ import annotations

from datetime import date

import pytest

from quiz.certification import rules
from quiz.certification.identity import CsvFormatError, Identity, normalise, parse_csv, parse_date, problems

TODAY = date(2026, 6, 15)
BLOCS = ("B1", "B2", "B3")


@pytest.mark.parametrize("siret, ok", [
    ("73282932000074", True),  # a real SIRET
    ("73282932000075", False),  # last digit changed
    ("7328293200007", False),  # 13 digits
    ("7328293200007A", False),
    ("35600000000001", True),  # La Poste: digits add up to a multiple of 5
    ("35600000000002", False),
])
def test_siret_luhn(siret, ok):
    assert rules.valid_siret(siret) is ok


def test_proposal_title_when_every_bloc_is_validated():
    p = rules.proposal({b: date(2026, 5, 1) for b in BLOCS}, BLOCS, False, set())
    assert p.outcome == "title" and p.blocs == BLOCS


def test_proposal_blocs_leave_out_those_already_awarded():
    p = rules.proposal({"B2": date(2026, 5, 1), "B3": date(2026, 5, 2)}, BLOCS, False, {"B2"})
    assert p.outcome == "blocs" and p.blocs == ("B3",) and p.already == ("B2",)
    nothing = rules.proposal({"B2": date(2026, 5, 1)}, BLOCS, False, {"B2"})
    assert nothing.outcome == "none"


def test_a_later_jury_proposes_the_title_over_earlier_blocs_and_nothing_once_it_is_awarded():
    validated = {b: date(2026, 5, 1) for b in BLOCS}
    assert rules.proposal(validated, BLOCS, False, {"B2", "B3"}).outcome == "title"
    assert rules.proposal(validated, BLOCS, True, set(BLOCS)).outcome == "none"


def test_departure_from_the_proposal():
    p = rules.Proposal("blocs", ("B2", "B3"), {})
    assert not rules.departs(p, "blocs", ("B3", "B2"))
    assert rules.departs(p, "blocs", ("B2",))
    assert rules.departs(p, "none", ())
    assert rules.departs(p, "title", BLOCS)


def test_months_later_clamps_the_day():
    assert rules.months_later(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.months_later(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert rules.months_later(date(2026, 6, 15), 3) == date(2026, 9, 15)


def good(**kw) -> Identity:
    values = dict(birth_name="Dupont", first_name1="Anne", birth_date=date(1990, 6, 15), sex="F",
                  commune_code="69123")
    return Identity(**(values | kw))


def test_a_complete_identity_has_no_problem():
    assert problems(good(), TODAY) == {}
    assert problems(good(commune_code="2A004"), TODAY) == {}
    assert problems(good(commune_code="", country_code="99134"), TODAY) == {}
    assert problems(good(birth_name="N'Diaye-Le Gall", first_name2="Marie-Ève"), TODAY) == {}


@pytest.mark.parametrize("changes, field", [
    ({"birth_name": ""}, "birth_name"),
    ({"birth_name": "X" * 61}, "birth_name"),
    ({"first_name1": "Anne2"}, "first_name1"),
    ({"first_name3": "Lou"}, "first_name3"),  # third without second
    ({"birth_date": None}, "birth_date"),
    ({"birth_date": date(2027, 1, 1)}, "birth_date"),
    ({"birth_date": date(1900, 1, 1)}, "birth_date"),
    ({"birth_date": date(2020, 1, 1)}, "birth_date"),
    ({"sex": "X"}, "sex"),
    ({"commune_code": "6912"}, "commune_code"),
    ({"commune_code": "2C004"}, "commune_code"),
    ({"commune_code": ""}, "commune_code"),
    ({"commune_code": "", "country_code": "99100"}, "country_code"),
    ({"commune_code": "", "country_code": "134"}, "country_code"),
    ({"country_code": "99134"}, "country_code"),  # both
])
def test_identity_problems(changes, field):
    found = problems(good(**changes), TODAY)
    assert field in found and found[field].endswith(".")


def test_normalise_trims_and_capitalises_codes():
    value = normalise(good(birth_name="  Le   Gall ", sex="f", commune_code="2a004"))
    assert value.birth_name == "Le Gall" and value.sex == "F" and value.commune_code == "2A004"


def test_dates_in_french_or_iso():
    assert parse_date("05/03/1990") == date(1990, 3, 5)
    assert parse_date("1990-03-05") == date(1990, 3, 5)
    assert parse_date("31/02/1990") is None and parse_date("hier") is None


CSV_HEADER = ("email,nom_naissance,nom_usage,prenom1,prenom2,prenom3,date_naissance,sexe,code_commune_naissance,"
              "code_pays_naissance\r\n")


def test_csv_keeps_doubled_quotes_and_reports_lines():
    data = (CSV_HEADER
            + '"a@example.org","O""Brien",,"Anne",,,15/06/1990,F,69123,\r\n'
            + 'b@example.org,"Martin\r\nDurand",,Luc,,,1990-01-01,M,,99134\r\n'
            + "c@example.org,Petit,,Zoé,,,31/02/1990,F,75056,\r\n").encode()
    rows = parse_csv(data, TODAY)
    assert [r.line for r in rows] == [2, 3, 5]
    assert rows[0].identity.birth_name == 'O"Brien'
    # The quoted line break is read as part of the field (the row counts two lines), then collapsed.
    assert rows[1].identity.birth_name == "Martin Durand" and rows[1].errors == {}
    assert "illisible" in rows[2].errors["birth_date"]


def test_csv_with_semicolons_and_a_bom():
    data = ("\ufeff" + CSV_HEADER.replace(",", ";") + "a@example.org;Dupont;;Anne;;;15/06/1990;F;69123;\n").encode()
    rows = parse_csv(data, TODAY)
    assert rows[0].errors == {} and rows[0].email == "a@example.org"


def test_csv_without_the_required_columns_is_refused():
    with pytest.raises(CsvFormatError, match="Colonnes manquantes : prenom1, date_naissance, sexe"):
        parse_csv(b"email,nom\r\na@example.org,Dupont\r\n", TODAY)
    with pytest.raises(CsvFormatError, match="vide"):
        parse_csv(b"", TODAY)


def test_csv_as_excel_writes_it_in_french():
    data = ("E-mail;Nom de naissance;Nom d'usage;Prénom 1;Prénom 2;Date de naissance;Sexe;"
            "Code commune naissance;Code pays naissance;Lieu de naissance\r\n"
            "a@example.org;Müller;;Zoé;Anaïs;05/06/1990;F;;99109;Allemagne\r\n").encode("cp1252")
    (row,) = parse_csv(data, TODAY)
    assert row.errors == {}
    assert (row.identity.birth_name, row.identity.first_name2, row.identity.country_code) == ("Müller", "Anaïs",
                                                                                             "99109")
    assert row.identity.birth_place == "Allemagne"

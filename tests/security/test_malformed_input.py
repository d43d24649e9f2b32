"""Input that used to end in a 500 or in wrong data: ids beyond the database's integers, control
characters in `next`, and CSV quoting."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quiz.accounts.models import User
from quiz.accounts.service import import_candidates_csv
from quiz.extensions import db
from quiz.web import MAX_ID
from tests.conftest import PASSWORD

HUGE = "9" * 30
SAMPLE = {"modality": "E5", "fmt": "csv", "filename": "x.png", "path": "x.png", "token": "x", "name": "x"}


def id_urls(app, huge: str = HUGE) -> list[tuple[str, str]]:
    """Every rule that takes an id, with every id set to `huge`, and the methods it answers."""
    urls = []
    for rule in app.url_map.iter_rules():
        ints = [arg for arg, conv in rule._converters.items() if conv.__class__.__name__ == "IdConverter"]
        if not ints:
            continue
        path = rule.rule  # written by hand: the converter refuses to build such an id
        for arg in rule.arguments:
            path = re.sub(rf"<[^>]*:?{arg}>", huge if arg in ints else SAMPLE.get(arg, "x"), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


@pytest.fixture
def everyone(app, client, login, make_user):
    login(client, make_user(roles=("admin", "trainer", "assessor", "candidate")))
    return client


@pytest.mark.parametrize("huge", [HUGE, str(MAX_ID + 1), "9" * 10])
def test_every_route_taking_an_id_answers_404_to_an_id_beyond_the_integers(app, everyone, huge):
    urls = id_urls(app, huge)
    assert len(urls) >= 17
    wrong = [(m, u, r.status_code) for m, u in urls if (r := everyone.open(u, method=m)).status_code != 404]
    assert not wrong, wrong


@pytest.mark.parametrize("value", [str(MAX_ID + 1), HUGE])
@pytest.mark.parametrize("url", ["/registre/jury?promotion={}", "/registre/jury/export.csv?promotion={}",
                                 "/evaluation/?promotion={}", "/atelier/statistiques/statistiques.csv?questionnaire={}",
                                 "/admin/audit/?page={}", "/atelier/banques/1/comparer?de={}&a={}"])
def test_query_ids_beyond_the_integer_range_are_404(everyone, url, value):
    assert everyone.get(url.format(value, value)).status_code == 404


def test_the_largest_id_is_an_ordinary_not_found(everyone):
    assert everyone.get(f"/admin/users/{MAX_ID}").status_code == 404
    assert everyone.get("/admin/users/1").status_code in (200, 404)


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/ok%0aLocation:%20https://evil.example",
                                    "/x%09y", "/x%7f", "/%5c%5cevil.example", "/\\evil.example",
                                    "//evil.example", "https://evil.example/"])
def test_next_with_control_characters_or_another_site_goes_home(app, make_user, target):
    user = make_user()
    response = app.test_client().post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/", response.headers
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_plain_local_next_is_still_followed(app, make_user):
    user = make_user()
    response = app.test_client().post("/login?next=/registre/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/registre/"


# -- 13. CSV quoting --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_doubled_quotes_in_a_csv_import_are_one_quote(app, sep):
    rows = [["nom", "prenom", "email", "cohorte"],
            ['"O""Brien"', '"Zoë ""Zo"""', "obrien@example.org", '"Promo; A, B"']]
    report = import_candidates_csv("\r\n".join(sep.join(r) for r in rows).encode("utf-8"))
    assert report.ok, report.errors
    user = db.session.execute(select(User).where(User.email == "obrien@example.org")).scalar_one()
    assert (user.last_name, user.first_name) == ('O"Brien', 'Zoë "Zo"')
    assert [c.name for c in user.cohorts] == ["Promo; A, B"]


def test_a_quoted_field_spanning_lines_keeps_the_next_line_numbers_right(app):
    content = 'nom;prenom;email;cohorte\r\n"Du\r\npont";Anne;anne@example.org;P\r\nMartin;Luc;pas-une-adresse;P\r\n'
    report = import_candidates_csv(content.encode("utf-8"))
    assert not report.ok and report.errors[0][1].startswith("adresse")

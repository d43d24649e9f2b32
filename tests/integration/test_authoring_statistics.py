"""Item statistics from real attempts: finished, non-trial attempts only; page and CSV agree with
values computed by hand (the data set of tests/unit/authoring/test_statistics.py)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from quiz.banks.importer import import_banks
from quiz.banks.store import Question
from quiz.exams.models import Attempt, AttemptItem, Questionnaire
from quiz.extensions import db
from quiz.referential import load_referential
from tests.unit.banks.banktext import MULTIPLE, SINGLE, TRUEFALSE, bank

# Credits of AF-001 (single, key "b"), AF-002 (multiple), AF-003 (true/false) per attempt.
GRADED = [(1, 1, 1), (1, 0, 1), (0, 0, 1), (0, 0, 0)]


@pytest.fixture
def questionnaire(app, make_user, clock):
    app.config["STATS_MIN_ATTEMPTS"] = 4
    assert import_banks({"01-analyse-financiere.md": bank(SINGLE, MULTIPLE, TRUEFALSE)}, load_referential()).ok
    versions = [db.session.execute(select(Question).where(Question.code == code)).scalar_one().current_version
                for code in ("AF-001", "AF-002", "AF-003")]
    questionnaire = Questionnaire(thematic=1, title="Analyse financière — E2", question_count=3)
    db.session.add(questionnaire)
    db.session.flush()

    def attempt(credits, status="finished", trial=False):
        score = sum(credits)
        row = Attempt(questionnaire_id=questionnaire.id, candidate_id=make_user().id, started_at=clock(),
                      deadline=clock(), status=status, trial=trial, score=Decimal(score), total=3,
                      passed=score / 3 >= 0.6)
        answers = ["b" if credits[0] else "a", ["a", "b"] if credits[1] else ["c"], bool(credits[2])]
        for position, (version, credit, answer) in enumerate(zip(versions, credits, answers, strict=True), 1):
            row.items.append(AttemptItem(position=position, question_version_id=version.id, credit=Decimal(credit),
                                         response=answer, option_order=[]))
        db.session.add(row)

    for credits in GRADED:
        attempt(credits)
    attempt((0, 1, 0), trial=True)
    attempt((1, 1, 0), status="in_progress")
    db.session.commit()
    return questionnaire


def test_the_page_shows_the_hand_computed_figures(client, login, make_user, questionnaire):
    login(client, make_user(roles=("trainer",)))
    home = client.get("/atelier/statistiques").get_data(as_text=True)
    assert "Analyse financière — E2" in home and "0,75 (KR-20)" in home
    html = client.get(f"/atelier/statistiques/{questionnaire.id}").get_data(as_text=True)
    assert "<dd class=\"col-sm-8\">4</dd>" in html  # the trial and the unfinished attempt are left out
    assert "50,0\u202f%" in html  # mean score and pass rate
    assert "37,3\u202f%" in html  # standard deviation: 50 * sqrt(5) / 3
    assert "0,75" in html and "KR-20" in html
    assert "0,71" in html  # AF-001 discrimination: 1 / sqrt(2)
    assert "0,52" in html  # AF-002 and AF-003: 0.75 / sqrt(0.75 * 2.75)
    assert "option c jamais choisie" in html
    assert "<svg" in html and "Répartition des scores (données du graphique)" in html


def test_below_the_threshold_figures_are_not_significant(app, client, login, make_user, questionnaire):
    app.config["STATS_MIN_ATTEMPTS"] = 30
    login(client, make_user(roles=("admin",)))
    html = client.get(f"/atelier/statistiques/{questionnaire.id}").get_data(as_text=True)
    assert "non significatif" in html
    assert "option c jamais choisie" not in html


def test_the_csv_export_holds_every_figure(client, login, make_user, questionnaire):
    login(client, make_user(roles=("trainer",)))
    response = client.get("/atelier/statistiques/statistiques.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    summary = rows[1]
    assert summary[:9] == ["Analyse financière — E2", "1", "4", "50,0", "37,3", "0,500", "0,750", "KR-20", "oui"]
    assert summary[9:] == ["1", "0", "0", "1", "0", "0", "1", "0", "0", "1"]
    items = {row[1]: row for row in rows[4:] if row}
    assert items["AF-001"][5:8] == ["4", "0,500", "0,707"]
    assert items["AF-001"][8] == "a : 0,500 | b* : 0,500 | c : 0,000"
    assert items["AF-001"][10] == "option c jamais choisie"
    assert items["AF-002"][5:8] == ["4", "0,250", "0,522"]
    one = client.get(f"/atelier/statistiques/statistiques.csv?questionnaire={questionnaire.id + 1}")
    assert len([r for r in csv.reader(io.StringIO(one.get_data(as_text=True))) if r]) == 2  # headers only

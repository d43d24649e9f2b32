"""The trainers' workshop: validation, publication, history and diffs, upload and download."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.banks.importer import import_banks
from quiz.banks.store import BankRevision, Question, QuestionVersion
from quiz.extensions import db
from quiz.referential import load_referential
from tests.unit.banks.banktext import MULTIPLE, SINGLE, TRUEFALSE, bank, line_of

FILE = "01-analyse-financiere.md"
ORIGINAL = bank(SINGLE, TRUEFALSE)
BROKEN = bank(SINGLE.replace("- [ ] 60 k€", "- [x] 60 k€"), TRUEFALSE)
EDITED = bank(SINGLE.replace("Quel est le BFRE ?", "Quel est le besoin en fonds de roulement d'exploitation ?"),
              TRUEFALSE)
FLUX = """---
thematic: 2
prefix: FL
title: Flux
---

# Flux

## FL-001 · Le virement instantané

```yaml
type: truefalse
answer: true
```

Un virement SEPA instantané est exécuté en moins de dix secondes.

### Explication

C'est la règle du règlement (UE) 2024/886.
"""


@pytest.fixture
def banks_dir(app, tmp_path) -> Path:
    """A small writable banks folder (thematics 1 and 2), imported once as the published state."""
    directory = tmp_path / "question_banks"
    directory.mkdir()
    (directory / FILE).write_text(ORIGINAL, encoding="utf-8")
    (directory / "02-flux.md").write_text(FLUX, encoding="utf-8")
    app.config["QUESTION_BANKS_DIR"] = str(directory)
    report = import_banks({FILE: ORIGINAL, "02-flux.md": FLUX}, load_referential())
    assert report.ok, report.problems
    return directory


@pytest.fixture
def trainer(make_user, banks_dir):
    return make_user(roles=("trainer",), first_name="Claire", last_name="Formatrice")


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def versions_of(code: str) -> list[QuestionVersion]:
    question = db.session.execute(select(Question).where(Question.code == code)).scalar_one()
    return sorted(question.versions, key=lambda v: v.number)


def test_only_trainers_and_administrators_enter(client, login, make_user, banks_dir):
    assert client.get("/atelier/banques").status_code == 302
    login(client, make_user(roles=("candidate",)))
    assert client.get("/atelier/banques").status_code == 403
    assert client.post("/atelier/banques/1/validation", json={"text": ORIGINAL}).status_code == 403
    assert client.get("/atelier/statistiques").status_code == 403


def test_the_bank_list_shows_every_thematic_with_its_published_revision(client, login, make_user, banks_dir):
    login(client, make_user(roles=("admin",)))
    html = client.get("/atelier/banques").get_data(as_text=True)
    for thematic in load_referential().thematics:
        assert thematic.filename in html
    assert html.count("jamais publiée") == 10
    assert "choix unique : 1" in html and "vrai / faux : 1" in html


def test_validation_lists_each_problem_at_its_line_with_a_hint(client, login, trainer):
    login(client, trainer)
    response = client.post("/atelier/banques/1/validation", json={"text": BROKEN})
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is False
    [problem] = data["problems"]
    assert problem["line"] == line_of(BROKEN, "[x] 60 k€")
    assert problem["qid"] == "AF-001" and problem["here"] is True
    assert "cochées" in problem["message"] and problem["hint"]
    fixed = client.post("/atelier/banques/1/validation", json={"text": ORIGINAL}).get_json()
    assert fixed == {"ok": True, "questions": 2, "problems": [], "elsewhere": [], "warnings": []}


def test_validation_checks_ids_across_the_other_banks(client, login, trainer, banks_dir):
    login(client, trainer)
    (banks_dir / "03-tarification.md").write_text(
        FLUX.replace("thematic: 2", "thematic: 3").replace("prefix: FL", "prefix: TA").replace("FL-001", "TA-001"),
        encoding="utf-8")
    clash = FLUX.replace("FL-001 · Le virement instantané", "FL-001 · Un autre virement")
    data = client.post("/atelier/banques/3/validation", json={"text": clash.replace("thematic: 2", "thematic: 3")})
    messages = [p["message"] for p in data.get_json()["problems"]]
    assert any("déjà" in m for m in messages), messages


def test_validation_needs_a_text(client, login, trainer):
    login(client, trainer)
    assert client.post("/atelier/banques/1/validation", json={}).status_code == 400
    assert client.post("/atelier/banques/13/validation", json={"text": ""}).status_code == 404


def test_a_bank_with_errors_is_not_published(client, login, trainer, banks_dir):
    login(client, trainer)
    before = (count(QuestionVersion), count(BankRevision))
    response = client.post("/atelier/banques/1", data={"text": BROKEN, "action": "publish"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Publication refusée" in html
    assert f'data-line="{line_of(BROKEN, "[x] 60 k€")}"' in html
    assert (count(QuestionVersion), count(BankRevision)) == before
    assert (banks_dir / FILE).read_text(encoding="utf-8") == ORIGINAL
    assert client.get("/atelier/banques/1").get_data(as_text=True).count("[x] 60 k€") == 1  # kept as the draft


def test_publishing_an_edit_adds_exactly_one_version_and_writes_the_file(client, login, trainer, banks_dir):
    login(client, trainer)
    before = count(QuestionVersion)
    response = client.post("/atelier/banques/1", data={"text": EDITED.replace("\n", "\r\n"), "action": "publish"})
    assert response.status_code == 302
    assert count(QuestionVersion) == before + 1
    assert [v.number for v in versions_of("AF-001")] == [1, 2]
    assert [v.number for v in versions_of("AF-003")] == [1]
    assert versions_of("AF-001")[0].payload["stem"].endswith("Quel est le BFRE ?")
    revision = db.session.execute(select(BankRevision).order_by(BankRevision.id.desc())).scalars().first()
    assert revision.created_by_id == trainer.id
    assert revision.summary["changed"] == ["AF-001"]
    assert (banks_dir / FILE).read_text(encoding="utf-8") == EDITED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 question modifiée" in page and "Claire Formatrice" in page
    assert "- Quel est le BFRE ?" in page
    assert "+ Quel est le besoin en fonds de roulement d&#39;exploitation ?" in page
    editor = client.get("/atelier/banques/1").get_data(as_text=True)
    assert "fichier 01-analyse-financiere.md du dossier" in editor  # the draft is gone


def test_publishing_the_same_text_again_changes_nothing(client, login, trainer):
    login(client, trainer)
    before = (count(QuestionVersion), count(BankRevision))
    response = client.post("/atelier/banques/1", data={"text": ORIGINAL, "action": "publish"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/atelier/banques/1")
    assert (count(QuestionVersion), count(BankRevision)) == before


def test_an_attempt_keeps_the_version_it_drew(client, login, trainer, make_user, clock):
    from quiz.exams.models import Attempt, AttemptItem, Questionnaire

    old = versions_of("AF-001")[0]
    questionnaire = Questionnaire(thematic=1, title="AF", question_count=1)
    db.session.add(questionnaire)
    db.session.flush()
    attempt = Attempt(questionnaire_id=questionnaire.id, candidate_id=make_user().id, started_at=clock(),
                      deadline=clock(), status="finished")
    attempt.items.append(AttemptItem(position=1, question_version_id=old.id, option_order=["a", "b", "c"]))
    db.session.add(attempt)
    db.session.commit()
    login(client, trainer)
    client.post("/atelier/banques/1", data={"text": EDITED, "action": "publish"})
    item = db.session.execute(select(AttemptItem)).scalar_one()
    assert item.question_version_id == old.id
    assert db.session.get(QuestionVersion, old.id).payload["stem"].endswith("Quel est le BFRE ?")


def test_history_lists_publications_and_compares_two_of_them(client, login, trainer):
    login(client, trainer)
    client.post("/atelier/banques/1", data={"text": EDITED, "action": "publish"})
    client.post("/atelier/banques/1", data={"text": bank(SINGLE, MULTIPLE), "action": "publish"})
    revisions = db.session.execute(select(BankRevision).where(BankRevision.thematic == 1)
                                   .order_by(BankRevision.id)).scalars().all()
    assert len(revisions) == 3
    html = client.get("/atelier/banques/1/historique").get_data(as_text=True)
    authors = re.findall(r"<td>(Claire Formatrice|import en ligne de commande)</td>", html)
    assert authors == ["Claire Formatrice", "Claire Formatrice", "import en ligne de commande"]
    first, last = revisions[0].id, revisions[-1].id
    diff = client.get(f"/atelier/banques/1/comparer?de={last}&a={first}").get_data(as_text=True)
    assert "1 question ajoutée" in diff and "AF-002" in diff
    assert "1 question retirée" in diff and "AF-003" in diff
    assert re.search(r"0 questions? modifiées?", diff) and "1 question inchangée" in diff
    assert client.get(f"/atelier/banques/2/versions/{first}").status_code == 404
    download = client.get(f"/atelier/banques/1/versions/{first}/telecharger")
    assert download.get_data(as_text=True) == ORIGINAL
    assert "attachment" in download.headers["Content-Disposition"]


def test_without_javascript_check_save_preview_and_discard(client, login, trainer):
    login(client, trainer)
    checked = client.post("/atelier/banques/1", data={"text": BROKEN, "action": "check"}).get_data(as_text=True)
    assert "1 erreur à corriger" in checked
    saved = client.post("/atelier/banques/1", data={"text": EDITED, "action": "save"})
    assert saved.status_code == 302
    assert "brouillon" in client.get("/atelier/banques/1").get_data(as_text=True)
    preview = client.post("/atelier/banques/1", data={"text": EDITED, "action": "preview"})
    page = client.get(preview.headers["Location"]).get_data(as_text=True)
    assert "besoin en fonds de roulement d'exploitation" in page
    assert "Réservé aux formateurs" in page
    assert "Bonne réponse" in page and "Les dettes fournisseurs se retranchent." in page
    assert "BFRE = 120 + 300 − 180 = 240 k€." in page
    assert "Clé\u00a0:" in page and "Vrai" in page
    client.post("/atelier/banques/1", data={"text": "", "action": "discard"})
    assert client.get("/atelier/banques/1/telecharger").get_data(as_text=True) == ORIGINAL


def test_upload_rules(client, login, trainer):
    login(client, trainer)

    def upload(data: bytes, name: str):
        return client.post("/atelier/banques/1/televerser", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    assert "extension .md" in upload(b"x", "banque.txt")
    assert "non UTF-8" in upload("---\nthématique\n".encode("latin-1"), FILE)
    assert "Kio" in upload(b"a" * (600 * 1024), FILE)
    assert "Fichier chargé comme brouillon" in upload(EDITED.encode(), FILE)
    assert client.get("/atelier/banques/1/telecharger").get_data(as_text=True) == EDITED


def test_publishing_without_a_writable_folder_still_publishes(app, client, login, trainer, tmp_path):
    app.config["QUESTION_BANKS_DIR"] = str(tmp_path / "absent")
    login(client, trainer)
    response = client.post("/atelier/banques/1", data={"text": EDITED, "action": "publish"}, follow_redirects=True)
    assert "accessible en écriture" in response.get_data(as_text=True)
    assert [v.number for v in versions_of("AF-001")] == [1, 2]


def test_the_validation_endpoint_wants_the_csrf_token(app_csrf, make_user, tmp_path):
    app_csrf.config["QUESTION_BANKS_DIR"] = str(tmp_path)
    user = make_user(roles=("trainer",))
    client = app_csrf.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    html = client.get("/atelier/banques/1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', html)
    assert token
    refused = client.post("/atelier/banques/1/validation", json={"text": ORIGINAL})
    assert refused.status_code in (302, 400)
    accepted = client.post("/atelier/banques/1/validation", json={"text": ORIGINAL},
                           headers={"X-CSRFToken": token.group(1) or token.group(2)})
    assert accepted.status_code == 200 and accepted.get_json()["ok"] is True


def test_the_live_validation_lists_warnings_apart(client, login, trainer):
    """Item-writing warnings reach the editor without blocking publication."""
    login(client, trainer)
    text = ORIGINAL.replace("Quel est le BFRE ?", "Quel élément ne figure pas au bilan ?", 1)
    assert text != ORIGINAL
    result = client.post("/atelier/banques/1/validation", json={"text": text}).get_json()
    assert result["ok"] is True and result["problems"] == []
    assert any("[negative-stem]" in w["message"] and w["here"] for w in result["warnings"])

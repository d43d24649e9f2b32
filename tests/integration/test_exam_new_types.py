"""Short answers, weighted choices and case contexts through a real attempt: drawn, shown,
saved, scored and reviewed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from quiz.banks.importer import import_banks
from quiz.exams import service
from quiz.exams.models import Attempt
from quiz.extensions import db
from quiz.referential import load_referential
from tests.helpers import key_for
from tests.unit.banks.banktext import HEADER

BANK = HEADER + """
## AF-050 · Cas : la société Dupont

```yaml
type: case
```

La société Dupont fabrique des vélos. Son chiffre d'affaires est de **2 M€**.

## AF-051 · Le chiffre d'affaires

```yaml
type: numeric
case: AF-050
answer: 2
tolerance: 0
unit: M€
```

Quel est le chiffre d'affaires de Dupont ?

### Explication

Il est donné dans le cas.

## AF-052 · Le secteur

```yaml
type: short
case: AF-050
normalise: [case, accents]
```

Dans quel secteur Dupont travaille-t-il (un mot) ?

### Réponses

- [x] cycle
- [50%] vélo

### Explication

L'industrie du cycle.

## AF-053 · Un solde intermédiaire

```yaml
type: single
```

Quel solde mesure la performance économique avant amortissements ?

### Réponses

- [ ] Le résultat net
- [50%] La valeur ajoutée
- [x] L'excédent brut d'exploitation

### Explication

L'EBE.
"""


@pytest.fixture
def candidate(make_user):
    return make_user(roles=("candidate",), cohort="Promotion test")


@pytest.fixture
def session_with_case(open_session):
    report = import_banks({"01-analyse-financiere.md": BANK}, load_referential())
    assert report.ok, report.problems
    return open_session(count=3)


def test_a_case_is_drawn_together_and_shown_with_its_questions(client, login, clock, session_with_case, candidate):
    login(client, candidate)
    client.post(f"/sessions/{session_with_case.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    codes = [i.version.payload["id"] for i in attempt.items]
    assert sorted(codes) == ["AF-051", "AF-052", "AF-053"]
    first = codes.index("AF-051")
    assert codes[first + 1] == "AF-052", "a case's questions follow each other in bank order"
    page = client.get(f"/attempts/{attempt.id}?q={first + 1}").get_data(as_text=True)
    assert page.count("Cas : la société Dupont") == 1 and "<strong>2 M€</strong>" in page
    assert f'name="q{first + 1}"' in page and f'name="q{first + 2}"' in page, "shown together"
    assert "cycle" not in page, "no accepted answer is served"


def test_short_and_weighted_answers_are_scored_and_reviewed(client, login, clock, session_with_case, candidate):
    attempt = service.start_attempt(candidate, session_with_case.id)
    by_code = {i.version.payload["id"]: i for i in attempt.items}
    service.save_answer(attempt, by_code["AF-051"].position, "2")
    service.save_answer(attempt, by_code["AF-052"].position, "  Vélo ")
    weighted = by_code["AF-053"]
    half = next(c["id"] for c in weighted.version.payload["choices"] if c.get("weight") == "50")
    service.save_answer(attempt, weighted.position, str(weighted.option_order.index(half) + 1))
    service.submit(attempt)
    assert attempt.score == Decimal(2)
    assert by_code["AF-052"].response == "Vélo"
    assert key_for(by_code["AF-052"]) == "cycle"


def test_a_short_answer_is_posted_by_the_plain_form(client, login, clock, session_with_case, candidate):
    login(client, candidate)
    client.post(f"/sessions/{session_with_case.id}/start")
    attempt = db.session.execute(select(Attempt)).scalar_one()
    item = next(i for i in attempt.items if i.version.payload["type"] == "short")
    response = client.post(f"/attempts/{attempt.id}", data={
        "shown": str(item.position), f"q{item.position}": "CYCLE", "go": str(item.position)})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.response == "CYCLE" and item.answered
    too_long = client.post(f"/attempts/{attempt.id}", data={
        "shown": str(item.position), f"q{item.position}": "x" * 300, "go": str(item.position)},
        follow_redirects=True)
    assert "Réponse trop longue : 200 caractères au plus." in too_long.get_data(as_text=True)
    db.session.refresh(item)
    assert item.response == "CYCLE"

"""Ordering and matching questions must not hand their key to whoever reads the attempt page.

The attack: the shown order of a two-element question was always the reverse of the key, and the
ids in the form were derived from public data (the question's code and texts), so that knowing
them gave the order. Now every shown order is drawn uniformly, the form only carries positions
in this candidate's shown order, and the checker refuses two-element questions.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from itertools import permutations

from sqlalchemy import select

from quiz.banks import parse_bank
from quiz.banks.model import hidden_order_ids
from quiz.exams import draw, service
from quiz.exams.models import AttemptItem
from quiz.extensions import db
from quiz.referential import load_referential
from tests.security.conftest import client_as, parse_html
from tests.unit.banks.banktext import HEADER, MATCHING, ORDERING

ORDERING_PAYLOAD = {"type": "ordering",
                    "items": [{"id": i, "text": t} for i, t in (("b", "x"), ("c", "y"), ("a", "z"))]}


def test_every_shown_order_is_as_likely_the_key_included():
    rng = random.Random(2026)
    key = [i["id"] for i in ORDERING_PAYLOAD["items"]]
    seen = Counter(tuple(draw.option_order(ORDERING_PAYLOAD, True, rng)) for _ in range(6000))
    assert set(seen) == set(permutations(key))  # the key's own order too: an order shown is no hint
    assert all(800 <= n <= 1200 for n in seen.values()), seen  # 1,000 expected each (sd ≈ 29)


def test_matching_right_column_is_drawn_uniformly():
    rng = random.Random(7)
    payload = {"type": "matching", "pairs": [{"left_id": left, "left": left, "right_id": right, "right": right}
                                             for left, right in (("a", "q"), ("b", "r"), ("c", "p"))]}
    seen = Counter(tuple(draw.option_order(payload, True, rng)) for _ in range(6000))
    assert len(seen) == 6 and all(800 <= n <= 1200 for n in seen.values()), seen


def test_the_form_names_options_by_shown_position_not_by_bank_id(app, make_user, open_session):
    """Whoever knows the bank ids (they derive from public data) learns nothing from the page."""
    candidate = make_user(roles=["candidate"], cohort="Promotion test")
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    page = client_as(app, candidate).get(f"/attempts/{attempt.id}?mode=all")
    assert page.status_code == 200
    tags = parse_html(page.text).tags
    items = {i.version.payload["type"]: i for i in db.session.execute(
        select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)).scalars()}
    ordering, matching = items["ordering"], items["matching"]
    texts = [i["text"] for i in ordering.version.payload["items"]]
    public_ids = hidden_order_ids(texts, ordering.version.payload["id"])
    assert public_ids == [i["id"] for i in ordering.version.payload["items"]]  # what an attacker computes

    rank = re.compile(rf"q{ordering.position}-rank-(.+)")
    named = [rank.match(attrs.get("name", "")).group(1) for tag, attrs in tags
             if tag == "select" and rank.match(attrs.get("name", ""))]
    assert named == ["1", "2", "3"]  # positions in the shown order, whatever the key

    match = re.compile(rf"q{matching.position}-match-")
    in_select, values = False, []
    for tag, attrs in tags:
        if tag == "select":
            in_select = bool(match.match(attrs.get("name", "")))
        elif tag == "option" and in_select and attrs.get("value"):
            values.append(attrs["value"])
    rights = len(matching.version.payload["pairs"])
    assert values == [str(n) for n in range(1, rights + 1)] * rights  # each select lists the shown positions


def test_an_answer_given_by_position_is_scored_against_the_key(app, make_user, open_session):
    candidate = make_user(roles=["candidate"], cohort="Promotion test")
    attempt = service.start_attempt(candidate, open_session(count=6).id)
    item = next(i for i in attempt.items if i.version.payload["type"] == "ordering")
    by_id = {oid: str(n) for n, oid in enumerate(item.option_order, start=1)}
    key = [by_id[i["id"]] for i in item.version.payload["items"]]
    service.write_answer(candidate.id, attempt.id, item.position, raw=key)
    service.submit(attempt)
    assert db.session.get(AttemptItem, item.id).credit == 1
    bank_ids = [i["id"] for i in item.version.payload["items"]]
    assert db.session.get(AttemptItem, item.id).response == bank_ids


def _two_of(section: str, drop: str) -> str:
    return HEADER + "\n" + section.replace(drop, "")


def test_the_checker_refuses_two_element_ordering_and_matching():
    ref = load_referential()
    ordering = _two_of(ORDERING, "3. Excédent brut d'exploitation\n")
    matching = _two_of(MATCHING, "| Marge nette | Résultat net / chiffre d'affaires |\n")
    for text, kind in ((ordering, "ordering"), (matching, "matching")):
        _, problems = parse_bank(text, "01-analyse-financiere.md", ref)
        assert any(f"« {kind} » avec 2" in p.message and "au moins 3" in p.message for p in problems), problems

"""Builders shared by the ledger's unit tests: entries with readable defaults, variant referentials."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, date, datetime, time

import yaml

from quiz.ledger.rules import Entry
from quiz.referential.loader import DEFAULT_PATH, build_referential
from quiz.referential.model import Referential

_ids = itertools.count(1)
START = date(2026, 1, 5)


def entry(
    competence: str,
    modality: str,
    passed: bool = True,
    on: date = START,
    thematic: int | None = None,
    replaces: int | None = None,
    candidate: int = 1,
    id: int | None = None,
) -> Entry:
    return Entry(
        id=id if id is not None else next(_ids),
        candidate=candidate,
        competence=competence,
        modality=modality,
        thematic=thematic,
        passed=passed,
        recorded_at=datetime.combine(on, time(9, 0), tzinfo=UTC),
        replaces=replaces,
    )


def passes_for(referential: Referential, codes, on: date = START, candidate: int = 1) -> list[Entry]:
    """A pass on every requirement (every mapped thematic for E2) of the given competences."""
    out = []
    for code in codes:
        comp = referential.competence(code)
        for modality in comp.modalities:
            if modality == "E2":
                out += [entry(code, "E2", True, on, t, candidate=candidate) for t in comp.thematics]
            else:
                out.append(entry(code, modality, True, on, candidate=candidate))
    return out


def variant_referential(edit) -> Referential:
    """The packaged referential after `edit(data)` changes its parsed YAML."""
    data = copy.deepcopy(yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8")))
    edit(data)
    return build_referential(data)


def decisions(status) -> tuple:
    """What a status decides (met/validated, dates, what is missing), without display details."""
    return (
        status.validated,
        status.date,
        status.missing,
        tuple(
            (
                b.bloc,
                b.validated,
                b.date,
                b.missing,
                tuple(
                    (
                        c.competence,
                        c.validated,
                        c.date,
                        c.missing,
                        tuple((r.modality, r.met, r.date, r.missing_thematics) for r in c.requirements),
                    )
                    for c in b.competences
                ),
            )
            for b in status.blocs
        ),
    )

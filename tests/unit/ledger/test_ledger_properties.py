"""Properties of the ledger's rules over random histories of entries and corrections."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_factories import START, decisions, entry

from quiz.ledger.rules import Entry, certification_status, effective
from quiz.referential import load_referential

REF = load_referential()
# Every requirement of the referential, plus E1 (recorded, never required) and an unmapped E2.
SLOTS = [
    (c.code, m, t)
    for c in REF.competences
    for m in c.modalities
    for t in (c.thematics if m == "E2" else (None,))
] + [("C5", "E1", None), ("C1", "E1", None), ("C13", "E2", 1)]

days = st.integers(min_value=0, max_value=90).map(lambda n: START + timedelta(days=n))
slots = st.sampled_from(SLOTS)


@st.composite
def histories(draw, max_size=40) -> list[Entry]:
    """Entries in recording order; a correction names an earlier effective entry of the same slot."""
    out: list[Entry] = []
    for _ in range(draw(st.integers(0, max_size))):
        live = effective(out)
        if live and draw(st.booleans()) and draw(st.booleans()):
            target = draw(st.sampled_from(live))
            out.append(
                entry(target.competence, target.modality, draw(st.booleans()), draw(days),
                      target.thematic, replaces=target.id)
            )
        else:
            code, modality, thematic = draw(slots)
            out.append(entry(code, modality, draw(st.booleans()), draw(days), thematic))
    return out


def status(entries):
    return certification_status(entries, REF, 1)


@given(histories(), slots, days)
def test_adding_a_failing_entry_never_changes_a_decision(history, slot, day):
    code, modality, thematic = slot
    before = status(history)
    after = status([*history, entry(code, modality, False, day, thematic)])
    assert decisions(after) == decisions(before)


@given(histories(), slots, days)
def test_adding_a_pass_never_takes_anything_away_nor_makes_it_later(history, slot, day):
    code, modality, thematic = slot
    before = status(history)
    after = status([*history, entry(code, modality, True, day, thematic)])
    for old, new in zip(before.requirements, after.requirements, strict=True):
        if old.met:
            assert new.met and new.date <= old.date
    for old_bloc, new_bloc in zip(before.blocs, after.blocs, strict=True):
        if old_bloc.validated:
            assert new_bloc.validated and new_bloc.date <= old_bloc.date


@given(histories(), st.data())
def test_a_correction_changes_only_what_depends_on_the_replaced_entry(history, data):
    live = effective(history)
    if not live:
        return
    target = data.draw(st.sampled_from(live))
    fix = entry(target.competence, target.modality, data.draw(st.booleans()), data.draw(days),
                target.thematic, replaces=target.id)
    before, after = status(history), status([*history, fix])
    for old, new in zip(before.requirements, after.requirements, strict=True):
        if (old.competence, old.modality) != (target.competence, target.modality):
            assert (old.met, old.date, old.missing_thematics) == (new.met, new.date, new.missing_thematics)
    for old_bloc, new_bloc in zip(before.blocs, after.blocs, strict=True):
        for old, new in zip(old_bloc.competences, new_bloc.competences, strict=True):
            if old.competence != target.competence:
                assert (old.validated, old.date, old.missing) == (new.validated, new.date, new.missing)
        if REF.competence(target.competence).bloc != old_bloc.bloc:
            assert (old_bloc.validated, old_bloc.date) == (new_bloc.validated, new_bloc.date)


@given(histories())
def test_statuses_are_consistent_from_requirement_to_title(history):
    s = status(history)
    for bloc in s.blocs:
        for comp in bloc.competences:
            assert comp.validated == all(r.met for r in comp.requirements)
            assert comp.missing == tuple(r.modality for r in comp.requirements if not r.met)
            if comp.validated:
                assert comp.date == max(r.date for r in comp.requirements)
            else:
                assert comp.date is None
            for r in comp.requirements:
                assert (r.date is not None) == r.met
        assert bloc.validated == all(c.validated for c in bloc.competences)
        assert bloc.validated == (bloc.missing == ())
        if bloc.validated:
            assert bloc.date == max(c.date for c in bloc.competences)
        else:
            assert bloc.date is None
    assert s.validated == all(b.validated for b in s.blocs)
    assert [b.bloc for b in s.validated_blocs] == [b.bloc for b in s.blocs if b.validated]
    assert s.partial == (not s.validated and any(b.validated for b in s.blocs))


@given(histories(), st.randoms(use_true_random=False))
def test_the_order_entries_are_listed_in_does_not_matter(history, rnd: random.Random):
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert status(shuffled) == status(history)


@settings(max_examples=50)
@given(histories(), st.sampled_from(REF.blocs), st.data())
def test_a_bloc_is_never_validated_with_a_competence_missing(history, bloc, data):
    """Even after passing everything else in the bloc, withholding one competence keeps it open."""
    left_out = data.draw(st.sampled_from(bloc.competences))
    kept = [e for e in history if e.competence != left_out]
    extra = [
        entry(code, m, True, START, t)
        for code, m, t in SLOTS
        if code in bloc.competences and code != left_out and m != "E1"
    ]
    s = status(kept + extra)
    assert not s.bloc(bloc.code).validated
    assert left_out in s.bloc(bloc.code).missing
    assert not s.validated

"""The ledger's status rules, case by case (ARCHITECTURE.md, "How the ledger decides")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from ledger_factories import START, decisions, entry, passes_for, variant_referential

from quiz.ledger.rules import (
    Entry,
    State,
    certification_status,
    certification_statuses,
    effective,
)
from quiz.referential import load_referential

REF = load_referential()
D1, D2, D3, D4 = (START + timedelta(days=n) for n in (0, 10, 20, 30))
B1 = [c.code for c in REF.competences_of("B1")]
B2 = [c.code for c in REF.competences_of("B2")]
B3 = [c.code for c in REF.competences_of("B3")]


def status(*entries, referential=REF):
    return certification_status(entries, referential, candidate=1)


# --- requirements -----------------------------------------------------------------------------


def test_nothing_recorded_means_nothing_validated_and_everything_missing():
    s = status()
    assert not s.validated and s.date is None
    assert s.missing == ("B1", "B2", "B3")
    assert s.validated_blocs == () and not s.partial
    assert all(r.state is State.PENDING and not r.met for r in s.requirements)
    assert s.competence("C5").missing == ("E4",)
    assert s.state is State.PENDING


def test_a_pass_meets_the_requirement_with_its_date():
    r = status(entry("C5", "E4", True, D2)).requirement("C5", "E4")
    assert r.met and r.date == D2 and r.state is State.MET


def test_a_fail_leaves_the_requirement_unmet_but_evaluated():
    r = status(entry("C5", "E4", False, D1)).requirement("C5", "E4")
    assert not r.met and r.date is None and r.state is State.FAILED


def test_fail_then_pass_is_met_on_the_day_of_the_pass():
    r = status(entry("C5", "E4", False, D1), entry("C5", "E4", True, D2)).requirement("C5", "E4")
    assert r.met and r.date == D2


def test_a_later_fail_does_not_undo_a_pass():
    r = status(entry("C5", "E4", True, D1), entry("C5", "E4", False, D3)).requirement("C5", "E4")
    assert r.met and r.date == D1


def test_the_date_is_the_earliest_pass_whatever_the_recording_order():
    r = status(entry("C5", "E4", True, D3), entry("C5", "E4", True, D1)).requirement("C5", "E4")
    assert r.date == D1


def test_assessed_on_wins_over_the_recording_day():
    late = Entry(1, 1, "C5", "E4", None, True, datetime(2026, 3, 1, 9, tzinfo=UTC), assessed_on=D1)
    assert status(late).requirement("C5", "E4").date == D1


def test_an_entry_for_another_modality_does_not_meet_the_requirement():
    s = status(entry("C5", "E5", True, D1), entry("C5", "E3", True, D1))
    assert not s.requirement("C5", "E4").met
    assert not s.competence("C5").validated


def test_entries_for_unknown_competences_are_ignored():
    assert decisions(status(entry("C99", "E4", True, D1))) == decisions(status())


# --- corrections --------------------------------------------------------------------------------


def test_a_correction_of_a_pass_into_a_fail_unmeets_the_requirement():
    p = entry("C5", "E4", True, D1)
    r = status(p, entry("C5", "E4", False, D2, replaces=p.id)).requirement("C5", "E4")
    assert not r.met and r.date is None and r.state is State.FAILED


def test_a_correction_of_a_fail_into_a_pass_meets_it_on_the_corrections_day():
    f = entry("C5", "E4", False, D1)
    r = status(f, entry("C5", "E4", True, D2, replaces=f.id)).requirement("C5", "E4")
    assert r.met and r.date == D2


def test_correcting_one_of_two_passes_keeps_the_other():
    first, second = entry("C5", "E4", True, D1), entry("C5", "E4", True, D3)
    r = status(first, second, entry("C5", "E4", False, D4, replaces=first.id)).requirement("C5", "E4")
    assert r.met and r.date == D3


def test_corrections_chain_and_a_replaced_entry_stays_replaced():
    a = entry("C5", "E4", True, D1)
    b = entry("C5", "E4", False, D2, replaces=a.id)
    c = entry("C5", "E4", True, D3, replaces=b.id)
    assert [e.id for e in effective([a, b, c])] == [c.id]
    r = status(a, b, c).requirement("C5", "E4")
    assert r.met and r.date == D3


def test_a_correction_of_a_later_fail_changes_nothing_while_a_pass_stands():
    p, f = entry("C5", "E4", True, D1), entry("C5", "E4", False, D2)
    s = status(p, f, entry("C5", "E4", False, D3, replaces=f.id))
    assert s.requirement("C5", "E4").date == D1


def test_effective_entries_come_in_chronological_order():
    late, early = entry("C5", "E4", True, D3), entry("C5", "E4", True, D1)
    assert effective([late, early]) == [early, late]


# --- E2 ------------------------------------------------------------------------------------------


def test_e2_with_rule_all_needs_every_mapped_thematic():
    c13 = REF.competence("C13")
    assert c13.e2_rule == "all" and c13.thematics == (2, 3)
    r = status(entry("C13", "E2", True, D1, thematic=2)).requirement("C13", "E2")
    assert not r.met and r.missing_thematics == (3,) and r.state is State.IN_PROGRESS
    assert r.passed_thematics == ((2, D1),)


def test_e2_all_is_dated_by_the_latest_of_each_thematics_earliest_pass():
    s = status(
        entry("C13", "E2", True, D1, thematic=2),
        entry("C13", "E2", True, D3, thematic=3),
        entry("C13", "E2", True, D4, thematic=2),
        entry("C13", "E2", True, D2, thematic=3),
    )
    r = s.requirement("C13", "E2")
    assert r.met and r.date == D2 and r.missing_thematics == ()


def test_e2_a_failed_thematic_stays_missing():
    s = status(entry("C13", "E2", True, D1, thematic=2), entry("C13", "E2", False, D2, thematic=3))
    assert s.requirement("C13", "E2").missing_thematics == (3,)


def test_e2_entries_for_an_unmapped_or_missing_thematic_do_not_count():
    s = status(entry("C13", "E2", True, D1, thematic=1), entry("C13", "E2", True, D1, thematic=None))
    r = s.requirement("C13", "E2")
    assert not r.met and r.missing_thematics == (2, 3) and r.state is State.PENDING


def test_e2_single_thematic_competence():
    assert REF.competence("C16").thematics == (5,)
    assert status(entry("C16", "E2", True, D2, thematic=5)).requirement("C16", "E2").date == D2


def any_referential():
    def edit(data):
        for c in data["competences"]:
            if c["code"] == "C13":
                c["e2_rule"] = "any"

    return variant_referential(edit)


def test_e2_with_rule_any_needs_one_thematic_and_takes_the_earliest_pass():
    ref = any_referential()
    s = status(
        entry("C13", "E2", True, D3, thematic=2),
        entry("C13", "E2", True, D2, thematic=3),
        referential=ref,
    )
    r = s.requirement("C13", "E2")
    assert r.met and r.date == D2 and r.missing_thematics == ()
    one = status(entry("C13", "E2", True, D3, thematic=3), referential=ref).requirement("C13", "E2")
    assert one.met and one.date == D3


def test_e2_any_unmet_lists_every_thematic_without_a_pass():
    s = status(entry("C13", "E2", False, D1, thematic=2), referential=any_referential())
    r = s.requirement("C13", "E2")
    assert not r.met and r.missing_thematics == (2, 3)


def test_e2_correction_of_a_thematic_pass():
    p2 = entry("C13", "E2", True, D1, thematic=2)
    p3 = entry("C13", "E2", True, D1, thematic=3)
    s = status(p2, p3, entry("C13", "E2", False, D2, thematic=3, replaces=p3.id))
    assert s.requirement("C13", "E2").missing_thematics == (3,)


# --- E1 ------------------------------------------------------------------------------------------


def test_e1_is_recorded_but_counts_for_nothing_in_the_current_referential():
    assert not REF.competences_requiring("E1")
    assert decisions(status(entry("C5", "E1", True, D1))) == decisions(status())


def test_e1_counts_where_the_referential_requires_it():
    def edit(data):
        for c in data["competences"]:
            if c["code"] == "C5":
                c["requires"].append({"modality": "E1", "wording": "Rapport d'activité"})

    ref = variant_referential(edit)
    only_e4 = status(entry("C5", "E4", True, D1), referential=ref).competence("C5")
    assert not only_e4.validated and only_e4.missing == ("E1",)
    both = status(entry("C5", "E4", True, D1), entry("C5", "E1", True, D2), referential=ref).competence("C5")
    assert both.validated and both.date == D2


# --- competences, blocs, title -----------------------------------------------------------------


def test_a_competence_needs_every_required_modality_and_takes_the_latest_date():
    s = status(entry("C16", "E4", True, D1), entry("C16", "E3", True, D3))
    c = s.competence("C16")
    assert not c.validated and c.missing == ("E2",) and c.date is None and c.state is State.IN_PROGRESS
    s = status(entry("C16", "E4", True, D1), entry("C16", "E3", True, D3), entry("C16", "E2", True, D2, 5))
    assert s.competence("C16").validated and s.competence("C16").date == D3


@pytest.mark.parametrize("left_out", B2)
def test_a_bloc_with_one_competence_missing_is_not_validated(left_out):
    s = status(*passes_for(REF, [c for c in B2 if c != left_out], D1))
    b = s.bloc("B2")
    assert not b.validated and b.missing == (left_out,) and b.date is None
    assert b.state is State.IN_PROGRESS


def test_a_bloc_with_every_competence_is_validated_on_the_latest_date():
    entries = passes_for(REF, B3[:-1], D1) + passes_for(REF, B3[-1:], D3)
    b = status(*entries).bloc("B3")
    assert b.validated and b.date == D3 and b.missing == ()


def test_partial_certification_is_the_set_of_validated_blocs():
    s = status(*passes_for(REF, B2, D2), *passes_for(REF, B3, D1))
    assert not s.validated and s.partial and s.date is None
    assert [(b.bloc, b.date) for b in s.validated_blocs] == [("B2", D2), ("B3", D1)]
    assert s.missing == ("B1",)


def test_the_title_needs_the_three_blocs_and_takes_the_latest_date():
    s = status(*passes_for(REF, B1, D1), *passes_for(REF, B2, D4), *passes_for(REF, B3, D2))
    assert s.validated and s.date == D4 and s.missing == () and not s.partial
    assert s.state is State.MET


def test_a_single_correction_can_take_the_title_away():
    entries = passes_for(REF, B1 + B2 + B3, D1)
    target = next(e for e in entries if e.competence == "C12" and e.modality == "E5")
    s = status(*entries, entry("C12", "E5", False, D2, replaces=target.id))
    assert not s.validated and s.missing == ("B3",) and s.bloc("B3").missing == ("C12",)
    assert [b.bloc for b in s.validated_blocs] == ["B1", "B2"]


def test_statuses_for_many_candidates_stay_separate():
    a = passes_for(REF, B3, D1, candidate=1)
    b = passes_for(REF, B3, D2, candidate=2)
    # An id from candidate 1 named by candidate 2's correction must not touch candidate 1.
    b.append(entry("C10", "E4", False, D3, replaces=a[0].id, candidate=2))
    statuses = certification_statuses(a + b, REF, [1, 2, 3])
    assert statuses[1].bloc("B3").validated and statuses[1].bloc("B3").date == D1
    assert statuses[2].bloc("B3").date == D2
    assert statuses[3].validated_blocs == ()
    assert statuses[2].candidate == 2


def test_statuses_are_immutable():
    s = status()
    with pytest.raises(AttributeError):
        s.validated = True


def test_entry_day_defaults_to_the_recording_day():
    e = Entry(1, 1, "C5", "E4", None, True, datetime(2026, 2, 3, 23, 59, tzinfo=UTC))
    assert e.day == date(2026, 2, 3)

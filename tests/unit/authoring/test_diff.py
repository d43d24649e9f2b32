"""The per-question diff between two texts of a bank."""

from __future__ import annotations

from quiz.authoring.diff import DiffLine, diff_texts, line_diff
from tests.unit.banks.banktext import MULTIPLE, NUMERIC, SINGLE, TRUEFALSE, bank

FILE = "01-analyse-financiere.md"


def test_first_publication_adds_every_question():
    diff = diff_texts(None, bank(SINGLE, MULTIPLE), FILE)
    assert [c.qid for c in diff.added] == ["AF-001", "AF-002"]
    assert diff.changed == diff.retired == ()
    assert diff.added[0].lines[0] == DiffLine("+", "## AF-001 · Besoin en fonds de roulement")
    assert all(line.kind == "+" for line in diff.added[0].lines)


def test_added_changed_retired_and_unchanged():
    old = bank(SINGLE, MULTIPLE, TRUEFALSE)
    new = bank(SINGLE.replace("Quel est le BFRE ?", "Quel est le BFR d'exploitation ?"), TRUEFALSE, NUMERIC)
    diff = diff_texts(old, new, FILE)
    assert [c.qid for c in diff.added] == ["AF-004"]
    assert [c.qid for c in diff.retired] == ["AF-002"]
    assert [c.qid for c in diff.changed] == ["AF-001"]
    assert diff.unchanged == 1
    changes = [line for line in diff.changed[0].lines if line.kind != " "]
    assert changes == [DiffLine("-", "Quel est le BFRE ?"), DiffLine("+", "Quel est le BFR d'exploitation ?")]
    assert all(line.kind == "-" for line in diff.retired[0].lines)
    assert not diff.empty


def test_a_change_of_layout_only_is_not_a_change():
    old = bank(SINGLE, TRUEFALSE)
    new = bank(SINGLE.replace("Quel est le BFRE ?", "Quel est le BFRE ?   "), TRUEFALSE)
    diff = diff_texts(old, new, FILE)
    assert diff.empty
    assert diff.unchanged == 2


def test_a_question_moved_in_the_file_is_unchanged():
    diff = diff_texts(bank(SINGLE, TRUEFALSE), bank(TRUEFALSE, SINGLE), FILE)
    assert diff.empty


def test_line_diff_keeps_common_lines():
    assert line_diff(["a", "b", "c"], ["a", "x", "c"]) == (
        DiffLine(" ", "a"), DiffLine("-", "b"), DiffLine("+", "x"), DiffLine(" ", "c"),
    )

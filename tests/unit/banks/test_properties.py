"""Property-based tests: any bank the writer produces parses back to the same model, and no
input, however broken, makes the checker raise or report a line below 1."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.banks import Problem, check_banks, parse_bank
from quiz.banks.checker import INTERNAL_ERROR
from quiz.banks.writer import bank_markdown
from quiz.referential import load_referential
from tests.unit.banks.banktext import VALID
from tests.unit.banks.strategies import banks

REF = load_referential()
NAME = "01-analyse-financiere.md"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_only_problems(text: str) -> None:
    result = check_banks({NAME: text}, REF, require_all_thematics=False)
    assert all(isinstance(p, Problem) and p.line >= 1 for p in result.problems)
    assert not any(INTERNAL_ERROR in p.message for p in result.problems), result.problems
    assert [(p.file, p.line) for p in result.problems] == sorted((p.file, p.line) for p in result.problems)


@FAST
@given(banks())
def test_generated_banks_parse_back_to_the_same_model(bank):
    text = bank_markdown(bank)
    parsed, problems = parse_bank(text, NAME, REF)
    assert problems == [], "\n".join(map(str, problems)) + "\n" + text
    assert parsed == bank
    assert [q.to_payload() for q in parsed.questions] == [q.to_payload() for q in bank.questions]


@FAST
@given(banks(), st.data())
def test_generated_banks_parse_with_crlf_and_bom(bank, data):
    text = bank_markdown(bank)
    text = "\ufeff" + text.replace("\n", "\r\n") if data.draw(st.booleans()) else text.replace("\n", "\r")
    parsed, problems = parse_bank(text, NAME, REF)
    assert problems == [] and parsed == bank


def _mutate(lines: list[str], data) -> list[str]:
    kind = data.draw(st.sampled_from(["delete", "duplicate", "truncate", "swap", "replace", "insert"]))
    if not lines:
        return lines
    index = data.draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        return lines[:index] + lines[index + 1:]
    if kind == "duplicate":
        return lines[: index + 1] + lines[index:]
    if kind == "truncate":
        cut = data.draw(st.integers(0, len(lines[index])))
        return [*lines[:index], lines[index][:cut]]
    if kind == "swap":
        other = data.draw(st.integers(0, len(lines) - 1))
        lines = list(lines)
        lines[index], lines[other] = lines[other], lines[index]
        return lines
    junk = data.draw(st.one_of(
        st.text(max_size=30),
        st.sampled_from(["---", "```", "```yaml", "## ", "### Réponses", "### Explication", "- [x]", "1.", "|",
                         "| a |", "type: [", "answer: .nan", "tolerance: 1e999", "key: &a [*a]", "\t- x",
                         ": :", "competences: {a: b}", "answer: 2001-13-45", "tags: [no]", "> x", "  > x",
                         "difficulty: 1:30", "|---|---|", "## AF-001 · x", "![](x)", "<div>", "\ufeff", "\x00"]),
    ))
    if kind == "replace":
        return [*lines[:index], junk, *lines[index + 1:]]
    return [*lines[:index], junk, *lines[index:]]


def _mutated(source: str, data, most: int) -> str:
    """The source with one to `most` line mutations applied one after the other."""
    lines = source.split("\n")
    for _ in range(data.draw(st.integers(1, most))):
        lines = _mutate(lines, data)
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutations_of_a_valid_bank_give_only_problems(data):
    assert_only_problems(_mutated(VALID, data, most=4))


@FAST
@given(banks(max_questions=3), st.data())
def test_mutations_of_generated_banks_give_only_problems(bank, data):
    assert_only_problems(_mutated(bank_markdown(bank), data, most=3))


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_give_only_problems(raw):
    assert_only_problems(raw.decode("utf-8", errors="replace"))
    assert_only_problems(raw.decode("latin-1"))


@FAST
@given(st.text(max_size=300))
def test_random_text_after_a_valid_header_gives_only_problems(text):
    assert_only_problems(VALID.split("## AF-001")[0] + text)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_thousands_of_mutated_banks_give_only_located_problems(data):
    """The fuzzing campaign of the security review: 3,000 banks, each mutated up to six times."""
    assert_only_problems(_mutated(VALID, data, most=6))

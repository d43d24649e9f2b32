"""What changed between two texts of a bank, question by question (pure).

A question is *changed* when its canonical content (the payload that is versioned) differs, so a
re-indented table or a moved blank line is not reported; the line diff shown is of the
question's own Markdown as the trainer wrote it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from quiz.banks.model import Question
from quiz.banks.parser import BankParser, parse_heading


@dataclass(frozen=True)
class DiffLine:
    """One line of a line diff: kind is " " (kept), "-" (removed) or "+" (added)."""

    kind: str
    text: str


@dataclass(frozen=True)
class QuestionChange:
    qid: str
    title: str
    lines: tuple[DiffLine, ...] = ()


@dataclass(frozen=True)
class BankDiff:
    added: tuple[QuestionChange, ...] = ()
    changed: tuple[QuestionChange, ...] = ()
    retired: tuple[QuestionChange, ...] = ()
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.retired)


def _parse(text: str, filename: str) -> tuple[dict[str, Question], dict[str, list[str]], list[str]]:
    """Questions by id, each question's source lines, and problems (as text)."""
    parser = BankParser(text, filename)
    bank, problems = parser.run()
    starts = sorted(parser.section_starts)
    sources: dict[str, list[str]] = {}
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(parser.lines)
        qid, _title, _ok = parse_heading(parser.lines[start])
        if qid:
            chunk = parser.lines[start:end]
            while chunk and not chunk[-1].strip():
                chunk.pop()
            sources[qid] = chunk
    questions = {q.id: q for q in bank.questions} if bank else {}
    return questions, sources, [str(p) for p in problems]


def line_diff(old: list[str], new: list[str]) -> tuple[DiffLine, ...]:
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(DiffLine(" ", line) for line in old[i1:i2])
            continue
        out.extend(DiffLine("-", line) for line in old[i1:i2])
        out.extend(DiffLine("+", line) for line in new[j1:j2])
    return tuple(out)


def diff_texts(old_text: str | None, new_text: str, filename: str) -> BankDiff:
    """Questions added, changed (with a line diff) and retired from `old_text` to `new_text`;
    with no old text (a first publication) every question is added."""
    old, old_src, old_problems = _parse(old_text, filename) if old_text is not None else ({}, {}, [])
    new, new_src, new_problems = _parse(new_text, filename)
    added = [QuestionChange(q.id, q.title, tuple(DiffLine("+", s) for s in new_src.get(q.id, ()))) for q in
             new.values() if q.id not in old]
    retired = [QuestionChange(q.id, q.title, tuple(DiffLine("-", s) for s in old_src.get(q.id, ()))) for q in
               old.values() if q.id not in new]
    changed = [
        QuestionChange(q.id, q.title, line_diff(old_src.get(q.id, []), new_src.get(q.id, [])))
        for q in new.values()
        if q.id in old and old[q.id].to_payload() != q.to_payload()
    ]
    unchanged = sum(1 for q in new.values() if q.id in old and old[q.id].to_payload() == q.to_payload())
    return BankDiff(tuple(added), tuple(changed), tuple(retired), unchanged, old_problems + new_problems)

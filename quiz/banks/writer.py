"""Bank model -> Markdown in the bank format (used by `convert` and by round-trip tests).

Every value that differs from the bank's effective default is written in the question's
metadata, so that parsing the output gives back the same model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from quiz.banks.model import CASE_TYPE, CHOICE_TYPES, DATE_KEYS, DEFAULT_NORMALISE, Bank, Case, Choice, Question
from quiz.banks.numbers import canonical

_PLAIN_SCALAR = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9_.\-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
BUILTIN_DEFAULTS: dict[str, Any] = {
    "difficulty": 2, "competences": (), "tags": (), "shuffle": True, "scoring": "all-or-nothing",
}


def yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN_SCALAR.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def yaml_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(v) for v in values) + "]"


def _indent(text: str, first: str, rest: str) -> list[str]:
    lines = text.split("\n")
    return [first + lines[0]] + [(rest + line) if line else "" for line in lines[1:]]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _tolerance(tolerance) -> str:
    return json.dumps(str(tolerance)) if tolerance.relative else str(tolerance)


def _mark(choice: Choice, q: Question) -> str:
    """[x] and [ ] for 100 % and 0 %, a percentage otherwise (only in weighted questions); a
    weighted choice question whose weights are all 0 or 100 says "100%" to stay weighted."""
    if not q.weighted:
        return "x" if choice.correct else " "
    explicit = q.type != "short" and all(c.weight in (0, 100) for c in q.choices)
    if choice.weight == 100:
        return "100%" if explicit else "x"
    if not choice.weight:
        return " "
    return f"{canonical(choice.weight)}%"


def case_markdown(case: Case) -> str:
    return "\n".join([f"## {case.id} · {case.title}", "", "```yaml", f"type: {CASE_TYPE}", "```", "", case.text, ""])


def question_markdown(question: Question, defaults: dict[str, Any] | None = None) -> str:
    defaults = {**BUILTIN_DEFAULTS, **(defaults or {})}
    q = question
    meta = [f"type: {q.type}"]
    if q.difficulty != defaults["difficulty"]:
        meta.append(f"difficulty: {q.difficulty}")
    if tuple(q.competences) != tuple(defaults["competences"]):
        meta.append(f"competences: {yaml_list(q.competences)}")
    if tuple(q.tags) != tuple(defaults["tags"]):
        meta.append(f"tags: {yaml_list(q.tags)}")
    if q.type in CHOICE_TYPES and q.shuffle != defaults["shuffle"]:
        meta.append(f"shuffle: {yaml_scalar(q.shuffle)}")
    if q.case is not None:
        meta.append(f"case: {q.case.id}")
    if q.source_id:
        meta.append(f"source_id: {json.dumps(q.source_id, ensure_ascii=False)}")
    if q.type == "short" and tuple(q.normalise) != DEFAULT_NORMALISE:
        meta.append(f"normalise: {yaml_list(q.normalise)}")
    if q.type == "multiple" and not q.weighted and q.scoring != defaults["scoring"]:
        meta.append(f"scoring: {q.scoring}")
    if q.type == "matching" and q.scoring != "all-or-nothing":
        meta.append(f"scoring: {q.scoring}")
    if q.type == "truefalse":
        meta.append(f"answer: {yaml_scalar(bool(q.answer))}")
    if q.type == "calculated":
        meta.append("variables:")
        meta += [f"  {v.name}: {{min: {canonical(v.min)}, max: {canonical(v.max)}, step: {canonical(v.step)}}}"
                 for v in q.variables]
        if q.constraints:
            meta.append(f"constraints: {json.dumps(list(q.constraints), ensure_ascii=False)}")
        meta.append(f"answer: {json.dumps(q.formula, ensure_ascii=False)}")
        meta.append(f"tolerance: {json.dumps(str(q.tolerance)) if q.tolerance.relative else q.tolerance}")  # type: ignore[union-attr]
        if q.unit:
            meta.append(f"unit: {json.dumps(q.unit, ensure_ascii=False)}")
        meta.append(f"decimals: {q.decimals}")
        if q.answer_range is not None:
            meta.append(f"answer_range: [{canonical(q.answer_range[0])}, {canonical(q.answer_range[1])}]")
    for key in DATE_KEYS:
        if getattr(q, key):
            meta.append(f"{key}: {getattr(q, key)}")
    if q.waive:
        meta.append("waive:")
        meta += [f"  {rule}: {json.dumps(reason, ensure_ascii=False)}" for rule, reason in q.waive]
    if q.type == "numeric":
        meta.append(f"answer: {canonical(q.answer)}")  # type: ignore[arg-type]
        tolerance = str(q.tolerance)
        if str(defaults.get("tolerance", "")) != tolerance:
            meta.append(f"tolerance: {json.dumps(tolerance) if q.tolerance.relative else tolerance}")  # type: ignore[union-attr]
        if q.unit and q.unit != defaults.get("unit"):
            meta.append(f"unit: {json.dumps(q.unit, ensure_ascii=False)}")
        if q.partial:
            meta.append("partial:")
            meta += [f"  - {{answer: {canonical(p.answer)}, tolerance: {_tolerance(p.tolerance)}, "
                     f"credit: {canonical(p.credit)}}}" for p in q.partial]
    out = [f"## {q.id} · {q.title}", "", "```yaml", *meta, "```", "", q.stem, ""]
    if q.type in CHOICE_TYPES or q.type == "short":
        out += ["### Réponses", ""]
        for choice in q.choices:
            out += _indent(choice.text, f"- [{_mark(choice, q)}] ", "  ")
            if choice.feedback:
                out += [f"  > {line}" if line else "  >" for line in choice.feedback.split("\n")]
        out.append("")
    elif q.type == "ordering":
        out += ["### Réponses", ""]
        for number, item in enumerate(q.items, start=1):
            out += _indent(item.text, f"{number}. ", " " * (len(str(number)) + 2))
        out.append("")
    elif q.type == "matching":
        left, right = q.columns or ("Élément", "Correspondance")
        out += ["### Réponses", "", f"| {_cell(left)} | {_cell(right)} |", "| --- | --- |"]
        out += [f"| {_cell(p.left)} | {_cell(p.right)} |" for p in q.pairs]
        out.append("")
    out += ["### Explication", "", q.explanation, ""]
    return "\n".join(out)


def bank_markdown(bank: Bank) -> str:
    header = ["---", f"thematic: {bank.thematic}", f"prefix: {bank.prefix}", f"title: {yaml_scalar(bank.title)}"]
    if bank.language != "fr":
        header.append(f"language: {bank.language}")
    if bank.defaults:
        header.append("defaults:")
        for key, value in bank.defaults.items():
            if key in ("competences", "tags"):
                rendered = yaml_list(value)
            elif key == "tolerance":
                rendered = json.dumps(str(value)) if value.relative else str(value)
            else:
                rendered = yaml_scalar(value)
            header.append(f"  {key}: {rendered}")
    header += ["---", "", f"# {bank.heading or bank.title}", ""]
    if bank.intro:
        header += [bank.intro, ""]
    return "\n".join(header) + "\n" + questions_markdown(bank)


def questions_markdown(bank: Bank) -> str:
    """The question sections of a bank, each case written before its first question."""
    sections: list[str] = []
    written: set[str] = set()
    for q in bank.questions:
        if q.case is not None and q.case.id not in written:
            written.add(q.case.id)
            sections.append(case_markdown(q.case))
        sections.append(question_markdown(q, bank.defaults))
    return "\n".join(sections)

"""The typed model of a question bank: frozen values that keep the line of everything.

Line numbers never take part in equality: two questions are equal when their content is, which
is what round trips and versioning compare. `Question.to_payload()` is the canonical content of
one version (what is hashed and stored); `Question.from_payload()` reads it back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from quiz.banks.calculated import Variable
from quiz.banks.numbers import canonical

QuestionType = Literal["single", "multiple", "truefalse", "numeric", "ordering", "matching", "short", "calculated"]
TYPES: tuple[str, ...] = ("single", "multiple", "truefalse", "numeric", "ordering", "matching", "short", "calculated")
# Dated rules (any type): ISO dates, kept as written.
DATE_KEYS = ("law_as_of", "valid_until", "review_by")
CHOICE_TYPES = ("single", "multiple")
LIST_TYPES = ("single", "multiple", "ordering", "matching", "short")
SCORINGS = ("all-or-nothing", "partial")
CASE_TYPE = "case"
# What a short answer may ignore when it compares a response with an accepted answer.
NORMALISATIONS = ("case", "accents", "spaces", "punctuation")
DEFAULT_NORMALISE = ("case", "spaces")
# Moodle writes thirds, sixths… rounded to 5 decimals: weights summing to 99.999 % give full credit
# as far as the checks go (the credit itself stays exact, as in Moodle).
FULL_CREDIT = Decimal("99.999")


def letter_id(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa": short ids that read well in a response."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def hidden_order_ids(texts: list[str], salt: str) -> list[str]:
    """Ids that do not reveal the order of the texts (letters ranked by a hash of each text).

    Ordering items are written in the correct order and matching rows pair left with right;
    ids in file order would give the answer away to anyone who sees the ids.
    """
    keys = [hashlib.sha256(f"{salt}\x00{i}\x00{t}".encode()).hexdigest() for i, t in enumerate(texts)]
    rank = {k: n for n, k in enumerate(sorted(keys))}
    return [letter_id(rank[k]) for k in keys]


@dataclass(frozen=True)
class Choice:
    """An option of a choice question, or an accepted answer of a short-answer question.

    `weight` (a percentage, -100 to 100) is set on every choice of a weighted question, as Moodle
    grades: the credit is the weight of the chosen option, or the sum of the ticked ones, clipped
    to [0, 1]. Unweighted questions keep the bank's right/wrong marks and their `scoring`.
    """

    id: str
    text: str
    correct: bool
    feedback: str | None = None
    line: int = field(default=0, compare=False)
    weight: Decimal | None = None


@dataclass(frozen=True)
class NumericAnswer:
    """A further accepted value of a numeric question and its credit (a percentage)."""

    answer: Decimal
    tolerance: Tolerance
    credit: Decimal
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Case:
    """A shared case text introducing the questions that follow it (drawn and shown together)."""

    id: str
    title: str
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class OrderItem:
    id: str
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MatchPair:
    left_id: str
    left: str
    right_id: str
    right: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Tolerance:
    """Absolute (`0.5`) or relative to the answer (`1%`, stored as value=1, relative=True)."""

    value: Decimal
    relative: bool = False

    def margin(self, answer: Decimal) -> Decimal:
        return abs(answer) * self.value / 100 if self.relative else self.value

    def __str__(self) -> str:
        return f"{canonical(self.value)}%" if self.relative else canonical(self.value)

    @classmethod
    def parse(cls, text: str) -> Tolerance:
        text = str(text).strip()
        if text.endswith("%"):
            return cls(Decimal(text[:-1].strip()), relative=True)
        return cls(Decimal(text))


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    type: str
    stem: str
    explanation: str
    difficulty: int = 2
    competences: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    shuffle: bool = True
    scoring: str = "all-or-nothing"
    choices: tuple[Choice, ...] = ()
    items: tuple[OrderItem, ...] = ()
    pairs: tuple[MatchPair, ...] = ()
    columns: tuple[str, str] | None = None
    answer: bool | Decimal | None = None
    tolerance: Tolerance | None = None
    unit: str | None = None
    partial: tuple[NumericAnswer, ...] = ()
    normalise: tuple[str, ...] = DEFAULT_NORMALISE
    case: Case | None = None
    case_position: int = 0  # 1, 2… within its case, in the bank's order
    source_id: str | None = None
    # calculated: the grid of each variable, the constraints an instance satisfies, the key's formula
    variables: tuple[Variable, ...] = ()
    constraints: tuple[str, ...] = ()
    formula: str | None = None
    decimals: int = 2
    answer_range: tuple[Decimal, Decimal] | None = None
    law_as_of: str | None = None
    valid_until: str | None = None
    review_by: str | None = None
    waive: tuple[tuple[str, str], ...] = ()  # (lint rule, reason)
    line: int = field(default=0, compare=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def correct_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices if c.correct)

    @property
    def weighted(self) -> bool:
        return any(c.weight is not None for c in self.choices)

    def to_payload(self) -> dict[str, Any]:
        """The canonical, JSON-serialisable content of this question (one version)."""
        payload: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "stem": self.stem,
            "explanation": self.explanation,
            "difficulty": self.difficulty,
            "competences": list(self.competences),
            "tags": list(self.tags),
        }
        # Keys added by later versions of the format appear only when used, so that the content
        # hash of an existing question (and so its version) does not change.
        if self.source_id:
            payload["source_id"] = self.source_id
        for key in DATE_KEYS:
            if getattr(self, key):
                payload[key] = getattr(self, key)
        if self.waive:
            payload["waive"] = dict(self.waive)
        if self.case is not None:
            payload["case"] = {"id": self.case.id, "title": self.case.title, "text": self.case.text,
                               "position": self.case_position}
        if self.type in CHOICE_TYPES:
            payload["shuffle"] = self.shuffle
            payload["choices"] = [_choice_payload(c) for c in self.choices]
        if self.type == "multiple" and not self.weighted:
            payload["scoring"] = self.scoring
        if self.type == "short":
            payload["normalise"] = list(self.normalise)
            payload["answers"] = [
                {"id": c.id, "text": c.text, "weight": canonical(c.weight or Decimal(0)), "feedback": c.feedback}
                for c in self.choices
            ]
        if self.type == "truefalse":
            payload["answer"] = bool(self.answer)
        if self.type == "numeric":
            assert isinstance(self.answer, Decimal) and self.tolerance is not None
            payload["answer"] = canonical(self.answer)
            payload["tolerance"] = str(self.tolerance)
            payload["unit"] = self.unit
            if self.partial:
                payload["partial"] = [
                    {"answer": canonical(p.answer), "tolerance": str(p.tolerance), "credit": canonical(p.credit)}
                    for p in self.partial
                ]
        if self.type == "calculated":
            assert self.tolerance is not None and self.formula is not None
            payload["variables"] = [v.to_payload() for v in self.variables]
            payload["constraints"] = list(self.constraints)
            payload["formula"] = self.formula
            payload["tolerance"] = str(self.tolerance)
            payload["unit"] = self.unit
            payload["decimals"] = self.decimals
            if self.answer_range is not None:
                payload["answer_range"] = [canonical(x) for x in self.answer_range]
        if self.type == "ordering":
            payload["items"] = [{"id": i.id, "text": i.text} for i in self.items]
        if self.type == "matching" and self.scoring == "partial":
            payload["scoring"] = self.scoring
        if self.type == "matching":
            payload["columns"] = list(self.columns or ("", ""))
            payload["pairs"] = [
                {"left_id": p.left_id, "left": p.left, "right_id": p.right_id, "right": p.right}
                for p in self.pairs
            ]
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Question:
        kind = payload["type"]
        answer: bool | Decimal | None = None
        if kind == "truefalse":
            answer = bool(payload["answer"])
        elif kind == "numeric":
            answer = Decimal(str(payload["answer"]))
        columns = payload.get("columns")
        case = payload.get("case")
        numeric_like = kind in ("numeric", "calculated")
        answer_range = payload.get("answer_range")
        if kind == "short":
            choices = tuple(Choice(a["id"], a["text"], Decimal(a["weight"]) > 0, a.get("feedback"),
                                   weight=Decimal(a["weight"])) for a in payload.get("answers", ()))
        else:
            choices = tuple(Choice(c["id"], c["text"], bool(c["correct"]), c.get("feedback"),
                                   weight=Decimal(c["weight"]) if "weight" in c else None)
                            for c in payload.get("choices", ()))
        return cls(
            id=payload["id"],
            title=payload["title"],
            type=kind,
            stem=payload["stem"],
            explanation=payload["explanation"],
            difficulty=int(payload["difficulty"]),
            competences=tuple(payload.get("competences", ())),
            tags=tuple(payload.get("tags", ())),
            shuffle=bool(payload.get("shuffle", True)),
            scoring=payload.get("scoring", "all-or-nothing"),
            choices=choices,
            items=tuple(OrderItem(i["id"], i["text"]) for i in payload.get("items", ())),
            pairs=tuple(
                MatchPair(p["left_id"], p["left"], p["right_id"], p["right"]) for p in payload.get("pairs", ())
            ),
            columns=(columns[0], columns[1]) if columns else None,
            answer=answer,
            tolerance=Tolerance.parse(payload["tolerance"]) if numeric_like else None,
            unit=payload.get("unit") if numeric_like else None,
            partial=tuple(NumericAnswer(Decimal(p["answer"]), Tolerance.parse(p["tolerance"]), Decimal(p["credit"]))
                          for p in payload.get("partial", ())),
            normalise=tuple(payload.get("normalise", DEFAULT_NORMALISE)),
            case=Case(case["id"], case["title"], case["text"]) if case else None,
            case_position=int(case.get("position", 0)) if case else 0,
            source_id=payload.get("source_id"),
            variables=tuple(Variable.from_payload(v) for v in payload.get("variables", ())),
            constraints=tuple(payload.get("constraints", ())),
            formula=payload.get("formula"),
            decimals=int(payload.get("decimals", 2)),
            answer_range=(Decimal(answer_range[0]), Decimal(answer_range[1])) if answer_range else None,
            law_as_of=payload.get("law_as_of"),
            valid_until=payload.get("valid_until"),
            review_by=payload.get("review_by"),
            waive=tuple((payload.get("waive") or {}).items()),
        )


def _choice_payload(c: Choice) -> dict[str, Any]:
    item: dict[str, Any] = {"id": c.id, "text": c.text, "correct": c.correct, "feedback": c.feedback}
    if c.weight is not None:
        item["weight"] = canonical(c.weight)
    return item


def content_hash(payload: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a payload: equal content, equal hash, on any machine."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Bank:
    filename: str
    thematic: int
    prefix: str
    title: str
    questions: tuple[Question, ...] = ()
    language: str = "fr"
    defaults: dict[str, Any] = field(default_factory=dict)
    heading: str | None = None
    intro: str = ""
    line: int = field(default=1, compare=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def cases(self) -> tuple[Case, ...]:
        """The bank's case contexts, in the order of their first question."""
        seen: dict[str, Case] = {}
        for q in self.questions:
            if q.case is not None:
                seen.setdefault(q.case.id, q.case)
        return tuple(seen.values())

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)

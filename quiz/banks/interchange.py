"""What the exchange formats share: metadata carried as tags, and drafts of imported questions
turned into a bank of this format (ids, defaults, checks)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from quiz.banks.model import (
    Bank,
    Choice,
    MatchPair,
    OrderItem,
    Question,
    Tolerance,
    hidden_order_ids,
    letter_id,
)
from quiz.banks.numbers import canonical
from quiz.banks.parser import parse_bank
from quiz.banks.writer import bank_markdown

PLACEHOLDER_EXPLANATION = "À compléter : la source ne donnait pas d'explication."


def meta_tags(q: Question, *, portable: bool = False) -> list[str]:
    """Tags that carry what the target format has no field for (difficulty, competences …).

    `portable` adds what Moodle XML holds natively but GIFT does not (shuffle, unit).
    """
    tags = [f"difficulty:{q.difficulty}"] + [f"competence:{c}" for c in q.competences]
    if q.type == "multiple":
        tags.append(f"scoring:{q.scoring}")
    if q.type == "numeric" and q.tolerance is not None and q.tolerance.relative:
        tags.append(f"tolerance:{q.tolerance}")
    if q.type == "matching" and q.columns:
        tags.append(f"columns:{q.columns[0]}|{q.columns[1]}")
    if portable and q.type in ("single", "multiple") and not q.shuffle:
        tags.append("shuffle:false")
    if portable and q.type == "numeric" and q.unit:
        tags.append(f"unit:{q.unit}")
    return tags + list(q.tags)


def parse_meta_tags(tags: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"competences": [], "tags": []}
    for raw in tags:
        tag = raw.strip()
        key, _, value = tag.partition(":")
        if key == "difficulty" and value in ("1", "2", "3"):
            meta["difficulty"] = int(value)
        elif key == "competence" and value:
            meta["competences"].append(value)
        elif key == "scoring" and value in ("partial", "all-or-nothing"):
            meta["scoring"] = value
        elif key == "shuffle" and value in ("true", "false"):
            meta["shuffle"] = value == "true"
        elif key in ("tolerance", "unit") and value:
            meta[key] = value
        elif key == "columns" and "|" in value:
            left, _, right = value.partition("|")
            meta["columns"] = (left, right)
        elif tag:
            meta["tags"].append(tag)
    return meta


@dataclass
class Draft:
    """A question read from another format, before it gets an id and becomes a Question."""

    title: str
    source_id: str | None = None
    type: str | None = None
    stem: str = ""
    explanation: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    choices: list[tuple[str, bool, str | None]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    answer: Any = None


def _tolerance(value: Any) -> Tolerance:
    try:
        return Tolerance.parse(str(value))
    except (InvalidOperation, ValueError):
        return Tolerance(Decimal(0))


def drafts_to_bank(
    drafts: list[Draft], *, prefix: str, thematic: int, title: str, referential: Any = None
) -> tuple[str, list[str]]:
    """(Markdown of the bank, losses): what the trainer must complete or check is listed."""
    losses: list[str] = []
    allowed: tuple[str, ...] = ()
    if referential is not None and any(t.number == thematic for t in referential.thematics):
        allowed = referential.thematic(thematic).competences
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d{{3,}})$")
    taken = {d.source_id for d in drafts if d.source_id and pattern.match(d.source_id)}
    numbers = [int(pattern.match(i)[1]) for i in taken]  # type: ignore[index]
    next_number = max(numbers, default=0) + 1
    questions: list[Question] = []
    used: set[str] = set()
    for draft in drafts:
        qid = draft.source_id if draft.source_id in taken and draft.source_id not in used else None
        if qid is None:
            qid = f"{prefix}-{next_number:03d}"
            next_number += 1
        used.add(qid)
        name = f"{qid} ({draft.title})"
        explanation = draft.explanation.strip()
        if not explanation:
            explanation = PLACEHOLDER_EXPLANATION
            losses.append(f"{name} : explication absente — à écrire sous « ### Explication »")
        competences = []
        for code in draft.meta.get("competences", []):
            if not allowed or code in allowed:
                competences.append(code)
            else:
                losses.append(f"{name} : compétence {code} non évaluée par la thématique {thematic} (retirée)")
        common: dict[str, Any] = {
            "id": qid, "title": " ".join(draft.title.split()) or "Sans titre", "type": draft.type,
            "stem": draft.stem.strip() or "À compléter.", "explanation": explanation,
            "difficulty": draft.meta.get("difficulty", 2), "competences": tuple(competences),
            "tags": tuple(draft.meta.get("tags", ())),
        }
        if draft.type in ("single", "multiple"):
            common["choices"] = tuple(Choice(letter_id(i), text, right, feedback or None)
                                      for i, (text, right, feedback) in enumerate(draft.choices))
            common["shuffle"] = draft.meta.get("shuffle", True)
            if draft.type == "multiple":
                common["scoring"] = draft.meta.get("scoring", "partial")
        elif draft.type == "truefalse":
            common["answer"] = bool(draft.answer)
            if draft.answer is None:
                losses.append(f"{name} : bonne réponse introuvable — vérifiez answer")
        elif draft.type == "numeric":
            answer = draft.answer if isinstance(draft.answer, Decimal) else Decimal(0)
            if draft.answer is None:
                losses.append(f"{name} : valeur attendue introuvable — vérifiez answer")
            common["answer"] = answer
            common["tolerance"] = _tolerance(draft.meta.get("tolerance", "0"))
            common["unit"] = draft.meta.get("unit")
        elif draft.type == "ordering":
            ids = hidden_order_ids(draft.items, qid)
            common["items"] = tuple(OrderItem(i, t) for i, t in zip(ids, draft.items, strict=True))
        elif draft.type == "matching":
            rights = [r for _, r in draft.pairs]
            right_ids = hidden_order_ids(rights, qid + ":right")
            common["pairs"] = tuple(MatchPair(letter_id(i), left, right_ids[i], right)
                                    for i, (left, right) in enumerate(draft.pairs))
            common["columns"] = draft.meta.get("columns", ("Élément", "Correspondance"))
        questions.append(Question(**common))
    bank = Bank(filename=f"{thematic:02d}.md", thematic=thematic, prefix=prefix, title=title,
                questions=tuple(questions), heading=title)
    text = bank_markdown(bank)
    _, problems = parse_bank(text, "converti.md", referential)
    losses += [f"à corriger : ligne {p.line} : {p.qid + ' : ' if p.qid else ''}{p.message}" for p in problems]
    return text, losses


__all__ = ["Draft", "canonical", "drafts_to_bank", "meta_tags", "parse_meta_tags"]

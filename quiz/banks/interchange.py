"""What the exchange formats share: metadata carried as tags, and drafts of imported questions
turned into a bank of this format (ids, scoring, checks), with a report of every question.

Scoring is preserved or the question is refused: Moodle grades a choice question by the weight
of the chosen option (or the sum of the ticked ones), a numeric or short answer by the first
matching answer, always clipped to [0, 1]; a draft keeps Moodle's weights and order, and the
conversion keeps the platform's plain right/wrong marks only where they grade the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from quiz.banks.model import (
    DATE_KEYS,
    DEFAULT_NORMALISE,
    FULL_CREDIT,
    NORMALISATIONS,
    Bank,
    Case,
    Choice,
    MatchPair,
    NumericAnswer,
    OrderItem,
    Question,
    Tolerance,
    hidden_order_ids,
    letter_id,
)
from quiz.banks.numbers import canonical
from quiz.banks.parser import parse_bank
from quiz.banks.writer import bank_markdown, questions_markdown

PLACEHOLDER_EXPLANATION = "À compléter : la source ne donnait pas d'explication."


def meta_tags(q: Question, *, portable: bool = False) -> list[str]:
    """Tags that carry what the target format has no field for (difficulty, competences …).

    `portable` adds what Moodle XML holds natively but GIFT does not (shuffle, unit).
    """
    tags = [f"difficulty:{q.difficulty}"] + [f"competence:{c}" for c in q.competences]
    if q.type == "multiple" and not q.weighted:
        tags.append(f"scoring:{q.scoring}")
    if q.weighted and q.type != "short":
        tags.append("scoring:weighted")
    if q.type == "matching":
        tags.append(f"scoring:{q.scoring}")
    if q.type == "short":
        tags.append("normalise:" + ",".join(q.normalise))
    if q.source_id:
        tags.append(f"source_id:{q.source_id}")
    if q.case is not None:
        tags.append(f"case:{q.case.id}")
    if q.type == "numeric" and q.tolerance is not None and q.tolerance.relative:
        tags.append(f"tolerance:{q.tolerance}")
    if q.type == "matching" and q.columns:
        tags.append(f"columns:{q.columns[0]}|{q.columns[1]}")
    if portable and q.type in ("single", "multiple") and not q.shuffle:
        tags.append("shuffle:false")
    if portable and q.type == "numeric" and q.unit:
        tags.append(f"unit:{q.unit}")
    if q.type == "calculated":  # what Moodle's datasets do not say: the grid's step, the constraints
        tags += [f"step:{v.name}:{canonical(v.step)}" for v in q.variables]
        tags += [f"constraint:{c}" for c in q.constraints]
        if q.answer_range is not None:
            tags.append(f"answer_range:{canonical(q.answer_range[0])}|{canonical(q.answer_range[1])}")
    tags += [f"{key}:{getattr(q, key)}" for key in DATE_KEYS if getattr(q, key)]
    tags += [f"waive:{rule}:{reason}" for rule, reason in q.waive]
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
        elif key == "scoring" and value in ("partial", "all-or-nothing", "weighted"):
            meta["scoring"] = value
        elif key == "shuffle" and value in ("true", "false"):
            meta["shuffle"] = value == "true"
        elif key in ("tolerance", "unit") and value:
            meta[key] = value
        elif key == "source_id" and value:
            meta["source_id"] = value
        elif key == "normalise":
            meta["normalise"] = tuple(v for v in value.split(",") if v)
        elif key == "case" and value:
            meta["case"] = value
        elif key in DATE_KEYS and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            meta[key] = value
        elif key == "step" and ":" in value:
            name, _, step = value.partition(":")
            meta.setdefault("steps", {})[name] = step
        elif key == "constraint" and value:
            meta.setdefault("constraints", []).append(value)
        elif key == "answer_range" and "|" in value:
            meta["answer_range"] = tuple(value.split("|", 1))
        elif key == "waive" and ":" in value:
            rule, _, reason = value.partition(":")
            meta.setdefault("waive", []).append((rule, reason))
        elif key == "columns" and "|" in value:
            left, _, right = value.partition("|")
            meta["columns"] = (left, right)
        elif tag:
            meta["tags"].append(tag)
    return meta


EPSILON = 100 - FULL_CREDIT


@dataclass
class NumericDraft:
    """One answer of a Moodle numerical question, in Moodle's order (`None` value: any answer)."""

    value: Decimal | None
    tolerance: Decimal
    fraction: Decimal
    feedback: str = ""


@dataclass
class Draft:
    """A question read from another format, before it gets an id and becomes a Question.

    Choices are (text, weight in %, feedback) as the source grades them; `losses` lists what is
    not carried over, `refusal` why the question cannot be converted at all.
    """

    title: str
    source_id: str | None = None
    type: str | None = None
    stem: str = ""
    explanation: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    choices: list[tuple[str, Decimal, str | None]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    numbers: list[NumericDraft] = field(default_factory=list)
    answer: Any = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    refusal: str | None = None
    is_case: bool = False

    def refuse(self, reason: str) -> Draft:
        """Refuse the draft, naming every setting that prevents converting it."""
        self.refusal = f"{self.refusal} ; {reason}" if self.refusal else reason
        return self

    def as_description(self) -> Draft:
        """A text without answers: the case context of the questions tagged `case:ID` when it is
        tagged `case` (as the exports write it), otherwise not a question."""
        if "case" in self.meta["tags"]:
            self.meta["tags"].remove("case")
            self.is_case = True
            return self
        return self.refuse("texte sans réponse (description Moodle) : pas une question — pour un texte commun à "
                           "plusieurs questions, créez un cas (type: case)")

    def note(self, label: str, feedback: str | None) -> None:
        """Feedback the format has no place for, kept in the explanation (shown at review)."""
        if feedback and feedback.strip():
            self.notes.append((label, feedback.strip()))


@dataclass
class Entry:
    """What became of one question of the source."""

    number: int
    name: str
    source_id: str | None
    id: str | None
    status: str  # converted · lossy · refused
    losses: list[str]
    is_case: bool = False  # a case context: reported, not counted as a question
    todo: list[str] = field(default_factory=list)  # what the format requires and the source lacked

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "source_id": self.source_id, "id": self.id,
                "status": self.status, "losses": self.losses, "todo": self.todo}


@dataclass
class Conversion:
    """A converted file: the bank (None when nothing could be converted), a report per question,
    the embedded files to write next to it, and what prevented reading the file at all."""

    markdown: str | None
    entries: list[Entry] = field(default_factory=list)
    body: str = ""  # the question sections alone, to append to an existing bank
    assets: dict[str, bytes] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status and not e.is_case)

    @property
    def read(self) -> int:
        return sum(1 for e in self.entries if not e.is_case)

    @property
    def converted(self) -> int:
        return self.count("converted") + self.count("lossy")

    @property
    def exit_code(self) -> int:
        """0: everything converted with nothing lost · 1: something refused or lost · 2: unreadable."""
        if self.errors or not self.read:
            return 2
        return 0 if self.count("converted") == self.read else 1

    def summary(self) -> str:
        return (f"{self.read} questions read, {self.converted} converted, {self.count('refused')} refused, "
                f"{self.count('lossy')} converted with losses")

    def lines(self) -> list[str]:
        """The report, one line per loss or refusal, as the command prints it."""
        out = [f"erreur : {e}" for e in self.errors]
        for entry in self.entries:
            label = f"question {entry.number} « {entry.name} »" + (f" → {entry.id}" if entry.id else "")
            if entry.status == "refused":
                out.append(f"{label} : REFUSÉE — {entry.losses[0]}")
                out += [f"  {loss}" for loss in entry.losses[1:]]
            else:
                out += [f"{label} : {loss}" for loss in entry.losses]
                out += [f"{label} : à compléter : {item}" for item in entry.todo]
        return out

    def to_json(self) -> str:
        report = {"read": self.read, "converted": self.converted, "refused": self.count("refused"),
                  "lossy": self.count("lossy"), "errors": self.errors, "assets": sorted(self.assets),
                  "questions": [e.to_json() for e in self.entries], "summary": self.summary()}
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def _tolerance(value: Any) -> Tolerance:
    try:
        return Tolerance.parse(str(value))
    except (InvalidOperation, ValueError):
        return Tolerance(Decimal(0))


def _near(value: Decimal, target: Decimal) -> bool:
    return abs(value - target) <= EPSILON


def _choices(draft: Draft, qid: str) -> dict[str, Any]:
    """The choice fields of a question graded as the source grades it, or a refusal on the draft."""
    weights = [w for _, w, _ in draft.choices]
    fields: dict[str, Any] = {"shuffle": draft.meta.get("shuffle", True)}
    plain = None  # right/wrong marks, when they grade exactly as the weights do
    keep_weights = draft.meta.get("scoring") == "weighted"  # this platform's export of a weighted question
    if draft.type == "single":
        if max(weights, default=Decimal(0)) < 100 - EPSILON:
            draft.refuse("aucune réponse à 100 % : Moodle ne donnerait jamais tout le crédit")
            return fields
        if min(weights) >= 100 - EPSILON:
            draft.refuse("toutes les réponses valent 100 % : toute réponse serait juste")
            return fields
        if any(w < 0 for w in weights):
            draft.losses.append("réponse unique à poids négatif : Moodle retire des points, la plateforme ne note "
                                "jamais une question en dessous de 0 (crédit 0)")
        if not keep_weights and sorted(weights)[-2:-1] != [Decimal(100)] and all(w in (0, 100) for w in weights):
            plain = [w == 100 for w in weights]
    else:
        right = [w for w in weights if w > 0]
        if sum(right) < 100 - EPSILON:
            draft.refuse(f"poids positifs totalisant {canonical(sum(right))} % : Moodle ne donnerait jamais tout "
                         "le crédit")
            return fields
        share = Decimal(100) / len(right)
        wrong = [w for w in weights if w <= 0]
        if (not keep_weights and all(_near(w, share) for w in right) and wrong
                and all(_near(w, -share) for w in wrong)):
            plain = [w > 0 for w in weights]
            # An explicit scoring tag (written by this platform's export) wins.
            fields["scoring"] = draft.meta.get("scoring", "partial")
    fields["choices"] = tuple(
        Choice(letter_id(i), text, (plain[i] if plain else w > 0), feedback or None,
               weight=None if plain else w)
        for i, (text, w, feedback) in enumerate(draft.choices))
    return fields


def _numeric(draft: Draft) -> dict[str, Any]:
    """Moodle's first matching answer, as the main answer then further answers in order."""
    answers = list(draft.numbers)
    for item in answers:
        if item.value is None:
            if item.fraction > 0:
                draft.refuse(f"réponse « toute autre valeur » à {canonical(item.fraction)} % : la plateforme ne "
                             "donne pas de crédit à une réponse quelconque")
            draft.note("toute autre réponse", item.feedback)
    answers = [a for a in answers if a.value is not None]
    main = next((i for i, a in enumerate(answers) if a.fraction >= 100 - EPSILON), None)
    if main is None:
        return {"refusal": draft.refuse("aucune réponse numérique à 100 %")}
    best = answers[main]
    for earlier in answers[:main]:
        low, high = earlier.value - earlier.tolerance, earlier.value + earlier.tolerance
        if low <= best.value + best.tolerance and best.value - best.tolerance <= high:
            draft.refuse(f"réponse à {canonical(earlier.fraction)} % placée avant la réponse juste et qui la "
                         "recouvre : Moodle la choisit en premier, l'ordre ne se représente pas")
    rest = answers[:main] + answers[main + 1:]  # Moodle's order, 0 % answers included
    for item in answers:
        draft.note(f"réponse {canonical(item.value)}", item.feedback)
    if any(a.fraction < 0 for a in rest):
        draft.refuse("réponse numérique à crédit négatif")
    return {"answer": best.value, "tolerance": Tolerance(best.tolerance),
            "partial": tuple(NumericAnswer(a.value, Tolerance(a.tolerance), max(a.fraction, Decimal(0)))
                             for a in rest)}


def _short(draft: Draft) -> dict[str, Any]:
    if max((w for _, w, _ in draft.choices), default=Decimal(0)) < 100 - EPSILON:
        draft.refuse("aucune réponse courte à 100 %")
    if any(w < 0 for _, w, _ in draft.choices):
        draft.refuse("réponse courte à crédit négatif")
    normalise = tuple(v for v in draft.meta.get("normalise", DEFAULT_NORMALISE) if v in NORMALISATIONS)
    return {"normalise": normalise,
            "choices": tuple(Choice(letter_id(i), text, w > 0, feedback or None, weight=w)
                             for i, (text, w, feedback) in enumerate(draft.choices))}


def _explanation(draft: Draft) -> str:
    text = draft.explanation.strip()
    if draft.notes:
        lines = [f"- {label} : {feedback}".replace("\n", "\n  ") for label, feedback in draft.notes]
        text = (text + "\n\n" if text else "") + "**Commentaires de la source**\n\n" + "\n".join(lines)
    return text


def drafts_to_bank(
    drafts: list[Draft], *, prefix: str, thematic: int, title: str, referential: Any = None,
    taken: frozenset[str] = frozenset(),
) -> Conversion:
    """The bank of the drafts that can be converted, and the report of every draft.

    `taken` holds ids already used by the target (never reused): new ids come after them.
    """
    allowed: tuple[str, ...] = ()
    if referential is not None and any(t.number == thematic for t in referential.thematics):
        allowed = referential.thematic(thematic).competences
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d{{3,}})$")
    used_before = {i for i in taken if pattern.match(i)}
    reusable = {d.source_id for d in drafts if d.source_id and pattern.match(d.source_id)} - used_before
    numbers = [int(pattern.match(i)[1]) for i in reusable | used_before]  # type: ignore[index]
    next_number = max(numbers, default=0) + 1
    questions: list[Question] = []
    entries: list[Entry] = []
    used: set[str] = set()
    cases: dict[str, Case] = {}
    positions: dict[str, int] = {}
    for number, draft in enumerate(drafts, start=1):
        name = " ".join(draft.title.split()) or "Sans titre"
        qid = None
        if draft.refusal is None:
            qid = draft.source_id if draft.source_id in reusable and draft.source_id not in used else None
            if qid is None:
                qid = f"{prefix}-{next_number:03d}"
                next_number += 1
            used.add(qid)
        entry = Entry(number, name, draft.source_id, qid, "converted", draft.losses, draft.is_case, draft.todo)
        entries.append(entry)
        if draft.refusal is None:
            question = _question(draft, qid, allowed, thematic, cases, positions)  # type: ignore[arg-type]
            if question is not None:
                questions.append(question)
        if draft.refusal is not None:
            entry.id, entry.status = None, "refused"
            entry.losses = [draft.refusal, *draft.losses]
        elif draft.is_case:
            entry.status = "lossy" if draft.losses else "converted"
        elif draft.losses:
            entry.status = "lossy"
    questions = _complete_cases(questions, entries)
    if not questions:
        return Conversion(None, entries)
    bank = Bank(filename=f"{thematic:02d}.md", thematic=thematic, prefix=prefix, title=title,
                questions=tuple(questions), heading=title)
    text = bank_markdown(bank)
    _, problems = parse_bank(text, f"{thematic:02d}-converti.md", referential)
    by_id = {e.id: e for e in entries if e.id}
    for problem in problems:
        entry = by_id.get(problem.qid or "")
        if entry is not None:
            entry.losses.append(f"à corriger : {problem.message}")
            entry.status = "lossy"
    return Conversion(text, entries, body=questions_markdown(bank))


def _complete_cases(questions: list[Question], entries: list[Entry]) -> list[Question]:
    """A case keeps its questions only when they follow it and are at least two; otherwise its
    questions stand alone (and say so)."""
    counts: dict[str, int] = {}
    for q in questions:
        if q.case is not None:
            counts[q.case.id] = counts.get(q.case.id, 0) + 1
    out = []
    by_id = {e.id: e for e in entries if e.id}
    for q in questions:
        if q.case is not None and counts[q.case.id] < 2:
            entry = by_id[q.id]
            entry.losses.append(f"cas {q.case.id} réduit à une question : son texte est placé dans l'énoncé")
            entry.status = "lossy"
            q = replace(q, case=None, case_position=0, stem=q.case.text + "\n\n" + q.stem)
        out.append(q)
    return out


def _question(draft: Draft, qid: str, allowed: tuple[str, ...], thematic: int,
              cases: dict[str, Case], positions: dict[str, int]) -> Question | None:
    if draft.is_case:
        cases[draft.source_id or qid] = Case(qid, " ".join(draft.title.split()) or "Cas", draft.stem.strip())
        return None
    explanation = _explanation(draft)
    if not explanation:
        explanation = PLACEHOLDER_EXPLANATION
        draft.todo.append("explication absente — à écrire sous « ### Explication »")
    competences = []
    for code in draft.meta.get("competences", []):
        if not allowed or code in allowed:
            competences.append(code)
        else:
            draft.losses.append(f"compétence {code} non évaluée par la thématique {thematic} (retirée)")
    case = cases.get(draft.meta.get("case", ""))
    if case is not None:
        positions[case.id] = positions.get(case.id, 0) + 1
    if draft.meta.get("case") and case is None:
        draft.losses.append(f"cas « {draft.meta['case']} » introuvable : la question est reprise seule")
    common: dict[str, Any] = {
        "id": qid, "title": " ".join(draft.title.split()) or "Sans titre", "type": draft.type,
        "stem": draft.stem.strip() or "À compléter.", "explanation": explanation,
        "difficulty": draft.meta.get("difficulty", 2), "competences": tuple(competences),
        "tags": tuple(draft.meta.get("tags", ())), "case": case,
        "case_position": positions[case.id] if case else 0,
        "source_id": draft.meta.get("source_id") or (draft.source_id if draft.source_id != qid else None),
        **{key: draft.meta[key] for key in DATE_KEYS if key in draft.meta},
        "waive": tuple(draft.meta.get("waive", ())),
    }
    if draft.type in ("single", "multiple"):
        common.update(_choices(draft, qid))
    elif draft.type == "short":
        common.update(_short(draft))
    elif draft.type == "truefalse":
        common["answer"] = bool(draft.answer)
        if draft.answer is None:
            draft.refuse("bonne réponse (vrai ou faux) introuvable")
    elif draft.type == "calculated":
        common.update(draft.answer)
    elif draft.type == "numeric":
        fields = _numeric(draft)
        if "refusal" in fields:
            return None
        common.update(fields)
        if draft.meta.get("unit"):
            common["unit"] = draft.meta["unit"]
        if draft.meta.get("tolerance", "").endswith("%"):
            common["tolerance"] = _tolerance(draft.meta["tolerance"])
    elif draft.type in ("ordering", "matching") and len(draft.items if draft.type == "ordering" else draft.pairs) < 3:
        draft.refuse(f"{'classement' if draft.type == 'ordering' else 'appariement'} de moins de trois éléments : "
                     "la plateforme en demande au moins trois (avec deux, l'ordre montré donnerait la réponse)")
    elif draft.type == "ordering":
        ids = hidden_order_ids(draft.items, qid)
        common["items"] = tuple(OrderItem(i, t) for i, t in zip(ids, draft.items, strict=True))
    elif draft.type == "matching":
        rights = [r for _, r in draft.pairs]
        right_ids = hidden_order_ids(rights, qid + ":right")
        common["pairs"] = tuple(MatchPair(letter_id(i), left, right_ids[i], right)
                                for i, (left, right) in enumerate(draft.pairs))
        common["columns"] = draft.meta.get("columns", ("Élément", "Correspondance"))
        # Moodle grades pair by pair; an explicit scoring tag (this platform's export) wins.
        common["scoring"] = draft.meta.get("scoring", "partial")
    if draft.refusal is not None:
        return None
    common["explanation"] = _explanation(draft) or common["explanation"]
    return Question(**common)


__all__ = ["Conversion", "Draft", "Entry", "NumericDraft", "canonical", "drafts_to_bank", "meta_tags",
           "parse_meta_tags"]

"""Hypothesis strategies: valid bank models that the writer can express."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import strategies as st

from quiz.banks.model import (
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

WEIGHTS = st.sampled_from([Decimal(w) for w in ("100", "50", "25", "0", "-50", "-100", "33.333")])
SHORT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàABCDEF ", min_size=1, max_size=12).map(str.strip).filter(bool)

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçùABCDEFÉ0123456789€%", min_size=1, max_size=8)
PUNCT = st.sampled_from(["", ",", " ?", " :", ".", " (k€)", " ;"])


@st.composite
def sentence(draw) -> str:
    words = draw(st.lists(WORD, min_size=1, max_size=6))
    return " ".join(words) + draw(PUNCT)


@st.composite
def paragraphs(draw) -> str:
    return "\n\n".join(draw(st.lists(sentence(), min_size=1, max_size=3)))


def unique_sentences(min_size: int, max_size: int):
    return st.lists(sentence(), min_size=min_size, max_size=max_size, unique=True)


@st.composite
def question(draw, qid: str) -> Question:
    kind = draw(st.sampled_from(["single", "multiple", "truefalse", "numeric", "ordering", "matching", "short"]))
    common = {
        "id": qid,
        "title": draw(sentence()),
        "type": kind,
        "stem": draw(paragraphs()),
        "explanation": draw(paragraphs()),
        "difficulty": draw(st.integers(1, 3)),
        "competences": tuple(draw(st.lists(st.sampled_from(["C15", "C6"]), unique=True, max_size=2))),
        "tags": tuple(draw(st.lists(st.sampled_from(["bfr", "ratios", "sig", "flux-2024"]), unique=True, max_size=3))),
    }
    if kind in ("single", "multiple") and draw(st.booleans()):
        return Question(**common, **draw(weighted(kind)))
    if kind == "short":
        answers = draw(st.lists(SHORT, min_size=1, max_size=4, unique=True))
        weights = [Decimal(100)] + [draw(st.sampled_from([Decimal(100), Decimal(50), Decimal(0)])) for _ in answers[1:]]
        feedback = draw(st.lists(st.one_of(st.none(), sentence()), min_size=len(answers), max_size=len(answers)))
        choices = tuple(Choice(letter_id(i), a, w > 0, feedback[i], weight=w)
                        for i, (a, w) in enumerate(zip(answers, weights, strict=True)))
        normalise = tuple(v for v in NORMALISATIONS if draw(st.booleans()))
        return Question(**common, choices=choices, normalise=normalise)
    if kind in ("single", "multiple"):
        texts = draw(unique_sentences(3, 6))
        if kind == "single":
            right = {draw(st.integers(0, len(texts) - 1))}
        else:
            right = set(draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
            if len(right) == len(texts):
                right.discard(0)
        feedback = draw(st.lists(st.one_of(st.none(), sentence()), min_size=len(texts), max_size=len(texts)))
        choices = tuple(Choice(letter_id(i), t, i in right, feedback[i]) for i, t in enumerate(texts))
        extra = {"choices": choices, "shuffle": draw(st.booleans())}
        if kind == "multiple":
            extra["scoring"] = draw(st.sampled_from(["all-or-nothing", "partial"]))
        return Question(**common, **extra)
    if kind == "truefalse":
        return Question(**common, answer=draw(st.booleans()))
    if kind == "numeric":
        answer = Decimal(draw(st.integers(-10**6, 10**6))) / Decimal(draw(st.sampled_from([1, 10, 100])))
        relative = draw(st.booleans()) and answer != 0
        tolerance = Tolerance(Decimal(draw(st.integers(0, 50))) / 10, relative)
        partial = tuple(NumericAnswer(answer + draw(st.integers(-5, 5)), Tolerance(Decimal(draw(st.integers(0, 9)))),
                                      Decimal(draw(st.sampled_from([0, 10, 50, 100]))))
                        for _ in range(draw(st.integers(0, 2))))
        return Question(**common, answer=answer, tolerance=tolerance, partial=partial,
                        unit=draw(st.sampled_from([None, "%", "k€", "jours"])))
    if kind == "ordering":
        texts = draw(unique_sentences(3, 6))
        ids = hidden_order_ids(texts, qid)
        return Question(**common, items=tuple(OrderItem(i, t) for i, t in zip(ids, texts, strict=True)))
    lefts = draw(unique_sentences(3, 5))
    rights = draw(unique_sentences(len(lefts), len(lefts)))
    right_ids = hidden_order_ids(rights, qid + ":right")
    pairs = tuple(MatchPair(letter_id(i), lefts[i], right_ids[i], rights[i]) for i in range(len(lefts)))
    return Question(**common, pairs=pairs, columns=(draw(WORD), draw(WORD)),
                    scoring=draw(st.sampled_from(["all-or-nothing", "partial"])))


@st.composite
def weighted(draw, kind: str) -> dict:
    """Choices with Moodle weights: a single has a 100 % option, a multiple's positives reach 100 %."""
    texts = draw(unique_sentences(2, 6))
    weights = [draw(WEIGHTS) for _ in texts]
    if kind == "single" and max(weights) < 100:
        weights[draw(st.integers(0, len(texts) - 1))] = Decimal(100)
    if kind == "single" and min(weights) >= 100:
        weights[0] = Decimal(0)
    if kind == "multiple" and sum(w for w in weights if w > 0) < 100:
        weights[0] = Decimal(100)
    choices = tuple(Choice(letter_id(i), t, w > 0, None, weight=w) for i, (t, w) in enumerate(zip(texts, weights,
                                                                                                 strict=True)))
    return {"choices": choices, "shuffle": draw(st.booleans())}


@st.composite
def banks(draw, min_questions: int = 1, max_questions: int = 6) -> Bank:
    count = draw(st.integers(min_questions, max_questions))
    numbers = draw(st.lists(st.integers(1, 999), min_size=count, max_size=count, unique=True))
    questions = tuple(draw(question(f"AF-{n:03d}")) for n in numbers)
    if len(questions) >= 2 and draw(st.booleans()):  # a case context over a run of questions
        start = draw(st.integers(0, len(questions) - 2))
        end = draw(st.integers(start + 2, len(questions)))
        case = Case("AF-1000", draw(sentence()), draw(paragraphs()))
        questions = (questions[:start]
                     + tuple(replace(q, case=case, case_position=i) for i, q in enumerate(questions[start:end], 1))
                     + questions[end:])
    defaults = draw(st.fixed_dictionaries({}, optional={
        "shuffle": st.booleans(), "difficulty": st.integers(1, 3), "tags": st.just(("bfr",)),
    }))
    return Bank(
        filename="01-analyse-financiere.md", thematic=1, prefix="AF", title="Analyse financière",
        questions=questions, defaults=defaults, heading="Analyse financière", intro=draw(st.one_of(st.just(""),
                                                                                                 paragraphs())),
    )

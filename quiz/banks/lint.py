"""Item-writing lint: the cues that let a candidate find the key without knowing the subject.

Warnings, never errors: each rule has an id that a question may waive in its metadata, with a
reason (`waive: {key-longest: "…"}`). Pure: a Question in, (rule, French message) pairs out.
"""

from __future__ import annotations

import re
import unicodedata

from quiz.banks.model import Question

RULES = ("key-longest", "stem-echo", "all-none", "negative-stem", "grammar-cue", "absolute-distractor", "two-item",
         "duplicate-option")

STOP_WORDS = frozenset((
    "alors", "apres", "aussi", "autre", "autres", "avant", "avec", "avoir", "cette", "celle", "celui", "celles",
    "ceux", "chaque", "comme", "comment", "dans", "depuis", "donc", "elles", "entre", "etait", "etre", "leurs",
    "leur", "lorsque", "mais", "meme", "moins", "notre", "nous", "parmi", "pendant", "peut", "plus", "pour", "quand",
    "quel", "quelle", "quelles", "quels", "sans", "selon", "sont", "sous", "suivant", "suivante", "suivantes",
    "suivants", "tout", "toute", "toutes", "tous", "votre", "vous", "laquelle", "lequel", "lesquels", "lesquelles",
    "quelle", "doit", "doivent", "avoir", "faire", "fait", "peuvent", "cela", "ceci", "celle-ci", "dont", "encore",
    "ainsi", "souvent", "toujours", "jamais", "sera", "seront", "elle",
))

_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_ALL_NONE = re.compile(
    r"\b(toutes?|aucune?s?)\s+(les\s+|des\s+|de\s+)?(ces\s+)?(réponses|propositions|affirmations|solutions|"
    r"réponse|proposition)\b(\s+(ci-dessus|précédentes?|ci-avant|sont\s+justes?|sont\s+exactes?))?",
    re.IGNORECASE)
_NEGATIVES = (
    (re.compile(r"\bn(?:e\b|['’])(?:\s*\S+){1,4}?\s+(pas|jamais|aucun|aucune)\b", re.IGNORECASE), None),
    (re.compile(r"\b(sauf)\b", re.IGNORECASE), None),
    (re.compile(r"\b(inexactes?|fausses?|faux)\b", re.IGNORECASE), None),
)
_ABSOLUTE = re.compile(r"\b(toujours|jamais|uniquement|seul|seule|seuls|seules|aucun|aucune|tous|toutes)\b",
                       re.IGNORECASE)
_ENDING_ARTICLE = re.compile(r"(?:^|\s)(un|une|l['’]|d['’])\s*[:…]?\s*$", re.IGNORECASE)
_PLURAL_ASK = re.compile(r"\b(quels|quelles|lesquels|lesquelles)\b", re.IGNORECASE)
_VOWEL = re.compile(r"^[aeiouyhàâäéèêëîïôöùûüœæ]", re.IGNORECASE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _plain(text: str) -> str:
    """Markdown emphasis, code marks and extra spaces dropped (what the reader sees)."""
    return " ".join(re.sub(r"[*_`]", "", text).split())


def _words(text: str) -> set[str]:
    return {_fold(w).strip("'-") for w in _WORD.findall(_plain(text))}


def _significant(text: str) -> set[str]:
    return {w for w in _words(text) if len(w) >= 5 and w not in STOP_WORDS}


def _question_paragraph(stem: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", stem.strip()) if p.strip()]
    return paragraphs[-1] if paragraphs else ""


def _emphasised(text: str, word: str) -> bool:
    return word.isupper() or bool(re.search(r"(\*\*|__|\*|_)" + re.escape(word) + r"\1", text))


def _is_plural(option: str) -> bool:
    words = _plain(option).split()
    if not words:
        return False
    first = words[0].lower()
    if first in ("les", "des", "ces", "leurs", "deux", "trois", "plusieurs"):
        return True
    return len(first) > 3 and first[-1] in "sx" and not first.endswith(("ss", "us", "is"))


def check(question: Question) -> list[tuple[str, str]]:
    """The lint warnings of one question: (rule id, message)."""
    found: list[tuple[str, str]] = []
    kind = question.type
    if kind in ("single", "multiple"):
        keys = [c.text for c in question.choices if c.correct and (c.weight is None or c.weight >= 100)]
        distractors = [c.text for c in question.choices if not c.correct]
        if keys and distractors:
            found += _choice_rules(question, keys, distractors)
    if kind in ("single", "multiple", "short") or kind == "ordering" or kind == "matching":
        found += _duplicates(question)
    if kind in ("ordering", "matching"):
        size = len(question.items) if kind == "ordering" else len(question.pairs)
        if size == 2:
            found.append(("two-item", f"question « {kind} » à 2 éléments — l'ordre présenté est la réponse ou son "
                          "inverse : ajoutez un élément ou faites-en une question à choix."))
    if kind in ("single", "multiple"):
        found += _negative(question.stem)
    return found


def _choice_rules(question: Question, keys: list[str], distractors: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if question.type == "single" and len(keys) == 1:
        key, longest = len(_plain(keys[0])), max(len(_plain(d)) for d in distractors)
        if key >= 1.5 * longest and key >= longest + 20:
            found.append(("key-longest", f"la bonne réponse est nettement la plus longue ({key} caractères, "
                          f"{longest} au plus pour les autres) — allongez les distracteurs ou resserrez la réponse."))
    stem_words = _significant(question.stem)
    in_keys = set.intersection(*(_words(k) for k in keys))
    in_distractors = set().union(*(_words(d) for d in distractors))
    echoed = sorted(stem_words & in_keys - in_distractors)
    if echoed:
        found.append(("stem-echo", f"« {echoed[0]} » de l'énoncé se retrouve dans la bonne réponse et dans aucun "
                      "distracteur — reprenez-le dans un distracteur ou reformulez."))
    if any(_ALL_NONE.search(_plain(t)) for t in [*keys, *distractors]):
        found.append(("all-none", "option « toutes / aucune des réponses ci-dessus » — elle se devine par "
                      "élimination ; remplacez-la par une vraie proposition."))
    last = _question_paragraph(question.stem)
    ending = _ENDING_ARTICLE.search(_plain(last))
    if ending:
        article = ending.group(1).lower()
        if article in ("un", "une") or not all(_VOWEL.match(_plain(o)) for o in [*keys, *distractors]):
            found.append(("grammar-cue", f"l'énoncé finit par « {ending.group(1)} » : seules certaines options "
                          "s'accordent — mettez l'article dans chaque option."))
    elif question.type == "single" and _PLURAL_ASK.search(last) and all(_is_plural(k) for k in keys) \
            and not any(_is_plural(d) for d in distractors):
        found.append(("grammar-cue", "l'énoncé demande un pluriel et seule la bonne réponse est au pluriel — "
                      "accordez les distracteurs."))
    absolute_keys = any(_ABSOLUTE.search(_plain(k)) for k in keys)
    absolute = sorted({m.group(1).lower() for d in distractors for m in _ABSOLUTE.finditer(_plain(d))})
    if absolute and not absolute_keys:
        found.append(("absolute-distractor", f"« {absolute[0]} » n'apparaît que dans des distracteurs — un mot "
                      "absolu signale une réponse fausse ; nuancez-le ou employez-le aussi ailleurs."))
    return found


def _negative(stem: str) -> list[tuple[str, str]]:
    last = _question_paragraph(stem)
    for pattern, _ in _NEGATIVES:
        for match in pattern.finditer(re.sub(r"`[^`]*`", "", last)):
            word = match.group(1)
            if not _emphasised(last, word):
                return [("negative-stem", f"énoncé négatif (« {match.group(0).strip()} ») sans mise en valeur — "
                         f"écrivez **{word.lower()}** ou {word.upper()} pour que personne ne le lise à l'envers.")]
    return []


def _duplicates(question: Question) -> list[tuple[str, str]]:
    groups = {
        "single": [c.text for c in question.choices], "multiple": [c.text for c in question.choices],
        "short": [c.text for c in question.choices], "ordering": [i.text for i in question.items],
        "matching": [p.left for p in question.pairs],
    }
    texts = groups.get(question.type, [])
    extra = [[p.right for p in question.pairs]] if question.type == "matching" else []
    for group in [texts, *extra]:
        seen: set[str] = set()
        for text in group:
            norm = " ".join(_fold(_plain(text)).split())
            if norm in seen:
                return [("duplicate-option", f"deux options ont le même texte (« {_plain(text)} ») à la casse ou "
                         "aux espaces près — différenciez-les.")]
            seen.add(norm)
    return []

"""GIFT: export a bank (id and metadata in `// [id:…] [tag:…]` comments, special characters
escaped, tables as HTML) and import a GIFT file into drafts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from quiz.banks.htmltext import html_to_markdown, plain_to_markdown
from quiz.banks.interchange import Draft, NumericDraft, meta_tags, parse_meta_tags
from quiz.banks.model import Bank, Question
from quiz.banks.numbers import canonical
from quiz.banks.render import render_markdown

SPECIAL = "~=#{}:\\"


def escape(text: str) -> str:
    out = "".join("\\" + c if c in SPECIAL else c for c in text)
    return out.replace("\n", "\\n")


def unescape(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            out.append("\n" if nxt == "n" else nxt)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _has_table(q: Question) -> bool:
    texts = [q.stem, q.explanation] + [c.text for c in q.choices] + [c.feedback or "" for c in q.choices]
    return any(re.search(r"^\s*\|.*\|\s*$", t, re.M) for t in texts)


def _weight(value: Decimal) -> str:
    return canonical(value.quantize(Decimal("0.00001")))


def _choice_lines(q: Question, text) -> list[str]:
    lines = []
    right = len(q.correct_ids)
    for choice in q.choices:
        feedback = f"#{text(choice.feedback)}" if choice.feedback else ""
        if q.weighted:
            weight = choice.weight or Decimal(0)
            mark = "=" if q.type == "single" and weight == 100 else ("~" if weight == 0 else f"~%{_weight(weight)}%")
        elif q.type == "single":
            mark = "=" if choice.correct else "~"
        else:
            mark = f"~%{_weight(Decimal(100) / right * (1 if choice.correct else -1))}%"
        lines.append(f"{mark}{text(choice.text)}{feedback}")
    return lines


def _numeric_lines(q: Question) -> list[str]:
    assert isinstance(q.answer, Decimal) and q.tolerance is not None
    if not q.partial:
        return [f"#{canonical(q.answer)}:{canonical(q.tolerance.margin(q.answer))}"]
    lines = ["#", f"=%100%{canonical(q.answer)}:{canonical(q.tolerance.margin(q.answer))}"]
    lines += [f"=%{_weight(p.credit)}%{canonical(p.answer)}:{canonical(p.tolerance.margin(p.answer))}"
              for p in q.partial]
    return lines


def export_gift(bank: Bank) -> tuple[str, list[str]]:
    losses: list[str] = []
    blocks = [f"// {bank.title} — thématique {bank.thematic}, préfixe {bank.prefix}", f"$CATEGORY: {bank.title}"]
    cases: set[str] = set()
    for q in bank.questions:
        if q.type == "calculated":
            losses.append(f"{q.id} : question calculée non exportée en GIFT — GIFT n'a ni variables ni jeux de "
                          "données : exportez en Moodle XML (type calculated)")
            continue
        if q.type == "ordering":
            losses.append(f"{q.id} : type « ordering » non exporté en GIFT — Moodle l'a en standard depuis la "
                          "version 4.4, mais sa syntaxe {>N …} n'est pas du GIFT standard (les autres lecteurs GIFT "
                          "la refusent) : exportez en Moodle XML, que Moodle relit avec l'ordre et la notation "
                          "tout-ou-rien")
            continue
        if q.case is not None and q.case.id not in cases:
            cases.add(q.case.id)
            blocks.append(f"// [id:{q.case.id}] [tag:case]\n::{escape(q.case.title)}::[markdown]{escape(q.case.text)}")
            losses.append(f"{q.case.id} : cas exporté en description GIFT suivie de ses questions (étiquette "
                          f"case:{q.case.id}) — un tirage aléatoire Moodle les séparerait")
        html = _has_table(q)

        def text(md: str, html: bool = html) -> str:
            return escape(render_markdown(md).strip() if html else md)

        tags = " ".join(f"[tag:{t}]" for t in meta_tags(q, portable=True))
        head = f"// [id:{q.id}] {tags}".rstrip()
        lines = [head, f"::{escape(q.title)}::[{'html' if html else 'markdown'}]{text(q.stem)}{{"]
        if q.type in ("single", "multiple"):
            lines += _choice_lines(q, text)
        elif q.type == "short":
            for answer in q.choices:
                feedback = f"#{text(answer.feedback)}" if answer.feedback else ""
                lines.append(f"=%{_weight(answer.weight or Decimal(0))}%{escape(answer.text)}{feedback}")
            if tuple(q.normalise) != ("case",):
                losses.append(f"{q.id} : GIFT compare sans tenir compte de la casse seulement (normalise : "
                              f"{', '.join(q.normalise) or 'rien'} gardé en étiquette)")
        elif q.type == "truefalse":
            lines.append("TRUE" if q.answer else "FALSE")
        elif q.type == "numeric":
            lines += _numeric_lines(q)
        elif q.type == "matching":
            for pair in q.pairs:
                if "->" in pair.left:
                    losses.append(f"{q.id} : « -> » dans « {pair.left} » ambigu en GIFT")
                lines.append(f"={text(pair.left)} -> {text(pair.right)}")
            if q.scoring != "partial":
                losses.append(f"{q.id} : Moodle note l'appariement paire par paire (tout-ou-rien gardé en étiquette)")
        lines += [f"####{text(q.explanation)}", "}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n", losses


# Escaped characters are set aside as private-use characters while the structure is read, as
# Moodle's reader does with its placeholders, then given back as the characters themselves.
_ESCAPES = {"\\": "\ue000", ":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004", "}": "\ue005",
            "~": "\ue006", "n": "\ue007", "%": "\ue008", "-": "\ue009", ">": "\ue00a"}
_BACK = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_WEIGHT = re.compile(r"^%(-?\d{1,3}(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]")
_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_ORDERING = re.compile(
    r"^>\s*(?P<count>\d+)\s*(?P<select>ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?\s*"
    r"(?P<layout>HORIZONTAL|HORI|H|VERTICAL|VERT|V)?\s*"
    r"(?P<grading>ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|"
    r"RELATIVE_NEXT_INCLUDE_LAST|RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|"
    r"RELATIVE_TO_CORRECT|LONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET|RELATIVE|REL)?\s*"
    r"(?P<show>SHOW|TRUE|YES|HIDE|FALSE|NO)?\s*(?P<items>.*)$", re.S)
BLANK = "\ue00b"  # where Moodle puts "_____" for a missing-word question
BLANK_MD = r"\_\_\_\_\_"


def _protect(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPES:
            out.append(_ESCAPES[text[index + 1]])
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(_BACK.get(c, c) for c in text)


class _Text:
    """Texts of one question in their GIFT format ([moodle] by default, as Moodle reads it)."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.default = "moodle"

    def split_format(self, raw: str, default: str) -> tuple[str, str]:
        match = _FORMAT.match(raw)
        return (match[1], raw[match.end():]) if match else (default, raw)

    def convert(self, raw: str, fmt: str | None = None) -> str:
        fmt, raw = self.split_format(raw, fmt or self.default)
        text = _restore(raw).strip()
        if fmt == "markdown":
            return text
        if fmt == "html" or (fmt == "moodle" and _TAG.search(text)):
            if fmt == "moodle":
                text = text.replace("\n", "<br>")
            converted, lost = html_to_markdown(text)
            self.draft.losses.extend(lost)
            return converted
        return plain_to_markdown(text)


def _split_weight(chunk: str, default: Decimal) -> tuple[Decimal, str]:
    chunk = chunk.strip()
    match = _WEIGHT.match(chunk)
    return (Decimal(match[1]), chunk[match.end():]) if match else (default, chunk)


def _feedback(chunk: str) -> tuple[str, str]:
    answer, _, feedback = chunk.partition("#")
    return answer, feedback


def _pieces(text: str, separator: str) -> list[str]:
    pieces = text.split(separator)
    if pieces and not pieces[0].strip():
        pieces = pieces[1:]
    return [p for p in pieces if p.strip() or separator == "~"]


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(_restore(text).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _numerical(draft: Draft, answers: str, texts: _Text) -> None:
    draft.type = "numeric"
    answers = answers[1:]
    wrong = ""
    if "~" in answers:
        answers, wrong = answers[: answers.index("~")], answers[answers.index("~"):]
    for piece in _pieces(answers, "="):
        weight, rest = _split_weight(piece, Decimal(100))
        value_text, feedback = _feedback(rest)
        value_text = value_text.strip()
        if ".." in value_text[1:]:
            low, high = (_number(x) for x in value_text.split("..", 1))
            if low is None or high is None or high < low:
                draft.refuse(f"intervalle numérique « {_restore(value_text)} » illisible")
                return
            value, tolerance = (low + high) / 2, (high - low) / 2
        elif ":" in value_text[1:]:
            value, tolerance = (_number(x) for x in value_text.split(":", 1))  # type: ignore[assignment]
        else:
            value, tolerance = _number(value_text), Decimal(0)
        if value_text == "*":
            draft.numbers.append(NumericDraft(None, Decimal(0), weight, texts.convert(feedback)))
            continue
        if value is None or tolerance is None:
            draft.refuse(f"réponse numérique « {_restore(value_text)} » illisible")
            return
        draft.numbers.append(NumericDraft(value, abs(tolerance), weight, texts.convert(feedback)))
    if not draft.numbers:
        draft.refuse("question numérique sans réponse")
    if wrong:
        _, feedback = _feedback(wrong[1:])
        draft.numbers.append(NumericDraft(None, Decimal(0), Decimal(0), texts.convert(feedback)))


def _ordering(draft: Draft, answers: str, texts: _Text) -> None:
    """Moodle's ordering question in GIFT: `{>N ALL|RANDOM|CONTIGUOUS layout grading show items}`."""
    match = _ORDERING.match(answers)
    if match is None:
        draft.refuse("question « ordering » GIFT illisible — {>N ALL …} puis un élément par ligne")
        return
    items = [texts.convert(line) for line in match["items"].split("\n") if line.strip()]
    select, grading = (match["select"] or "RANDOM").upper(), (match["grading"] or "RELATIVE_NEXT_EXCLUDE_LAST")
    draft.type = "ordering"
    draft.items = items
    if select not in ("ALL", "EXACT") and int(match["count"]) < len(items):
        draft.refuse(f"ordering : sélection {select} de {match['count']} éléments sur {len(items)} — la plateforme "
                     "montre tous les éléments (écrivez ALL)")
    if grading != "ALL_OR_NOTHING":
        draft.refuse(f"ordering : notation {grading} (crédit partiel de Moodle) — la plateforme note l'ordre en "
                     "tout-ou-rien (écrivez ALL_OR_NOTHING)")
    if (match["layout"] or "V").upper().startswith("H"):
        draft.losses.append("ordering : disposition horizontale non reprise (éléments montrés en colonne)")


def _choice_question(draft: Draft, answers: str, texts: _Text) -> None:
    draft.type = "single" if "=" in answers else "multiple"
    for piece in _pieces(answers.replace("=", "~="), "~"):
        piece = piece.strip()
        if not piece:
            continue
        if piece.startswith("="):
            weight, rest = Decimal(100), piece[1:]
        else:
            weight, rest = _split_weight(piece, Decimal(0))
        text, feedback = _feedback(rest)
        draft.choices.append((texts.convert(text), weight, texts.convert(feedback) or None))
    if len(draft.choices) < 2:
        draft.refuse("question à choix avec moins de deux réponses")


def _matching(draft: Draft, answers: str, texts: _Text) -> None:
    draft.type = "matching"
    for piece in _pieces(answers, "="):
        if "->" not in piece:
            draft.refuse(f"paire « {_restore(piece).strip()} » sans « -> »")
            return
        left, right = piece.split("->", 1)
        right = _restore(right).strip()
        if not left.strip():
            draft.losses.append(f"réponse distractrice « {right} » sans élément (non reprise)")
            continue
        draft.pairs.append((texts.convert(left), plain_to_markdown(right)))
    draft.meta.setdefault("scoring", "partial")


def _short(draft: Draft, answers: str, texts: _Text) -> None:
    draft.type = "short"
    draft.meta.setdefault("normalise", ("case",))
    for piece in _pieces(answers, "="):
        weight, rest = _split_weight(piece, Decimal(100))
        text, feedback = _feedback(rest)
        draft.choices.append((_restore(text).strip(), weight, texts.convert(feedback) or None))


def _question(lines: list[str], comments: list[str], category: str | None) -> Draft | None:
    """One GIFT question as Moodle reads it: comment lines dropped anywhere, the answer block
    between the first { and the first }, a blank in the text where the block stood."""
    ids = [m for c in comments for m in re.findall(r"\[id:([^\]]+)\]", c)]
    tags = [m for c in comments for m in re.findall(r"\[tag:([^\]]+)\]", c)]
    text = _protect("\n".join(lines).strip())
    if not text:
        return None
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end > 0:
            title, text = _restore(text[2:end]).strip(), text[end + 2:].strip()
    draft = Draft(title=title, source_id=ids[0].strip() if ids else None)
    draft.meta = parse_meta_tags(tags)
    if category:
        draft.meta["tags"].append(f"catégorie:{category}")
    texts = _Text(draft)
    start, end = text.find("{"), text.find("}")
    if start < 0 and end < 0:
        draft.stem = texts.convert(text)
        draft.title = draft.title or _restore(text)[:60]
        return draft.as_description()
    if start < 0 or end < start:
        draft.title = draft.title or _restore(text)[:60]
        return draft.refuse("accolades { } mal appariées")
    answers = text[start + 1: end].strip()
    stem = text[:start] + ("" if text.endswith("}") else BLANK) + text[end + 1:]
    fmt, stem = texts.split_format(stem.strip(), "moodle")
    texts.default = fmt
    draft.stem = texts.convert(stem, fmt).replace(BLANK, BLANK_MD)
    draft.title = draft.title or " ".join(_restore(stem).split())[:60]
    general = answers.rfind("####")
    if general >= 0:
        draft.explanation = texts.convert(answers[general + 4:])
        answers = answers[:general].strip()
    if answers.startswith(">"):
        _ordering(draft, answers, texts)
    elif not answers:
        draft.refuse("question ouverte (essay) : la plateforme ne corrige que des réponses fermées")
    elif answers.startswith("#"):
        _numerical(draft, answers, texts)
    elif "~" in answers:
        _choice_question(draft, answers, texts)
    elif "=" in answers and "->" in answers:
        _matching(draft, answers, texts)
    else:
        key, wrong, right = [*answers.split("#", 2), "", ""][:3]
        if key.strip() in ("T", "TRUE", "F", "FALSE"):
            draft.type = "truefalse"
            draft.answer = key.strip() in ("T", "TRUE")
            draft.note("après une réponse fausse", texts.convert(wrong))
            draft.note("après la bonne réponse", texts.convert(right))
        else:
            _short(draft, answers, texts)
    return draft


def import_gift(text: str) -> tuple[str | None, list[Draft], list[str]]:
    """(category title, drafts, errors) from a GIFT file: one draft per question, refused or not."""
    drafts: list[Draft] = []
    category: str | None = None
    block: list[str] = []
    comments: list[str] = []

    def flush() -> None:
        nonlocal category, comments
        if not block:
            return
        joined = "\n".join(block).strip()
        if joined.startswith("$CATEGORY:"):
            path = joined.removeprefix("$CATEGORY:").strip().strip("/")
            path = re.sub(r"^\$(course|system|module|cat\d*)\$/(top/)?", "", path)
            category = path or category
        else:
            draft = _question(block, comments, category)
            if draft is not None:
                drafts.append(draft)
        block.clear()
        comments = []

    for line in re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")):
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("//"):
            comments.append(stripped)
        else:
            block.append(line)
    flush()
    title = category.rsplit("/", 1)[-1] if category else None
    return title, drafts, []

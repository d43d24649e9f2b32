"""GIFT: export a bank (id and metadata in `// [id:…] [tag:…]` comments, special characters
escaped, tables as HTML) and import a GIFT file into drafts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from quiz.banks.htmltext import html_to_markdown
from quiz.banks.interchange import Draft, meta_tags, parse_meta_tags
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


def export_gift(bank: Bank) -> tuple[str, list[str]]:
    losses: list[str] = []
    blocks = [f"// {bank.title} — thématique {bank.thematic}, préfixe {bank.prefix}", f"$CATEGORY: {bank.title}"]
    for q in bank.questions:
        if q.type == "ordering":
            losses.append(f"{q.id} : type « ordering » absent du format GIFT (question non exportée)")
            continue
        html = _has_table(q)

        def text(md: str, html: bool = html) -> str:
            return escape(render_markdown(md).strip() if html else md)

        tags = " ".join(f"[tag:{t}]" for t in meta_tags(q, portable=True))
        head = f"// [id:{q.id}] {tags}".rstrip()
        lines = [head, f"::{escape(q.title)}::[{'html' if html else 'markdown'}]{text(q.stem)}{{"]
        if q.type in ("single", "multiple"):
            right = len(q.correct_ids)
            for choice in q.choices:
                feedback = f"#{text(choice.feedback)}" if choice.feedback else ""
                if q.type == "single":
                    lines.append(f"{'=' if choice.correct else '~'}{text(choice.text)}{feedback}")
                else:
                    weight = Decimal(100) / right * (1 if choice.correct else -1)
                    lines.append(f"~%{_weight(weight)}%{text(choice.text)}{feedback}")
        elif q.type == "truefalse":
            lines.append("TRUE" if q.answer else "FALSE")
        elif q.type == "numeric":
            assert isinstance(q.answer, Decimal) and q.tolerance is not None
            lines.append(f"#{canonical(q.answer)}:{canonical(q.tolerance.margin(q.answer))}")
        elif q.type == "matching":
            for pair in q.pairs:
                if "->" in pair.left:
                    losses.append(f"{q.id} : « -> » dans « {pair.left} » ambigu en GIFT")
                lines.append(f"={text(pair.left)} -> {text(pair.right)}")
        lines += [f"####{text(q.explanation)}", "}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n", losses


def _split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Split on unescaped separator characters: [(separator, chunk), …]; the first separator is ''."""
    parts: list[tuple[str, str]] = []
    current, sep, index = [], "", 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index: index + 2])
            index += 2
            continue
        if char in separators:
            parts.append((sep, "".join(current)))
            current, sep = [], char
        else:
            current.append(char)
        index += 1
    parts.append((sep, "".join(current)))
    return parts


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(target, index):
            return index
        index += 1
    return -1


def _convert(raw: str, fmt: str, losses: list[str], where: str) -> str:
    text = unescape(raw).strip()
    if fmt == "html":
        text, lost = html_to_markdown(text)
        losses.extend(f"{where} : {loss}" for loss in lost)
    return text


def _answer_and_feedback(chunk: str) -> tuple[str, str | None]:
    index = _find_unescaped(chunk, "#")
    if index < 0:
        return chunk, None
    return chunk[:index], chunk[index + 1:]


def _question(block: str, comments: list[str], losses: list[str]) -> Draft | None:
    ids = [m for c in comments for m in re.findall(r"\[id:([^\]]+)\]", c)]
    tags = [m for c in comments for m in re.findall(r"\[tag:([^\]]+)\]", c)]
    title = ""
    body = block.strip()
    if body.startswith("::"):
        end = _find_unescaped(body, "::", 2)
        if end > 0:
            title, body = unescape(body[2:end]).strip(), body[end + 2:].lstrip()
    fmt = "moodle"
    match = re.match(r"^\[(html|markdown|plain|moodle)\]", body)
    if match:
        fmt, body = match[1], body[match.end():]
    start = _find_unescaped(body, "{")
    end = _find_unescaped(body, "}", start + 1) if start >= 0 else -1
    where = f"« {title or body[:40]} »"
    if start < 0 or end < 0:
        losses.append(f"{where} : description sans réponse (non convertie)")
        return None
    if body[end + 1:].strip():
        losses.append(f"{where} : question « mot manquant » (réponses au milieu du texte) non convertie")
        return None
    draft = Draft(title=title or unescape(body[:start]).strip()[:60], source_id=ids[0].strip() if ids else None)
    draft.meta = parse_meta_tags(tags)
    draft.stem = _convert(body[:start], fmt, losses, where)
    answers = body[start + 1: end]
    general = _find_unescaped(answers, "####")
    if general >= 0:
        draft.explanation = _convert(answers[general + 4:], fmt, losses, where)
        answers = answers[:general]
    stripped = answers.strip()
    if not stripped:
        losses.append(f"{where} : question ouverte (essay) non convertie")
        return None
    if re.fullmatch(r"(T|TRUE|F|FALSE)(#.*)?", stripped, re.S):
        draft.type = "truefalse"
        draft.answer = stripped.split("#")[0] in ("T", "TRUE")
        return draft
    if stripped.startswith("#"):
        draft.type = "numeric"
        first = next((t for _, t in _split_unescaped(stripped[1:], "=~") if t.strip()), "")
        value, _ = _answer_and_feedback(first.strip())
        number, _, tolerance = value.partition(":")
        try:
            draft.answer = Decimal(number.strip())
            draft.meta.setdefault("tolerance", canonical(Decimal(tolerance.strip() or "0")))
        except InvalidOperation:
            losses.append(f"{where} : réponse numérique « {value} » (intervalle ou format non pris en charge)")
            return None
        return draft
    chunks = [(sep, text) for sep, text in _split_unescaped(stripped, "=~") if sep]
    if chunks and all(sep == "=" and "->" in text for sep, text in chunks):
        draft.type = "matching"
        for _, text in chunks:
            left, _, right = text.partition("->")
            draft.pairs.append((_convert(left, fmt, losses, where), _convert(right, fmt, losses, where)))
        return draft
    if chunks and all(sep == "=" for sep, _ in chunks):
        losses.append(f"{where} : réponse courte (short answer) non convertie")
        return None
    weighted = any(re.match(r"^%-?[\d.]+%", text.strip()) for _, text in chunks)
    for sep, text in chunks:
        text = text.strip()
        weight = Decimal(100) if sep == "=" else Decimal(0)
        match = re.match(r"^%(-?[\d.]+)%", text)
        if match:
            weight, text = Decimal(match[1]), text[match.end():]
        answer, feedback = _answer_and_feedback(text)
        draft.choices.append((_convert(answer, fmt, losses, where), weight > 0,
                              _convert(feedback, fmt, losses, where) if feedback else None))
    draft.type = "multiple" if weighted else "single"
    if draft.type == "multiple":
        draft.meta.setdefault("scoring", "partial")
    return draft


def import_gift(text: str) -> tuple[str | None, list[Draft], list[str]]:
    """(category title, drafts, losses) from a GIFT file."""
    losses: list[str] = []
    drafts: list[Draft] = []
    category: str | None = None
    comments: list[str] = []
    block: list[str] = []

    def flush() -> None:
        nonlocal comments
        if block:
            draft = _question("\n".join(block), comments, losses)
            if draft is not None:
                drafts.append(draft)
            block.clear()
            comments = []

    for line in re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")):
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("//"):
            if block:
                flush()
            comments.append(stripped)
        elif stripped.startswith("$CATEGORY:"):
            flush()
            category = stripped.removeprefix("$CATEGORY:").strip().rsplit("/", 1)[-1] or category
        else:
            block.append(line)
    flush()
    return category, drafts, losses

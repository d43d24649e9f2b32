"""Markdown from the banks -> safe HTML for candidates and trainers.

Python-Markdown (tables, fenced code, sane lists) renders; nh3 then keeps only an allow-list
of tags and attributes. Images survive only as local files under `assets/` with alt text.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import markdown
import nh3

from quiz.banks.assets import asset_path

TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img", "h4", "h5", "h6", "sup", "sub", "del",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
}
DEFAULT_ASSET_BASE = "/banks/assets/"
# The one class fenced code gets from Python-Markdown; anything more (Bootstrap's position-fixed,
# z-3, …) would let a bank lay a page-wide overlay on the attempt.
CODE_CLASS = re.compile(r"language-[A-Za-z0-9_-]+")


_checking = threading.local()
_rendering = threading.local()


def _converter() -> markdown.Markdown:
    """One converter a thread: a Python-Markdown instance holds the state of its conversion."""
    converter = getattr(_rendering, "converter", None)
    if converter is None:
        converter = _rendering.converter = _new_converter()
    return converter


def _new_converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )


# Python-Markdown's inline patterns retry at every `[` (links, images) and `<` (raw HTML,
# autolinks) against the rest of the paragraph, and its emphasis, escape and quote patterns
# grow worse than linearly with runs of `*`, `_`, `\\`, `>`: 9,000 `[` cost a minute to render.
# The checker refuses a paragraph beyond these bounds (real banks stay far below: at most 1,296
# characters, 6 `[`, 43 `` ` `` a paragraph), so that every published text renders in bounded time.
MAX_PARAGRAPH = 5_000
INLINE_LIMITS = {"[": 100, "<": 50, "*": 200, "_": 200, "\\": 200, "`": 200, ">": 20}
# A `[` left open costs about the length of the rest of its paragraph (the link pattern looks for
# its `]` to the end): their product is bounded too. A link's `[…]` that closes costs little.
BRACKET_BUDGET = 30_000
_BRACKET = re.compile(r"[\[\]]")


def _open_brackets(text: str) -> int:
    """How many `[` are never closed by a later `]`."""
    depth = 0
    for match in _BRACKET.finditer(text):
        if match.group() == "[":
            depth += 1
        elif depth:
            depth -= 1
    return depth
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def costly_markup(paragraph: str) -> str | None:
    """Why a paragraph would cost too much to render (French, for the checker), or None."""
    if len(paragraph) > MAX_PARAGRAPH:
        return f"paragraphe de {len(paragraph)} caractères (au plus {MAX_PARAGRAPH})"
    for char, limit in INLINE_LIMITS.items():
        count = paragraph.count(char)
        if count > limit:
            return f"« {char} » présent {count} fois dans un même paragraphe (au plus {limit})"
    open_brackets = _open_brackets(paragraph)
    if open_brackets * len(paragraph) > BRACKET_BUDGET:
        return (f"{open_brackets} « [ » jamais fermés par « ] » dans un paragraphe de {len(paragraph)} caractères "
                f"(au plus {BRACKET_BUDGET // len(paragraph)})")
    return None


def raw_html(md: str) -> list[str]:
    """The raw HTML fragments the renderer finds in `md`, as written (entities aside).

    Python-Markdown sets aside ("stashes") every piece of HTML it passes through untouched: this
    is what the checker's « no raw HTML » rule must see, whatever escaped backtick or other
    trick hides it from a pattern on the source line. Fenced code must be blanked out by the caller
    (its rendering is stashed too)."""
    converter = getattr(_checking, "converter", None) or _new_converter()
    _checking.converter = converter  # one a thread: a converter holds the state of its conversion
    converter.reset().convert(md or "")
    found = [str(fragment) for fragment in converter.htmlStash.rawHtmlBlocks]
    converter.reset()
    return [fragment for fragment in found if not _ENTITY.fullmatch(fragment.strip())]


def _image_source(src: str, asset_base: str) -> str | None:
    path = asset_path(src)
    return None if path is None else asset_base.rstrip("/") + "/" + path


@lru_cache(maxsize=8192)
def render_markdown(md: str, asset_base: str = DEFAULT_ASSET_BASE) -> str:
    """Safe HTML for a piece of bank Markdown (stem, choice, feedback or explanation).

    Cached per process: the result depends on the text alone, and a whole cohort sees the same
    questions at the same minute."""
    converter = _converter()
    html = converter.reset().convert(md or "")

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return _image_source(value, asset_base)
        if tag == "code" and attribute == "class":
            return value if CODE_CLASS.fullmatch(value) else None
        return value

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return _drop_images_without_source(cleaned)


def _drop_images_without_source(html: str) -> str:
    """nh3 keeps an <img> whose src was refused; an image with no source is dropped entirely."""
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", html)


def render_inline(md: str, asset_base: str = DEFAULT_ASSET_BASE) -> str:
    """Like render_markdown, without the wrapping <p> of a one-paragraph text (choices, items)."""
    html = render_markdown(md, asset_base)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


# What the stored HTML was made with: this file's code and the two libraries. A version rendered
# by another renderer (a stricter sanitiser since) is rendered again when read, never trusted.
RENDERER = hashlib.sha256(
    Path(__file__).read_bytes() + f"{version('markdown')} {version('nh3')}".encode()
).hexdigest()[:16]


def render_payload(payload: dict) -> dict:
    """Every Markdown text of a question as safe HTML, by field: done once, when a version is published.

    Candidate pages read this instead of rendering (a whole cohort opens the same questions in
    the same minute, and a pathological text must cost once, not once per page).
    """
    rendered: dict = {"renderer": RENDERER, "stem": render_markdown(payload.get("stem") or ""),
                      "explanation": render_markdown(payload.get("explanation") or "")}
    if payload.get("choices"):
        rendered["choices"] = {c["id"]: {"inline": render_inline(c["text"]),
                                         "feedback": render_markdown(c["feedback"]) if c.get("feedback") else ""}
                               for c in payload["choices"]}
    if payload.get("items"):
        rendered["items"] = {i["id"]: {"inline": render_inline(i["text"]), "block": render_markdown(i["text"])}
                             for i in payload["items"]}
    if payload.get("answers"):
        rendered["answers"] = [render_markdown(a["feedback"]) if a.get("feedback") else ""
                               for a in payload["answers"]]
    if payload.get("case"):
        rendered["case"] = render_markdown(payload["case"].get("text") or "")
    if payload.get("pairs"):
        rendered["lefts"] = {p["left_id"]: {"inline": render_inline(p["left"]), "block": render_markdown(p["left"])}
                             for p in payload["pairs"]}
    return rendered


def is_current(rendered: dict | None) -> bool:
    return bool(rendered) and rendered.get("renderer") == RENDERER

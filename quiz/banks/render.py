"""Markdown from the banks -> safe HTML for candidates and trainers.

Python-Markdown (tables, fenced code, sane lists) renders; nh3 then keeps only an allow-list
of tags and attributes. Images survive only as local files under `assets/` with alt text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import markdown
import nh3

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


@lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )


def _image_source(src: str, asset_base: str) -> str | None:
    parts = src.split("/")
    if not src.startswith("assets/") or ".." in parts or ":" in src or "\\" in src:
        return None
    return asset_base.rstrip("/") + "/" + src.removeprefix("assets/")


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
            return value if value.startswith("language-") else None
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
    import re

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
    if payload.get("pairs"):
        rendered["lefts"] = {p["left_id"]: {"inline": render_inline(p["left"]), "block": render_markdown(p["left"])}
                             for p in payload["pairs"]}
    return rendered


def is_current(rendered: dict | None) -> bool:
    return bool(rendered) and rendered.get("renderer") == RENDERER

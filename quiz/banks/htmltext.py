"""HTML coming from other tools: to bank Markdown (for imports) and to well-formed XML (for QTI)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import unquote

VOID = {"br", "img", "hr", "input", "meta", "link", "col", "area", "source", "wbr"}
UNWRAP = {"span", "div", "font", "section", "article", "body", "html", "thead", "tbody", "tfoot", "u", "small", "big"}


class _Tree(HTMLParser):
    """HTML -> a small tree of (tag, attrs, children) tolerant of unclosed tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list = ["#root", {}, []]
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = [tag, {k: v or "" for k, v in attrs}, []]
        self.stack[-1][2].append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1][2].append([tag, {k: v or "" for k, v in attrs}, []])

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1][2].append(data)


def _tree(html: str) -> list:
    parser = _Tree()
    parser.feed(html or "")
    parser.close()
    return parser.root


def html_to_xml(html: str, parent: ET.Element) -> None:
    """Append the HTML fragment's nodes to `parent` as well-formed XML elements."""

    def add(node, into: ET.Element) -> None:
        last: ET.Element | None = None
        for child in node[2]:
            if isinstance(child, str):
                if last is None:
                    into.text = (into.text or "") + child
                else:
                    last.tail = (last.tail or "") + child
                continue
            element = ET.SubElement(into, child[0], {k: v for k, v in child[1].items() if re.match(r"^[a-z-]+$", k)})
            add(child, element)
            last = element

    add(_tree(html), parent)


_MD_ESCAPE = re.compile(r"([\\`*_\[\]])")


def plain_to_markdown(text: str) -> str:
    """Plain text (GIFT [plain], Moodle plain_text and auto-format without tags) as Markdown that
    renders the same: special characters escaped, line breaks kept."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join("  \n".join(_inline_text(line).strip() for line in p.split("\n")) for p in paragraphs)


def _inline_text(text: str) -> str:
    return _MD_ESCAPE.sub(r"\\\1", re.sub(r"\s+", " ", text))


class _Markdown:
    def __init__(self, assets: dict[str, str] | None = None) -> None:
        self.losses: list[str] = []
        self.assets = assets or {}

    def inline(self, node) -> str:
        out = []
        for child in node[2]:
            if isinstance(child, str):
                out.append(_inline_text(child))
                continue
            tag, attrs = child[0], child[1]
            inner = self.inline(child)
            if tag in ("strong", "b"):
                out.append(f"**{inner.strip()}**" if inner.strip() else "")
            elif tag in ("em", "i"):
                out.append(f"*{inner.strip()}*" if inner.strip() else "")
            elif tag == "code":
                out.append(f"`{self.text(child)}`")
            elif tag == "br":
                out.append("\n")
            elif tag == "a":
                href = attrs.get("href", "")
                out.append(f"[{inner}]({href})" if href else inner)
            elif tag == "img":
                out.append(self.image(attrs))
            elif tag in ("sup", "sub", "del") or tag in UNWRAP:
                out.append(inner)
            else:
                out.append(inner)
                self.losses.append(f"balise <{tag}> remplacée par son texte")
        return "".join(out)

    def image(self, attrs: dict) -> str:
        """An image of the source: an embedded file already written to assets/, or one to copy."""
        src = attrs.get("src", "")
        name = unquote(src.rsplit("/", 1)[-1].split("?")[0]) or "image.png"
        alt = " ".join(attrs.get("alt", "").split())
        target = self.assets.get(name)
        if target is None:
            self.losses.append(f"image « {name} » : copiez le fichier dans question_banks/assets/ (et vérifiez le "
                               "texte alternatif)")
            target = f"assets/{name}"
        if not alt:
            self.losses.append(f"image « {name} » sans texte alternatif : décrivez-la dans ![…]({target})")
            alt = "image à décrire"
        return f"![{_inline_text(alt)}]({target})"

    def text(self, node) -> str:
        return "".join(c if isinstance(c, str) else self.text(c) for c in node[2])

    def blocks(self, node) -> list[str]:
        out: list[str] = []
        inline: list = ["#inline", {}, []]

        def flush() -> None:
            text = self.inline(inline).strip()
            if text:
                out.append(text)
            inline[2] = []

        for child in node[2]:
            if isinstance(child, str) or child[0] not in (
                "p", "ul", "ol", "table", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
                "div", "section", "article", "body", "html",
            ):
                inline[2].append(child)
                continue
            flush()
            tag = child[0]
            if tag == "p":
                text = self.inline(child).strip()
                if text:
                    out.append(text)
            elif tag in ("div", "section", "article", "body", "html"):
                out.extend(self.blocks(child))
            elif tag in ("ul", "ol"):
                items = [c for c in child[2] if not isinstance(c, str) and c[0] == "li"]
                lines = []
                for number, item in enumerate(items, start=1):
                    marker = f"{number}. " if tag == "ol" else "- "
                    body = "\n\n".join(self.blocks(item)).replace("\n", "\n" + " " * len(marker))
                    lines.append(marker + body)
                out.append("\n".join(lines))
            elif tag == "table":
                out.append(self.table(child))
            elif tag == "pre":
                out.append("```\n" + self.text(child).strip("\n") + "\n```")
            elif tag == "blockquote":
                quoted = "\n\n".join(self.blocks(child)).split("\n")
                out.append("\n".join("> " + line if line else ">" for line in quoted))
            elif tag == "hr":
                out.append("---")
            else:
                out.append("#### " + self.inline(child).strip())
        flush()
        return out

    def table(self, node) -> str:
        rows: list[list[str]] = []
        aligns: list[str] = []

        def walk(n) -> None:
            for child in n[2]:
                if isinstance(child, str):
                    continue
                if child[0] == "tr":
                    cells = [c for c in child[2] if not isinstance(c, str) and c[0] in ("td", "th")]
                    if not rows:
                        aligns.extend(c[1].get("align", "") for c in cells)
                    rows.append([self.inline(c).strip().replace("|", "\\|").replace("\n", " ") for c in cells])
                else:
                    walk(child)

        walk(node)
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        marks = {"right": "--:", "center": ":-:", "left": ":--"}
        delimiter = [marks.get(aligns[i] if i < len(aligns) else "", "---") for i in range(width)]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(delimiter) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)


def html_to_markdown(html: str, assets: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Bank Markdown for an HTML fragment, and what could not be carried over.

    `assets` maps the file names of embedded images to where they were written (assets/…).
    """
    converter = _Markdown(assets)
    text = "\n\n".join(b for b in converter.blocks(_tree(html)) if b.strip())
    return text.strip(), list(dict.fromkeys(converter.losses))

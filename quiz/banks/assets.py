"""Which image sources a bank may use: plain paths of files under `assets/`, nothing else.

One rule for the checker and the renderer, for Markdown images and HTML `<img>` alike. The
source is decoded first (HTML entities, then percent-escapes), as the browser would, so that
`assets/%2e%2e/%2e%2e/attempts/28` is seen as the `../..` it is. What is left must be a plain
relative path: segments of letters, digits, `_`, `-` and `.` not starting with a dot, no query,
no fragment, no scheme, no backslash. An encoded source whose decoding changes it is refused
too: a plain path has nothing to encode, so the browser fetches exactly what was checked.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

PREFIX = "assets/"
_PLAIN = re.compile(r"assets(?:/[\w-][\w.-]*)+", re.ASCII)


def asset_path(src: str) -> str | None:
    """The path under `assets/` (without the prefix) of an allowed image source, else None."""
    decoded = html.unescape(src or "")
    if unquote(decoded) != decoded or not _PLAIN.fullmatch(decoded):
        return None
    return decoded.removeprefix(PREFIX)

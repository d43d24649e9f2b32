"""Numbers as people type them: "42,5", "42.5", "1 250,5" (also with no-break spaces), "-3".

Everything is exact (Decimal); anything ambiguous such as "1,250.5" or "1e3" is refused rather
than guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SPACES = "\u0020\u00a0\u202f\u2009"
_MINUS = "\\-\u2212\u2013"
_PLAIN = re.compile(r"^(?P<sign>[+" + _MINUS + r"]?)(?P<int>\d*)(?:[.,](?P<frac>\d+))?$")
_GROUPED = re.compile(
    r"^(?P<sign>[+" + _MINUS + r"]?)(?P<int>\d{1,3}(?:[" + _SPACES + r"]\d{3})+)(?:,(?P<frac>\d+))?$"
)
MAX_LENGTH = 64


def parse_number(raw: object, unit: str | None = None) -> Decimal | None:
    """The exact value of a typed number, or None when it is not unambiguously a number.

    A trailing `unit` (e.g. "%" or "k€") is tolerated, since candidates often type it.
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        value = Decimal(repr(raw)) if raw == raw and abs(raw) != float("inf") else None
        return value
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if not isinstance(raw, str) or len(raw) > MAX_LENGTH:
        return None
    text = raw.strip(_SPACES + "\t")
    if unit and text.endswith(unit.strip()):
        text = text[: -len(unit.strip())].rstrip(_SPACES + "\t")
    match = _PLAIN.match(text) or _GROUPED.match(text)
    if not match or not (match["int"] or match["frac"]):
        return None
    digits = re.sub("[" + _SPACES + "]", "", match["int"]) or "0"
    sign = "-" if match["sign"] and match["sign"] != "+" else ""
    try:
        return Decimal(f"{sign}{digits}.{match['frac'] or '0'}")
    except InvalidOperation:
        return None


def canonical(value: Decimal) -> str:
    """A Decimal written without exponent or trailing zeros: 42.50 -> "42.5", 1E+2 -> "100"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text

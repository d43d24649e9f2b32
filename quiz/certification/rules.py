"""What the certification chain decides without a database (pure).

- a SIRET is 14 digits passing the Luhn check (La Poste's establishments, SIREN 356000000,
  follow their own rule: the digits add up to a multiple of 5);
- the ledger's proposal for a candidate: the title when every bloc is validated, otherwise the
  validated blocs (partial certification), otherwise nothing — leaving out what an earlier jury
  already awarded;
- a decision departs from the proposal when its outcome or its blocs differ; a reason is then
  required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

SIRET = re.compile(r"^\d{14}$")
RNCP = re.compile(r"^RNCP\d{1,6}$")
ID_CLIENT = re.compile(r"^[A-Z0-9]{8}$")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def valid_siret(value: str) -> bool:
    if not SIRET.match(value):
        return False
    if value.startswith("356000000"):
        return sum(int(c) for c in value) % 5 == 0
    return luhn(value)


@dataclass(frozen=True)
class Proposal:
    outcome: str  # "title", "blocs" or "none"
    blocs: tuple[str, ...]  # the blocs it proposes to award (every bloc for the title)
    dates: dict[str, str]  # bloc -> ISO date of validation in the ledger
    already: tuple[str, ...] = ()  # blocs an earlier jury awarded

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "blocs": list(self.blocs), "dates": self.dates, "already": list(self.already)}


def proposal(validated: dict[str, date | None], all_blocs: tuple[str, ...], title_awarded: bool,
             blocs_awarded: set[str]) -> Proposal:
    """`validated`: bloc -> date for the blocs the ledger validates."""
    dates = {b: d.isoformat() for b, d in validated.items() if d is not None}
    already = tuple(b for b in all_blocs if b in blocs_awarded)
    if title_awarded:
        return Proposal("none", (), dates, all_blocs)
    if all(b in validated for b in all_blocs):
        return Proposal("title", all_blocs, dates, already)
    new = tuple(b for b in all_blocs if b in validated and b not in blocs_awarded)
    return Proposal("blocs" if new else "none", new, dates, already)


def departs(proposal_: Proposal, outcome: str, blocs: tuple[str, ...]) -> bool:
    if outcome != proposal_.outcome:
        return True
    return outcome == "blocs" and set(blocs) != set(proposal_.blocs)


def certificate_number(year: int, session_id: int, index: int) -> str:
    """« CAE-2026-0003-0012 »: year, jury session, rank in its minutes; unique by construction
    since a session closes once."""
    return f"CAE-{year}-{session_id:04d}-{index:04d}"


def months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return date(year, month, min(day.day, last))

"""How the ledger decides: entries in, statuses out (pure: no Flask, no database).

The semantics are those of ARCHITECTURE.md, "How the ledger decides":

- an entry is *effective* until a later entry (a correction) names it in `replaces`; corrections
  chain, and a replaced entry stays replaced even when its correction is corrected in turn;
- a requirement (a competence and one modality it requires) is met when an effective entry for
  it is a pass; its date is the earliest effective pass, so a later fail never undoes a pass;
- E2 entries come per thematic: with the competence's rule `all` every mapped thematic needs an
  effective pass (date: the latest of each thematic's earliest pass), with `any` one is enough
  (date: the earliest thematic pass);
- a competence, a bloc and the title are validated when everything they rest on is, and their
  date is the latest of those dates. A partial certification is the set of validated blocs.

Entries for a modality a competence does not require (E1 today) are kept but count for nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from quiz.referential.model import Competence, Referential


@dataclass(frozen=True)
class Entry:
    """One evaluation as the rules see it: a pass or a fail on one requirement, at one moment.

    `assessed_on` is the day the evaluation took place (an assessor's exam date); without it
    the day of `recorded_at` stands in.
    """

    id: int
    candidate: int
    competence: str
    modality: str
    thematic: int | None
    passed: bool
    recorded_at: datetime
    replaces: int | None = None
    assessed_on: date | None = None

    @property
    def day(self) -> date:
        return self.assessed_on if self.assessed_on is not None else self.recorded_at.date()

    @property
    def order(self) -> tuple[date, datetime, int]:
        """Chronological order, deterministic on ties."""
        return (self.day, self.recorded_at, self.id)


class State(StrEnum):
    """What a person sees for a requirement, a competence or a bloc."""

    MET = "met"  # acquis / validé
    IN_PROGRESS = "in_progress"  # some of what it rests on is met, not all
    FAILED = "failed"  # evaluated, nothing passed yet
    PENDING = "pending"  # nothing evaluated yet


@dataclass(frozen=True)
class RequirementStatus:
    competence: str
    modality: str
    met: bool
    date: date | None
    missing_thematics: tuple[int, ...] = ()
    passed_thematics: tuple[tuple[int, date], ...] = ()
    evaluated: bool = False

    @property
    def state(self) -> State:
        if self.met:
            return State.MET
        if self.passed_thematics:
            return State.IN_PROGRESS
        return State.FAILED if self.evaluated else State.PENDING


@dataclass(frozen=True)
class CompetenceStatus:
    competence: str
    validated: bool
    date: date | None
    requirements: tuple[RequirementStatus, ...]
    missing: tuple[str, ...]  # modality codes still to meet

    def requirement(self, modality: str) -> RequirementStatus:
        return next(r for r in self.requirements if r.modality == modality)

    @property
    def state(self) -> State:
        return _combined(self.validated, [r.state for r in self.requirements])


@dataclass(frozen=True)
class BlocStatus:
    bloc: str
    validated: bool
    date: date | None
    competences: tuple[CompetenceStatus, ...]
    missing: tuple[str, ...]  # competence codes not validated

    @property
    def state(self) -> State:
        return _combined(self.validated, [c.state for c in self.competences])


@dataclass(frozen=True)
class CertificationStatus:
    candidate: int | None
    validated: bool  # the full title
    date: date | None
    blocs: tuple[BlocStatus, ...]
    missing: tuple[str, ...]  # bloc codes not validated

    @property
    def validated_blocs(self) -> tuple[BlocStatus, ...]:
        """The partial certification: every validated bloc, with its date."""
        return tuple(b for b in self.blocs if b.validated)

    @property
    def partial(self) -> bool:
        return not self.validated and bool(self.validated_blocs)

    def bloc(self, code: str) -> BlocStatus:
        return next(b for b in self.blocs if b.bloc == code)

    def competence(self, code: str) -> CompetenceStatus:
        return next(c for b in self.blocs for c in b.competences if c.competence == code)

    def requirement(self, competence: str, modality: str) -> RequirementStatus:
        return self.competence(competence).requirement(modality)

    @property
    def requirements(self) -> tuple[RequirementStatus, ...]:
        return tuple(r for b in self.blocs for c in b.competences for r in c.requirements)

    @property
    def state(self) -> State:
        return _combined(self.validated, [b.state for b in self.blocs])


def _combined(validated: bool, parts: list[State]) -> State:
    """Failed only when everything it rests on was evaluated without success; under way otherwise."""
    if validated:
        return State.MET
    if parts and all(p is State.FAILED for p in parts):
        return State.FAILED
    if all(p is State.PENDING for p in parts):
        return State.PENDING
    return State.IN_PROGRESS


def effective(entries: Iterable[Entry]) -> list[Entry]:
    """The entries no correction replaces, in chronological order."""
    entries = list(entries)
    replaced = {e.replaces for e in entries if e.replaces is not None}
    return sorted((e for e in entries if e.id not in replaced), key=lambda e: e.order)


def _earliest_pass(entries: list[Entry]) -> date | None:
    passes = [e.day for e in entries if e.passed]
    return min(passes) if passes else None


def requirement_status(competence: Competence, modality: str, entries: list[Entry]) -> RequirementStatus:
    """The status of one requirement from the candidate's *effective* entries."""
    relevant = [e for e in entries if e.competence == competence.code and e.modality == modality]
    if modality != "E2":
        when = _earliest_pass(relevant)
        return RequirementStatus(competence.code, modality, when is not None, when, evaluated=bool(relevant))

    relevant = [e for e in relevant if e.thematic in competence.thematics]
    passed: dict[int, date] = {}
    for thematic in competence.thematics:
        when = _earliest_pass([e for e in relevant if e.thematic == thematic])
        if when is not None:
            passed[thematic] = when
    if competence.e2_rule == "any":
        met = bool(passed)
        when = min(passed.values()) if met else None
    else:
        met = len(passed) == len(competence.thematics)
        when = max(passed.values()) if met else None
    missing = () if met else tuple(t for t in competence.thematics if t not in passed)
    return RequirementStatus(
        competence=competence.code,
        modality="E2",
        met=met,
        date=when,
        missing_thematics=missing,
        passed_thematics=tuple(sorted(passed.items())),
        evaluated=bool(relevant),
    )


def _by_slot(entries: list[Entry]) -> dict[tuple[str, str], list[Entry]]:
    grouped: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        grouped.setdefault((e.competence, e.modality), []).append(e)
    return grouped


def _latest(dates: list[date | None]) -> date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def competence_status(competence: Competence, entries: list[Entry],
                      by_slot: dict[tuple[str, str], list[Entry]] | None = None) -> CompetenceStatus:
    """`by_slot`, the same entries grouped by (competence, modality), spares a pass over all of
    them for each requirement (what makes a grid of thousands of candidates cost)."""
    if by_slot is None:
        by_slot = _by_slot(entries)
    requirements = tuple(requirement_status(competence, m, by_slot.get((competence.code, m), []))
                         for m in competence.modalities)
    validated = all(r.met for r in requirements)
    return CompetenceStatus(
        competence=competence.code,
        validated=validated,
        date=_latest([r.date for r in requirements]) if validated else None,
        requirements=requirements,
        missing=tuple(r.modality for r in requirements if not r.met),
    )


def certification_status(
    entries: Iterable[Entry], referential: Referential, candidate: int | None = None
) -> CertificationStatus:
    """The whole picture for one candidate from all of their entries (corrections included)."""
    live = effective(entries)
    by_slot = _by_slot(live)
    blocs = []
    for bloc in referential.blocs:
        competences = tuple(competence_status(c, live, by_slot) for c in referential.competences_of(bloc.code))
        validated = all(c.validated for c in competences)
        blocs.append(
            BlocStatus(
                bloc=bloc.code,
                validated=validated,
                date=_latest([c.date for c in competences]) if validated else None,
                competences=competences,
                missing=tuple(c.competence for c in competences if not c.validated),
            )
        )
    validated = all(b.validated for b in blocs)
    return CertificationStatus(
        candidate=candidate,
        validated=validated,
        date=_latest([b.date for b in blocs]) if validated else None,
        blocs=tuple(blocs),
        missing=tuple(b.bloc for b in blocs if not b.validated),
    )


def certification_statuses(
    entries: Iterable[Entry], referential: Referential, candidates: Iterable[int]
) -> dict[int, CertificationStatus]:
    """Statuses for many candidates from one flat list of entries, each from their own only."""
    by_candidate: dict[int, list[Entry]] = {c: [] for c in candidates}
    for entry in entries:
        if entry.candidate in by_candidate:
            by_candidate[entry.candidate].append(entry)
    return {c: certification_status(es, referential, c) for c, es in by_candidate.items()}


# --- the compact status the jury grid reads ---------------------------------------------------


@dataclass(frozen=True)
class CompetenceSummary:
    competence: str
    state: State
    date: date | None

    @property
    def validated(self) -> bool:
        return self.state is State.MET


@dataclass(frozen=True)
class BlocSummary:
    bloc: str
    state: State
    date: date | None
    competences: tuple[CompetenceSummary, ...]

    @property
    def validated(self) -> bool:
        return self.state is State.MET


@dataclass(frozen=True)
class Summary:
    """What a grid shows of a status (each competence's and bloc's state and date, the title),
    with the names of CertificationStatus so that grids and exports read either. Stored per
    candidate as a cache of the rules' result (see quiz.ledger.service, "stored statuses")."""

    validated: bool
    date: date | None
    blocs: tuple[BlocSummary, ...]

    @property
    def validated_blocs(self) -> tuple[BlocSummary, ...]:
        return tuple(b for b in self.blocs if b.validated)

    @property
    def partial(self) -> bool:
        return not self.validated and bool(self.validated_blocs)

    @property
    def state(self) -> State:
        return _combined(self.validated, [b.state for b in self.blocs])

    def bloc(self, code: str) -> BlocSummary:
        return next(b for b in self.blocs if b.bloc == code)

    def competence(self, code: str) -> CompetenceSummary:
        return next(c for b in self.blocs for c in b.competences if c.competence == code)

    def to_json(self) -> dict:
        """Compact JSON: {"t": date|null, "b": [[bloc, state, date, [[competence, state, date], ...]], ...]}."""
        return {
            "t": _iso(self.date) if self.validated else None,
            "v": self.validated,
            "b": [[b.bloc, b.state.value, _iso(b.date), [[c.competence, c.state.value, _iso(c.date)]
                                                         for c in b.competences]] for b in self.blocs],
        }

    @classmethod
    def from_json(cls, data: dict) -> Summary:
        return cls(
            validated=bool(data["v"]),
            date=_day(data["t"]),
            blocs=tuple(BlocSummary(code, State(state), _day(day), tuple(
                CompetenceSummary(c, State(s), _day(d)) for c, s, d in competences))
                for code, state, day, competences in data["b"]),
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def summarise(status: CertificationStatus) -> Summary:
    return Summary(
        validated=status.validated,
        date=status.date,
        blocs=tuple(BlocSummary(b.bloc, b.state, b.date, tuple(
            CompetenceSummary(c.competence, c.state, c.date) for c in b.competences)) for b in status.blocs),
    )


def fingerprint(referential: Referential) -> str:
    """A short digest of what the rules read from the referential (blocs, competences, their
    modalities, thematics and E2 rule): a stored summary computed under another one is stale."""
    parts = [f"{b.code}:{','.join(c.code for c in referential.competences_of(b.code))}" for b in referential.blocs]
    parts += [f"{c.code}:{','.join(c.modalities)}:{','.join(map(str, c.thematics))}:{c.e2_rule}"
              for c in referential.competences]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

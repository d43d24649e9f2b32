"""Frozen dataclasses for the referential; every other layer reads these, none writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

E2Rule = Literal["all", "any"]
MODALITY_CODES = ("E1", "E2", "E3", "E4", "E5")


class ReferentialError(ValueError):
    """The referential file is inconsistent; the message says where, in French."""


@dataclass(frozen=True)
class Modality:
    code: str
    title: str


@dataclass(frozen=True)
class CriteriaGroup:
    id: str
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Requirement:
    """One modality a competence requires, with the seed's wording (E4 carries its phase)."""

    modality: str
    wording: str
    phase: str | None = None


@dataclass(frozen=True)
class Competence:
    code: str
    ref: str
    bloc: str
    activity: str
    sub_activity: str
    statement: str
    criteria: CriteriaGroup
    requires: tuple[Requirement, ...]
    e2_rule: E2Rule
    thematics: tuple[int, ...]

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(r.modality for r in self.requires)

    @property
    def label(self) -> str:
        return f"{self.code} ({self.ref})"

    def requires_modality(self, modality: str) -> bool:
        return modality in self.modalities


@dataclass(frozen=True)
class Activity:
    code: str
    title: str
    sub_activities: tuple[str, ...]
    bloc: str


@dataclass(frozen=True)
class Bloc:
    code: str
    number: int
    title: str
    activities: tuple[str, ...]
    competences: tuple[str, ...]


@dataclass(frozen=True)
class Thematic:
    number: int
    slug: str
    prefix: str
    title: str
    label: str
    competences: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"{self.number:02d}-{self.slug}.md"


@dataclass(frozen=True)
class Referential:
    title: str
    pass_threshold: Fraction
    e2_rule: E2Rule
    modalities: tuple[Modality, ...]
    blocs: tuple[Bloc, ...]
    activities: tuple[Activity, ...]
    criteria: tuple[CriteriaGroup, ...]
    competences: tuple[Competence, ...]
    thematics: tuple[Thematic, ...]
    _by_code: dict[str, Competence] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {c.code: c for c in self.competences} | {c.ref: c for c in self.competences}
        object.__setattr__(self, "_by_code", index)

    def competence(self, code: str) -> Competence:
        """A competence by either numbering, `C15` or `B1.7`."""
        try:
            return self._by_code[code.strip().upper()]
        except KeyError:
            raise KeyError(f"compétence inconnue : {code}") from None

    def has_competence(self, code: str) -> bool:
        return code.strip().upper() in self._by_code

    def bloc(self, code: str) -> Bloc:
        return next(b for b in self.blocs if b.code == code)

    def thematic(self, number: int) -> Thematic:
        return next(t for t in self.thematics if t.number == number)

    def modality(self, code: str) -> Modality:
        return next(m for m in self.modalities if m.code == code)

    def competences_of(self, bloc: str) -> tuple[Competence, ...]:
        return tuple(self.competence(c) for c in self.bloc(bloc).competences)

    def e2_competences(self) -> tuple[Competence, ...]:
        return tuple(c for c in self.competences if c.requires_modality("E2"))

    def competences_requiring(self, modality: str) -> tuple[Competence, ...]:
        return tuple(c for c in self.competences if c.requires_modality(modality))

"""The certification's referential as typed, read-only data (pure: no Flask, no database)."""

from quiz.referential.loader import load_referential
from quiz.referential.model import (
    Activity,
    Bloc,
    Competence,
    CriteriaGroup,
    Modality,
    Referential,
    ReferentialError,
    Requirement,
    Thematic,
)

__all__ = [
    "Activity",
    "Bloc",
    "Competence",
    "CriteriaGroup",
    "Modality",
    "Referential",
    "ReferentialError",
    "Requirement",
    "Thematic",
    "load_referential",
]

"""The four roles of the platform and their French names."""

from enum import StrEnum


class Role(StrEnum):
    CANDIDATE = "candidate"
    ASSESSOR = "assessor"
    TRAINER = "trainer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CANDIDATE: "Candidat",
    Role.ASSESSOR: "Évaluateur",
    Role.TRAINER: "Formateur",
    Role.ADMIN: "Administrateur",
}

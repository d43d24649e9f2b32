"""The sections of each role's home page: what this person has to do here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from quiz.accounts.roles import Role


@dataclass(frozen=True)
class Section:
    role: Role
    title: str
    text: str
    links: tuple[tuple[str, str], ...]


SECTIONS = [
    Section(Role.CANDIDATE, _l("Candidat"),
            _l("Passez les questionnaires E2 ouverts à votre cohorte et suivez la validation de vos blocs."),
            (("exams.candidate_home", _l("Mes questionnaires")), ("ledger.my_dashboard", _l("Ma progression")))),
    Section(Role.ASSESSOR, _l("Évaluateur"),
            _l("Évaluez les épreuves E1, E3, E4 et E5 selon les critères du référentiel "
               "et consultez la grille du jury."),
            (("grading.queue", _l("Évaluations en attente")), ("ledger.jury", _l("Grille du jury")))),
    Section(Role.TRAINER, _l("Formateur"),
            _l("Rédigez, vérifiez et publiez les banques de questions ; suivez les statistiques des questions."),
            (("authoring.banks", _l("Banques de questions")), ("exams.manage", _l("Questionnaires et sessions")),
             ("authoring.statistics", _l("Statistiques")))),
    Section(Role.ADMIN, _l("Administrateur"),
            _l("Gérez les comptes, les cohortes, les sessions de questionnaires et les aménagements."),
            (("accounts.users", _l("Comptes")), ("accounts.cohorts", _l("Cohortes")),
             ("accounts.import_csv", _l("Importer des candidats")), ("exams.manage", _l("Sessions")))),
]


def home_sections(user, endpoints) -> list[Section]:
    """The sections for the user's roles, keeping only links whose pages exist."""
    return [
        Section(s.role, s.title, s.text, tuple(link for link in s.links if link[0] in endpoints))
        for s in SECTIONS
        if user.has_role(s.role)
    ]

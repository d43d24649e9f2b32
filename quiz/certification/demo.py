"""The certification part of `quiz demo`: a jury already held, one full title, one partial
certification, so that a newcomer sees every document and `quiz cpf export` has something to write.

The demo's E2 results are recorded without questionnaire attempts, under negative attempt ids
that no real attempt can take.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from quiz.accounts.models import User
from quiz.certification import service
from quiz.certification.identity import Identity
from quiz.certification.models import JurySession
from quiz.extensions import db
from quiz.ledger import service as ledger
from quiz.ledger.service import CompetenceVerdict

DEMO_PLACE = "Salle du conseil (démonstration)"
DEMO_SETTINGS = {
    "name": "Organisme certificateur de démonstration", "siret": "73282932000074",
    "address": "1 place de la Démonstration\n75001 Paris", "rncp_code": "RNCP99999",
    "certification_code": "CAE", "signatory_name": "Camille Durand", "signatory_quality": "Directrice",
    "cpf_id_client": "DEMO0001", "cpf_id_contrat": "MCFCERDEMO01", "public_base_url": "http://localhost:5000",
}


def _pass(candidate: User, assessor: User, codes: list[str], day) -> None:
    ref = ledger.referential()
    for modality in ("E3", "E4", "E5"):
        chosen = [c for c in codes if ref.competence(c).requires_modality(modality)]
        if chosen:
            ledger.record_grading(candidate.id, modality, [CompetenceVerdict(c, True) for c in chosen], day,
                                  assessor.id, comment="Démonstration")
    for thematic in sorted({t for c in codes for t in ref.competence(c).thematics}):
        when = datetime.combine(day, time(10, 0), tzinfo=UTC)
        ledger.record_e2_result(candidate.id, thematic, True, attempt_id=-(candidate.id * 100 + thematic),
                                recorded_at=when)
    db.session.commit()


def held_jury(full: User, partial: User, assessor: User, admin: User | None, echo: Callable[[str], None]) -> None:
    """Validate, identify, deliberate and close; does nothing if the demo jury already exists."""
    if db.session.execute(select(JurySession).where(JurySession.place == DEMO_PLACE)).first():
        echo("  jury de démonstration déjà tenu")
        return
    conf = service.settings()
    if not conf.name:
        service.update_settings(DEMO_SETTINGS)
    ref = ledger.referential()
    today = service.today()
    _pass(full, assessor, [c for b in ref.blocs for c in b.competences], today - timedelta(days=30))
    _pass(partial, assessor, [*ref.bloc("B2").competences, *ref.bloc("B3").competences], today - timedelta(days=20))
    service.save_identity(full.id, Identity(birth_name=full.last_name, first_name1=full.first_name,
                                            birth_date=today.replace(year=today.year - 31, day=1), sex="F",
                                            commune_code="69123", birth_place="Lyon"), "admin")
    service.save_identity(partial.id, Identity(birth_name=partial.last_name, first_name1=partial.first_name,
                                               birth_date=today.replace(year=today.year - 27, day=1), sex="M",
                                               country_code="99350", birth_place="Maroc"), "admin")
    actor = admin.id if admin else None
    session = service.create_session(today - timedelta(days=7), DEMO_PLACE, [
        service.MemberInput("Camille Durand", "Directrice de l'organisme certificateur", True),
        service.MemberInput("Léa Moreau", "Chargée d'affaires entreprises, professionnelle du secteur"),
        service.MemberInput("Hugo Petit", "Formateur"),
    ], actor)
    service.present_candidates(session.id, [full.id, partial.id])
    service.record_decision(session.id, full.id, "title", [], "", actor)
    service.record_decision(session.id, partial.id, "blocs", ["B2", "B3"], "", actor)
    certificates = service.close_session(session.id, "Camille Durand", actor)
    echo(f"  jury du {session.held_on:%d/%m/%Y} tenu : "
         + ", ".join(f"{c.number} ({'titre' if c.kind == 'title' else 'blocs ' + ', '.join(c.blocs)})"
                     for c in certificates))
    echo("  fichier SI CPF : quiz cpf export --out accrochage.xml")

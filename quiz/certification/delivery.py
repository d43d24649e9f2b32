"""The documents of a jury session, built from the database for quiz.certification.documents."""

from __future__ import annotations

from quiz.certification import documents, service
from quiz.certification.models import Certificate, JurySession
from quiz.ledger import service as ledger


def certifier() -> documents.Certifier:
    conf = service.settings()
    return documents.Certifier(name=conf.name, siret=conf.siret, address=conf.address, rncp_code=conf.rncp_code,
                               signatory_name=conf.signatory_name, signatory_quality=conf.signatory_quality,
                               title=ledger.referential().title, logo=conf.logo)


def _blocs_label(codes) -> str:
    ref = ledger.referential()
    return ", ".join(f"bloc {ref.bloc(c).number}" for c in codes)


def proposal_label(proposal) -> str:
    if proposal.outcome == "title":
        return "Titre"
    if proposal.outcome == "blocs":
        return "Blocs : " + _blocs_label(proposal.blocs)
    return "Rien de nouveau à délivrer"


def decision_label(decision) -> str:
    if decision is None:
        return "Pas encore de décision"
    if decision.outcome == "blocs":
        return documents.OUTCOME_LABELS["blocs"] + " : " + _blocs_label(decision.blocs)
    return documents.OUTCOME_LABELS[decision.outcome]


def minutes(session: JurySession) -> bytes:
    rows = [documents.MinutesRow(name=row.candidate.sort_name, proposal=proposal_label(row.proposal),
                                 decision=decision_label(row.decision),
                                 reason=row.decision.reason if row.decision else "")
            for row in service.session_rows(session)]
    return documents.minutes_pdf(certifier(), session.held_on, session.place,
                                 [(m.name, m.quality, m.president) for m in session.members], rows, session.closed)


def _data(cert: Certificate, identity) -> documents.CertificateData:
    ref = ledger.referential()
    return documents.CertificateData(
        number=cert.number, kind=cert.kind, holder_name=cert.holder_name,
        birth_date=identity.birth_date, birth_place=identity.place_label,
        blocs=tuple((f"Bloc {ref.bloc(c).number}", ref.bloc(c).title) for c in cert.blocs),
        jury_date=cert.session.held_on, jury_place=cert.session.place,
        verification_url=service.verification_url(cert), revoked=cert.revocation is not None)


def certificate_pdf(cert: Certificate) -> bytes:
    identity = service.identity(cert.holder_id)
    if identity is None:
        raise service.CertificationError("L'état civil du titulaire n'est plus disponible.")
    return documents.certificate_pdf(certifier(), _data(cert, identity))


def filename(cert: Certificate) -> str:
    kind = "parchemin" if cert.kind == "title" else "certificat-competences"
    return f"{kind}-{cert.number}.pdf"


def session_zip(session: JurySession) -> bytes:
    certs = service.certificates_of_session(session.id)
    if not certs:
        raise service.CertificationError("Aucun certificat : la délibération n'est pas close ou n'a aucun lauréat.")
    holders = service.identities(c.holder_id for c in certs)
    issuer = certifier()
    files = [(filename(c), documents.certificate_pdf(issuer, _data(c, holders[c.holder_id]))) for c in certs]
    files.append((f"pv-deliberation-{session.held_on.isoformat()}.pdf", minutes(session)))
    return documents.certificates_zip(files)

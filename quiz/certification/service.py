"""The certification chain's API: settings, identities, jury sessions, certificates, SI CPF.

Views and commands call these functions. The ledger is read through quiz.ledger.service only.
"""

from __future__ import annotations

import io
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from quiz.accounts.models import User, cohort_members
from quiz.accounts.roles import Role
from quiz.audit.service import record
from quiz.certification import cpf, crypto, rules
from quiz.certification.identity import Identity, normalise, parse_csv, problems
from quiz.certification.models import (
    Certificate,
    CertificateRevocation,
    CertifierSettings,
    CivilIdentity,
    CpfSubmission,
    CpfSubmissionItem,
    JuryCandidate,
    JuryDecision,
    JuryMember,
    JurySession,
    RequestHit,
)
from quiz.extensions import db
from quiz.ledger import service as ledger
from quiz.timeutil import utcnow

LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
LOGO_MAX = 512 * 1024
LOGO_MAX_PIXELS = 4000
SETTINGS_FIELDS = ("name", "siret", "address", "rncp_code", "certification_code", "signatory_name",
                   "signatory_quality", "cpf_id_client", "cpf_id_contrat", "cpf_access_mode", "public_base_url")
CPF_DEADLINE_MONTHS = 3
CPF_WARNING_DAYS = 15


class CertificationError(ValueError):
    """An action refused, with a French message saying why."""


def today() -> date:
    return ledger.local_date(utcnow())


# --- certifier settings -------------------------------------------------------------------------


def settings() -> CertifierSettings:
    """The settings row; before the first save, blank settings that are not stored (a read writes nothing)."""
    row = db.session.get(CertifierSettings, 1)
    if row is None:
        row = CertifierSettings(id=1, **{k: "" for k in SETTINGS_FIELDS}, retention={})
        row.cpf_access_mode = cpf.ACCESS_MODES[2]
    return row


def settings_problems(values: dict) -> dict[str, str]:
    out = {}
    if values.get("siret") and not rules.valid_siret(values["siret"]):
        out["siret"] = "Le SIRET doit compter 14 chiffres et passer la clé de contrôle (Luhn)."
    if values.get("rncp_code") and not rules.RNCP.match(values["rncp_code"]):
        out["rncp_code"] = "Le code RNCP s'écrit « RNCP » suivi de son numéro (ex. RNCP38577)."
    if values.get("cpf_id_client") and not rules.ID_CLIENT.match(values["cpf_id_client"]):
        out["cpf_id_client"] = "L'idClient CPF compte exactement 8 caractères (lettres capitales et chiffres)."
    if values.get("cpf_access_mode") and values["cpf_access_mode"] not in cpf.ACCESS_MODES:
        out["cpf_access_mode"] = "Modalité d'accès inconnue."
    url = values.get("public_base_url") or ""
    if url and not (url.startswith("https://") or url.startswith("http://")):
        out["public_base_url"] = "L'adresse publique commence par https://."
    return out


def update_settings(values: dict, logo: tuple[bytes, str] | None = None, remove_logo: bool = False,
                    retention: dict[str, int] | None = None) -> CertifierSettings:
    """Save the certifier's settings; the audit journal records which fields changed, old and new."""
    values = {k: (values.get(k) or "").strip() for k in SETTINGS_FIELDS if k in values}
    for key in ("siret",):
        if key in values:
            values[key] = values[key].replace(" ", "")
    for key in ("rncp_code", "cpf_id_client"):
        if key in values:
            values[key] = values[key].upper().replace(" ", "")
    wrong = settings_problems(values)
    logo_type = None
    if logo is not None:
        logo_type = _logo_type(logo[0])
        if len(logo[0]) > LOGO_MAX:
            wrong["logo"] = "Le logo dépasse 512 Ko."
        elif logo_type is None:
            wrong["logo"] = (f"Le logo doit être une image PNG ou JPEG lisible, de {LOGO_MAX_PIXELS} pixels "
                             "de côté au plus.")
    if wrong:
        raise CertificationError(" ".join(wrong.values()))
    row = settings()
    if row not in db.session:
        db.session.add(row)
    changes = {k: {"avant": getattr(row, k), "après": v} for k, v in values.items() if getattr(row, k) != v}
    for key, value in values.items():
        setattr(row, key, value)
    if logo is not None:
        row.logo, row.logo_type = logo[0], logo_type
        changes["logo"] = {"taille": len(logo[0])}
    elif remove_logo and row.logo is not None:
        row.logo, row.logo_type = None, None
        changes["logo"] = "retiré"
    if retention is not None and retention != (row.retention or {}):
        changes["conservation"] = {"avant": row.retention or {}, "après": retention}
        row.retention = dict(retention)
    row.updated_at = utcnow()
    record("certifier.settings", target=("CertifierSettings", row.id), details=changes, commit=False)
    try:
        db.session.commit()
    except IntegrityError:  # two first saves at once: the other one created the row
        db.session.rollback()
        return update_settings(values, logo, remove_logo, retention)
    return row


def _logo_type(body: bytes) -> str | None:
    """The MIME type of a PNG or JPEG that decodes completely (what the PDFs will draw), else None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(body)) as image:
            if image.format not in LOGO_FORMATS or max(image.size) > LOGO_MAX_PIXELS:
                return None
            image.load()
            return LOGO_FORMATS[image.format]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


# --- civil identity -----------------------------------------------------------------------------


def identity(user_id: int) -> Identity | None:
    row = db.session.execute(select(CivilIdentity).where(CivilIdentity.user_id == user_id)).scalar_one_or_none()
    return Identity.from_json(json.loads(crypto.decrypt(row.payload))) if row else None


def identities(user_ids) -> dict[int, Identity]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(CivilIdentity).where(CivilIdentity.user_id.in_(ids))).scalars()
    return {r.user_id: Identity.from_json(json.loads(crypto.decrypt(r.payload))) for r in rows}


def identity_complete(value: Identity | None) -> bool:
    return value is not None and not problems(value, today())


def _store_identity(user_id: int, value: Identity, source: str) -> None:
    row = db.session.execute(select(CivilIdentity).where(CivilIdentity.user_id == user_id)).scalar_one_or_none()
    payload = crypto.encrypt(json.dumps(value.to_json(), ensure_ascii=False))
    if row is None:
        db.session.add(CivilIdentity(user_id=user_id, payload=payload, source=source, updated_at=utcnow()))
    else:
        row.payload, row.source, row.updated_at = payload, source, utcnow()


def save_identity(user_id: int, value: Identity, source: str) -> Identity:
    """Validate and store one identity; raises CertificationError listing every problem."""
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(Role.CANDIDATE):
        raise CertificationError("candidat introuvable")
    value = normalise(value)
    wrong = problems(value, today())
    if wrong:
        raise CertificationError(" ".join(wrong.values()))
    _store_identity(user_id, value, source)
    record("identity.update", target=("User", user_id), details={"source": source}, commit=False)
    db.session.commit()
    return value


@dataclass(frozen=True)
class ImportReport:
    saved: int
    refused: tuple[tuple[int, str], ...]  # (line, French message)


def import_identities(data: bytes) -> ImportReport:
    """Store every valid row of the CSV; list the others with their line and what is wrong."""
    rows = parse_csv(data, today())
    emails = {r.email for r in rows}
    users = {u.email: u for u in db.session.execute(select(User).where(User.email.in_(emails))).scalars()}
    saved, refused = 0, []
    for row in rows:
        user = users.get(row.email)
        if user is None or not user.has_role(Role.CANDIDATE):
            refused.append((row.line, f"aucun candidat n'a l'adresse « {row.email} »"))
        elif row.errors:
            refused.append((row.line, " ".join(row.errors.values())))
        else:
            _store_identity(user.id, row.identity, "import")
            saved += 1
    record("identity.import", details={"saved": saved, "refused": len(refused)}, commit=False)
    db.session.commit()
    return ImportReport(saved, tuple(refused))


# --- jury sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberInput:
    name: str
    quality: str
    president: bool = False


def create_session(held_on: date, place: str, members: list[MemberInput], actor_id: int | None) -> JurySession:
    members = [MemberInput(m.name.strip(), m.quality.strip(), m.president) for m in members if m.name.strip()]
    if not place.strip():
        raise CertificationError("Le lieu de la délibération est obligatoire.")
    if not members:
        raise CertificationError("Indiquez au moins un membre du jury.")
    if any(not m.quality for m in members):
        raise CertificationError("Indiquez la qualité de chaque membre du jury.")
    if sum(m.president for m in members) != 1:
        raise CertificationError("Le jury a un président et un seul.")
    session = JurySession(held_on=held_on, place=place.strip(), created_by_id=actor_id, created_at=utcnow(),
                          members=[JuryMember(name=m.name, quality=m.quality, president=m.president) for m in members])
    db.session.add(session)
    db.session.flush()
    record("jury.create", target=("JurySession", session.id),
           details={"date": held_on.isoformat(), "lieu": session.place}, commit=False)
    db.session.commit()
    return session


def jury_session(session_id: int) -> JurySession:
    session = db.session.get(JurySession, session_id)
    if session is None:
        raise CertificationError("session de jury introuvable")
    return session


def sessions() -> list[JurySession]:
    return list(db.session.execute(select(JurySession).order_by(JurySession.held_on.desc(), JurySession.id.desc()))
                .scalars())


def _open(session: JurySession) -> None:
    if session.closed:
        raise CertificationError("La délibération est close : elle ne peut plus être modifiée.")


def present_candidates(session_id: int, candidate_ids) -> int:
    """Add candidates to an open session (those already presented are left as they are)."""
    session = jury_session(session_id)
    _open(session)
    already = {c.candidate_id for c in session.candidates}
    wanted = [i for i in dict.fromkeys(candidate_ids) if i not in already]
    found = set(db.session.execute(
        select(User.id).where(User.id.in_(wanted), User.role_rows.any(role=Role.CANDIDATE.value))).scalars())
    for candidate_id in wanted:
        if candidate_id in found:
            session.candidates.append(JuryCandidate(candidate_id=candidate_id))
    record("jury.present", target=("JurySession", session.id), details={"candidats": sorted(found)}, commit=False)
    db.session.commit()
    return len(found)


def withdraw_candidate(session_id: int, candidate_id: int) -> None:
    session = jury_session(session_id)
    _open(session)
    if _latest_decisions(session.id).get(candidate_id):
        raise CertificationError("Ce candidat a déjà une décision : il ne peut plus être retiré.")
    for presented in list(session.candidates):
        if presented.candidate_id == candidate_id:
            session.candidates.remove(presented)
    record("jury.withdraw", target=("JurySession", session.id), details={"candidat": candidate_id}, commit=False)
    db.session.commit()


def cohort_candidate_ids(cohort_id: int) -> list[int]:
    return list(db.session.execute(select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort_id))
                .scalars())


def awarded(candidate_ids) -> dict[int, tuple[bool, set[str]]]:
    """candidate -> (title awarded, blocs awarded), from certificates not revoked."""
    ids = list(candidate_ids)
    out: dict[int, tuple[bool, set[str]]] = {i: (False, set()) for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(Certificate.holder_id, Certificate.kind, Certificate.blocs)
        .outerjoin(CertificateRevocation, CertificateRevocation.certificate_id == Certificate.id)
        .where(Certificate.holder_id.in_(ids), CertificateRevocation.id.is_(None))
    )
    for holder, kind, blocs in rows:
        title, codes = out[holder]
        out[holder] = (title or kind == "title", codes | set(blocs or ()))
    return out


def proposal_for(status, title_awarded: bool, blocs_awarded: set[str]) -> rules.Proposal:
    ref = ledger.referential()
    validated = {b.bloc: b.date for b in status.blocs if b.validated}
    return rules.proposal(validated, tuple(b.code for b in ref.blocs), title_awarded, blocs_awarded)


def ready_candidates() -> list[tuple[User, rules.Proposal]]:
    """The ledger's « ready » list: candidates for whom the ledger proposes something new."""
    grid = ledger.full_grid()
    done = awarded(r.candidate.id for r in grid.rows)
    out = []
    for row in grid.rows:
        prop = proposal_for(row.status, *done[row.candidate.id])
        if prop.outcome != "none":
            out.append((row.candidate, prop))
    return out


def _latest_decisions(session_id: int) -> dict[int, JuryDecision]:
    rows = db.session.execute(
        select(JuryDecision).where(JuryDecision.session_id == session_id).order_by(JuryDecision.id)).scalars()
    return {d.candidate_id: d for d in rows}


def decision_history(session_id: int, candidate_id: int) -> list[JuryDecision]:
    return list(db.session.execute(
        select(JuryDecision).where(JuryDecision.session_id == session_id, JuryDecision.candidate_id == candidate_id)
        .order_by(JuryDecision.id)).scalars())


@dataclass(frozen=True)
class CandidateRow:
    candidate: User
    proposal: rules.Proposal
    decision: JuryDecision | None
    identity_complete: bool


def session_rows(session: JurySession) -> list[CandidateRow]:
    ids = [c.candidate_id for c in session.candidates]
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    decisions = _latest_decisions(session.id)
    identities_ = identities(ids)
    if session.closed:
        # What the jury saw: the proposal stored with each decision.
        props = {i: _stored_proposal(decisions[i]) for i in ids if i in decisions}
    else:
        entries = ledger.candidate_statuses(ids)
        done = awarded(ids)
        props = {i: proposal_for(entries[i], *done[i]) for i in ids}
    rows = [CandidateRow(users[i], props.get(i) or rules.Proposal("none", (), {}), decisions.get(i),
                         identity_complete(identities_.get(i))) for i in ids]
    return sorted(rows, key=lambda r: (r.candidate.last_name.casefold(), r.candidate.first_name.casefold(),
                                       r.candidate.id))


def _stored_proposal(decision: JuryDecision) -> rules.Proposal:
    p = decision.proposal or {}
    return rules.Proposal(p.get("outcome", "none"), tuple(p.get("blocs", ())), p.get("dates", {}),
                          tuple(p.get("already", ())))


def candidate_proposal(session: JurySession, candidate_id: int) -> rules.Proposal:
    status = ledger.candidate_status(candidate_id)
    return proposal_for(status, *awarded([candidate_id])[candidate_id])


def record_decision(session_id: int, candidate_id: int, outcome: str, blocs, reason: str,
                    actor_id: int | None) -> JuryDecision:
    """The jury's decision on one presented candidate (a new row; the previous one stays)."""
    session = jury_session(session_id)
    _open(session)
    if candidate_id not in {c.candidate_id for c in session.candidates}:
        raise CertificationError("Ce candidat n'est pas présenté à cette session.")
    ref = ledger.referential()
    codes = tuple(b.code for b in ref.blocs)
    if outcome not in ("title", "blocs", "none"):
        raise CertificationError("Décision inconnue.")
    blocs = tuple(b for b in codes if b in set(blocs or ()))
    if outcome == "title":
        blocs = codes
    elif outcome == "none":
        blocs = ()
    elif not blocs:
        raise CertificationError("Choisissez les blocs délivrés, ou décidez « non délivré ».")
    prop = candidate_proposal(session, candidate_id)
    already_title, already_blocs = awarded([candidate_id])[candidate_id]
    if outcome == "title" and already_title:
        raise CertificationError("Le titre a déjà été délivré à ce candidat par un jury précédent.")
    if outcome == "blocs" and set(blocs) & already_blocs:
        raise CertificationError("Un de ces blocs a déjà été délivré par un jury précédent.")
    reason = (reason or "").strip()
    if rules.departs(prop, outcome, blocs) and not reason:
        raise CertificationError("La décision s'écarte de la proposition du registre : le motif est obligatoire.")
    if outcome != "none" and not identity_complete(identity(candidate_id)):
        raise CertificationError("L'état civil du candidat est incomplet : complétez-le avant toute délivrance.")
    decision = JuryDecision(session_id=session.id, candidate_id=candidate_id, outcome=outcome, blocs=list(blocs),
                            proposal=prop.to_json(), reason=reason, decided_by_id=actor_id, decided_at=utcnow())
    db.session.add(decision)
    db.session.flush()
    record("jury.decision", target=("JurySession", session.id),
           details={"candidat": candidate_id, "décision": outcome, "blocs": list(blocs), "motif": reason},
           commit=False)
    db.session.commit()
    return decision


def close_session(session_id: int, president_name: str, actor_id: int | None) -> list[Certificate]:
    """The président closes the deliberation: decisions become final and certificates are issued."""
    session = jury_session(session_id)
    _open(session)
    president = session.president
    if president is None:
        raise CertificationError("Le jury n'a pas de président.")
    if " ".join(president_name.split()).casefold() != " ".join(president.name.split()).casefold():
        raise CertificationError(f"Seul le président du jury ({president.name}) peut clore : saisissez son nom.")
    if not session.candidates:
        raise CertificationError("Aucun candidat n'est présenté à cette session.")
    decisions = _latest_decisions(session.id)
    missing = [c.candidate_id for c in session.candidates if c.candidate_id not in decisions]
    if missing:
        raise CertificationError(f"Décision manquante pour {len(missing)} candidat(s).")
    awarded_ids = [i for i, d in decisions.items() if d.outcome != "none"]
    ids_ = identities(awarded_ids)
    if any(not identity_complete(ids_.get(i)) for i in awarded_ids):
        raise CertificationError("L'état civil d'un lauréat est incomplet : complétez-le avant de clore.")
    certificates = []
    ordered = sorted(awarded_ids, key=lambda i: (ids_[i].birth_name.casefold(), ids_[i].first_names.casefold(), i))
    for index, candidate_id in enumerate(ordered, start=1):
        decision = decisions[candidate_id]
        holder = ids_[candidate_id]
        certificates.append(Certificate(
            number=rules.certificate_number(session.held_on.year, session.id, index),
            verification_code=secrets.token_urlsafe(24),
            session_id=session.id, decision_id=decision.id, holder_id=candidate_id,
            holder_name=f"{holder.first_names} {(holder.usage_name or holder.birth_name).upper()}",
            kind="title" if decision.outcome == "title" else "blocs", blocs=list(decision.blocs),
            awarded_on=session.held_on, issued_at=utcnow(),
        ))
    db.session.add_all(certificates)
    session.closed_at = utcnow()
    session.closed_by_id = actor_id
    record("jury.close", target=("JurySession", session.id),
           details={"président": president.name, "certificats": [c.number for c in certificates]}, commit=False)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CertificationError("Cette session vient d'être close par ailleurs : rechargez la page.") from None
    return certificates


# --- certificates and verification --------------------------------------------------------------


def certificates_of_session(session_id: int) -> list[Certificate]:
    return list(db.session.execute(select(Certificate).where(Certificate.session_id == session_id)
                                   .order_by(Certificate.number)).scalars())


def certificates_of(holder_id: int) -> list[Certificate]:
    return list(db.session.execute(select(Certificate).where(Certificate.holder_id == holder_id)
                                   .order_by(Certificate.id)).scalars())


def certificate(certificate_id: int) -> Certificate:
    found = db.session.get(Certificate, certificate_id)
    if found is None:
        raise CertificationError("certificat introuvable")
    return found


def verification_url(cert: Certificate) -> str:
    """The public address of the certificate's page: from the settings, else the request's host
    (the command line without settings gets a relative path, which the CPF export refuses)."""
    base = (settings().public_base_url or current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base and has_request_context():
        base = request.host_url.rstrip("/")
    return f"{base}/verification/{cert.verification_code}"


def by_verification_code(code: str) -> Certificate | None:
    if not code or len(code) > 64:
        return None
    return db.session.execute(select(Certificate).where(Certificate.verification_code == code)).scalar_one_or_none()


def revoke(certificate_id: int, reason: str, actor_id: int | None) -> CertificateRevocation:
    cert = certificate(certificate_id)
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError("Le motif de l'annulation est obligatoire.")
    if cert.revocation is not None:
        raise CertificationError("Ce certificat est déjà annulé.")
    revocation = CertificateRevocation(certificate_id=cert.id, reason=reason, revoked_by_id=actor_id,
                                       revoked_at=utcnow())
    db.session.add(revocation)
    record("certificate.revoke", target=("Certificate", cert.id), details={"numéro": cert.number, "motif": reason},
           commit=False)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CertificationError("Ce certificat est déjà annulé.") from None
    return revocation


def allow_request(key: str, limit: int, window: timedelta) -> bool:
    """A shared sliding-window counter: False once `key` made `limit` requests within `window`."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    now = utcnow()
    db.session.execute(RequestHit.__table__.delete().where(RequestHit.at <= now - window))
    count = db.session.execute(select(func.count(RequestHit.id)).where(RequestHit.key == key,
                                                                      RequestHit.at > now - window)).scalar_one()
    if count >= limit:
        db.session.commit()
        return False
    db.session.add(RequestHit(key=key[:120], at=now))
    db.session.commit()
    return True


# --- SI CPF -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingAward:
    certificate: Certificate
    deadline: date
    days_left: int

    @property
    def warning(self) -> bool:
        return self.days_left <= CPF_WARNING_DAYS


def _sent_ids() -> set[int]:
    return set(db.session.execute(
        select(CpfSubmissionItem.certificate_id).join(CpfSubmission)
        .where(CpfSubmission.sent_at.is_not(None))).scalars())


def pending_awards() -> list[PendingAward]:
    """Certificates not revoked and not yet in a file marked as sent, oldest first."""
    sent = _sent_ids()
    rows = db.session.execute(select(Certificate).order_by(Certificate.awarded_on, Certificate.id)).scalars()
    now = today()
    out = []
    for cert in rows:
        if cert.id in sent or cert.revocation is not None:
            continue
        deadline = rules.months_later(cert.awarded_on, CPF_DEADLINE_MONTHS)
        out.append(PendingAward(cert, deadline, (deadline - now).days))
    return out


def _awards_for_export(jury_id: int | None, since: date | None) -> list[Certificate]:
    query = (select(Certificate)
             .outerjoin(CertificateRevocation, CertificateRevocation.certificate_id == Certificate.id)
             .where(CertificateRevocation.id.is_(None)).order_by(Certificate.id))
    if jury_id is not None:
        query = query.where(Certificate.session_id == jury_id)
    if since is not None:
        query = query.where(Certificate.awarded_on >= since)
    if jury_id is None and since is None:
        sent = _sent_ids()
        return [c for c in db.session.execute(query).scalars() if c.id not in sent]
    return list(db.session.execute(query).scalars())


def cpf_export(jury_id: int | None = None, since: date | None = None,
               actor_id: int | None = None) -> tuple[CpfSubmission, bytes]:
    """Write the XML for the awards chosen (by default every award not yet sent) and keep a trace."""
    certs = _awards_for_export(jury_id, since)
    if not certs:
        raise cpf.CpfError("aucune certification à transmettre pour ce choix")
    conf = settings()
    holders = identities(c.holder_id for c in certs)
    awards = []
    for cert in certs:
        h = holders.get(cert.holder_id)
        if h is None or h.birth_date is None:
            raise cpf.CpfError(f"passage {cert.number} : état civil du titulaire absent")
        awards.append(cpf.Award(
            technical_id=cert.number, awarded_on=cert.awarded_on, proof_url=verification_url(cert),
            access_mode=conf.cpf_access_mode, partial=cert.kind == "blocs",
            holder=cpf.Holder(birth_name=h.birth_name, first_name1=h.first_name1, birth_date=h.birth_date, sex=h.sex,
                              usage_name=h.usage_name, first_name2=h.first_name2, first_name3=h.first_name3,
                              commune_code=h.commune_code, country_code=h.country_code,
                              birth_place=h.birth_place)))
    flux_id = uuid.uuid4().hex
    body = cpf.build(cpf.Flux(flux_id=flux_id, timestamp=utcnow(), id_client=conf.cpf_id_client,
                              id_contrat=conf.cpf_id_contrat, certification_type="RNCP",
                              certification_code=conf.rncp_code, awards=tuple(awards)))
    submission = CpfSubmission(flux_id=flux_id, created_at=utcnow(), created_by_id=actor_id, body=body,
                               items=[CpfSubmissionItem(certificate_id=c.id) for c in certs])
    db.session.add(submission)
    db.session.flush()
    record("cpf.export", target=("CpfSubmission", submission.id), details={"passages": len(certs)}, commit=False)
    db.session.commit()
    return submission, body


def submissions() -> list[CpfSubmission]:
    return list(db.session.execute(select(CpfSubmission).order_by(CpfSubmission.id.desc())).scalars())


def mark_sent(submission_id: int, acknowledgement: str, actor_id: int | None = None) -> CpfSubmission:
    submission = db.session.get(CpfSubmission, submission_id)
    if submission is None:
        raise CertificationError("fichier introuvable")
    acknowledgement = (acknowledgement or "").strip()
    if not acknowledgement:
        raise CertificationError("La référence de l'accusé de réception est obligatoire.")
    if submission.sent_at is not None:
        raise CertificationError("Ce fichier est déjà marqué comme déposé.")
    submission.sent_at = utcnow()
    submission.acknowledgement = acknowledgement[:120]
    record("cpf.sent", target=("CpfSubmission", submission.id), details={"accusé": acknowledgement}, commit=False)
    db.session.commit()
    return submission


def rotate_identity_keys() -> int:
    """Re-encrypt every identity with a new key (see quiz.certification.crypto); returns the count."""
    file_mode = crypto.uses_key_file()
    key_list = crypto.begin_rotation() if file_mode else crypto.keys()
    rows = db.session.execute(select(CivilIdentity)).scalars().all()
    for row in rows:
        row.payload = crypto.rotate(row.payload, key_list)
    record("identity.rotate_key", details={"identités": len(rows)}, commit=False)
    db.session.commit()
    if file_mode:
        crypto.finish_rotation(key_list)
    return len(rows)

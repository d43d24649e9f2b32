"""Personal data as the RGPD asks: a person's data on request, and retention applied by a purge.

What the certifier must keep is never purged: jury decisions, certificates (with the name they
carry), the ledger's entries and the audit journal (all append-only), and the civil identity of
every holder of a certificate (the documents and the SI CPF rest on it). What is purged past its
period, per kind (months, set in the certifier settings):

- `comptes_inactifs`: candidate accounts holding no certificate, without login for that long:
  name and e-mail anonymised, account closed, cohorts left, civil identity deleted;
- `etat_civil_non_laureats`: the civil identity of candidates holding no certificate, that long
  after it was last updated;
- `echecs_connexion`: the login throttle's failure records.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select

from quiz import storage
from quiz.accounts.models import User, cohort_members
from quiz.accounts.roles import Role
from quiz.accounts.throttle import LoginFailure
from quiz.audit.service import record
from quiz.certification import service
from quiz.certification.models import Certificate, CivilIdentity, JuryDecision
from quiz.extensions import db
from quiz.ledger import service as ledger
from quiz.timeutil import utcnow

RETENTION_KINDS = {
    "comptes_inactifs": ("Comptes de candidats sans certificat, sans connexion depuis", 36),
    "etat_civil_non_laureats": ("État civil des candidats sans certificat, non modifié depuis", 24),
    "echecs_connexion": ("Traces d'échecs de connexion, plus anciennes que", 1),
}
MONTH = timedelta(days=30)


def retention() -> dict[str, int]:
    stored = service.settings().retention or {}
    return {kind: int(stored.get(kind, default)) for kind, (_label, default) in RETENTION_KINDS.items()}


def check_retention(values: dict[str, int]) -> dict[str, int]:
    out = {}
    for kind in RETENTION_KINDS:
        value = values.get(kind)
        if value is None or not 1 <= int(value) <= 600:
            raise service.CertificationError("Chaque durée de conservation est un nombre de mois entre 1 et 600.")
        out[kind] = int(value)
    return out


# --- the person's data --------------------------------------------------------------------------


def personal_data(user_id: int) -> bytes:
    """A ZIP: donnees.json (account, identity, ledger, exams, jury, certificates) and the files."""
    from quiz.exams.models import Attempt

    user = db.session.get(User, user_id)
    if user is None:
        raise service.CertificationError("compte introuvable")
    identity = service.identity(user_id)
    entries = ledger.history(user_id) if user.has_role(Role.CANDIDATE) else []
    attempts = db.session.execute(select(Attempt).where(Attempt.candidate_id == user_id).order_by(Attempt.id)).scalars()
    decisions = db.session.execute(select(JuryDecision).where(JuryDecision.candidate_id == user_id)
                                   .order_by(JuryDecision.id)).scalars()
    data = {
        "compte": {"email": user.email, "prénom": user.first_name, "nom": user.last_name,
                   "rôles": sorted(r.value for r in user.roles), "cohortes": [c.name for c in user.cohorts],
                   "créé_le": user.created_at.isoformat(),
                   "dernière_connexion": user.last_login_at.isoformat() if user.last_login_at else None},
        "état_civil": identity.to_json() if identity else None,
        "registre": [{"compétence": e.competence, "modalité": e.modality, "thématique": e.thematic,
                      "acquis": e.passed, "note": str(e.score) if e.score is not None else None,
                      "sur": str(e.score_max) if e.score_max is not None else None, "commentaire": e.comment,
                      "évalué_le": e.assessed_on.isoformat(), "enregistré_le": e.recorded_at.isoformat(),
                      "remplace": e.replaces_id, "motif_correction": e.correction_reason}
                     for e in entries],
        "questionnaires": [{"questionnaire": a.questionnaire.title if a.questionnaire else "E3 — étude de cas en ligne",
                            "début": a.started_at.isoformat(),
                            "fin": a.finished_at.isoformat() if a.finished_at else None, "statut": a.status,
                            "score": str(a.score) if a.score is not None else None, "réussi": a.passed}
                           for a in attempts],
        "décisions_du_jury": [{"session": d.session_id, "décision": d.outcome, "blocs": d.blocs, "motif": d.reason,
                               "décidé_le": d.decided_at.isoformat()} for d in decisions],
        "certificats": [{"numéro": c.number, "nature": c.kind, "blocs": c.blocs, "délivré_le": c.awarded_on.isoformat(),
                         "vérification": service.verification_url(c),
                         "annulé": c.revocation.revoked_at.isoformat() if c.revocation else None}
                        for c in service.certificates_of(user_id)],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        seen = set()
        for entry in entries:
            for evidence in (entry.act.evidence if entry.act else ()):
                if evidence.id in seen or not storage.exists(evidence.stored_name):
                    continue
                seen.add(evidence.id)
                with archive.open(f"fichiers/{evidence.id}-{Path(evidence.original_name).name}", "w") as target:
                    storage.copy_to(evidence.stored_name, target)
    record("privacy.export", target=("User", user_id))
    return out.getvalue()


# --- the purge ----------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    accounts: list[int] = field(default_factory=list)
    identities: list[int] = field(default_factory=list)
    login_failures: int = 0

    def lines(self) -> list[str]:
        return [
            f"comptes anonymisés : {len(self.accounts)}" + (f" ({', '.join(map(str, self.accounts))})"
                                                           if self.accounts else ""),
            f"états civils supprimés : {len(self.identities)}",
            f"traces d'échecs de connexion supprimées : {self.login_failures}",
        ]


def _holders():
    return select(Certificate.holder_id)


def purge(dry_run: bool = False) -> PurgeReport:
    """Apply the retention policy; with dry_run, only say what would be done."""
    periods = retention()
    now = utcnow()
    report = PurgeReport()
    candidates = User.role_rows.any(role=Role.CANDIDATE.value)

    account_limit = now - periods["comptes_inactifs"] * MONTH
    stale = db.session.execute(
        select(User).where(candidates, User.id.not_in(_holders()), ~User.email.endswith("@anonyme.invalid"),
                           func.coalesce(User.last_login_at, User.created_at) < account_limit)
        .order_by(User.id)).scalars().all()
    report.accounts = [u.id for u in stale]

    identity_limit = now - periods["etat_civil_non_laureats"] * MONTH
    report.identities = list(db.session.execute(
        select(CivilIdentity.user_id).where(
            CivilIdentity.user_id.not_in(_holders()),
            or_(CivilIdentity.updated_at < identity_limit, CivilIdentity.user_id.in_(report.accounts)))
        .order_by(CivilIdentity.user_id)).scalars())

    failure_limit = now - periods["echecs_connexion"] * MONTH
    report.login_failures = db.session.execute(
        select(func.count(LoginFailure.id)).where(LoginFailure.failed_at < failure_limit)).scalar_one()
    if dry_run:
        return report

    for user in stale:
        user.first_name, user.last_name = "Anonyme", f"n° {user.id}"
        user.email = f"anonyme-{user.id}@anonyme.invalid"
        user.active = False
        user.set_password(secrets.token_urlsafe(32))
        db.session.execute(delete(cohort_members).where(cohort_members.c.user_id == user.id))
    if report.identities:
        db.session.execute(delete(CivilIdentity).where(CivilIdentity.user_id.in_(report.identities)))
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < failure_limit))
    record("privacy.purge", details={"comptes": report.accounts, "états_civils": len(report.identities),
                                     "échecs_connexion": report.login_failures}, commit=False)
    db.session.commit()
    return report

"""Assessment sessions and candidates' deposits: one function per thing a person does.

Deposits are checked like evidence (content, not name; size per file), stored in quiz.storage,
and answered with a receipt (reference, date, SHA-256 of every file) on screen, as a PDF and by
mail through the outbox, all in the deposit's own transaction.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from quiz import storage
from quiz.accounts.models import Cohort, User, cohort_members
from quiz.accounts.roles import Role
from quiz.assessments.models import (
    MODALITIES,
    MODES,
    AssessmentSession,
    DepositFile,
    DepositVersion,
    OnlineAttempt,
    Submission,
    assessment_session_cohorts,
)
from quiz.assessments.receipts import Receipt, ReceiptFile, receipt_pdf
from quiz.audit.service import record
from quiz.exams.models import Attempt
from quiz.extensions import db
from quiz.grading import evidence
from quiz.ledger.service import gradable_competences, local_date, referential
from quiz.notifications.service import Attachment, enqueue
from quiz.referential import Competence
from quiz.timeutil import utcnow

DOUBLE_MARKING_MODALITIES = ("E3", "E5")
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed without doubt


class AssessmentError(ValueError):
    """Something a person asked that cannot be done; the message is French and says why."""


# --- sessions ------------------------------------------------------------------------------------


def modality_competences(modality: str, thematic: int | None = None) -> tuple[Competence, ...]:
    """The competences the referential assigns to `modality`; for E3 on a thematic, those the
    thematic shares with E3 (all of E3's when it shares none)."""
    if modality not in MODALITIES:
        raise AssessmentError(f"modalité inconnue : {modality}")
    competences = gradable_competences(modality)
    if modality == "E3" and thematic is not None:
        shared = set(referential().thematic(thematic).competences)
        return tuple(c for c in competences if c.code in shared) or competences
    return competences


@dataclass
class SessionData:
    modality: str
    title: str
    opens_at: datetime
    deadline_at: datetime
    cohort_ids: Sequence[int]
    competences: Sequence[str]
    thematic: int | None = None
    late_allowed: bool = False
    double_marking: bool = False
    max_files: int = 5
    mode: str = "deposit"
    case_study_id: int | None = None


def _check_case_study(data: SessionData) -> None:
    """An online session is an E3 one, on one imported case study of the session's thematic."""
    from quiz.assessments.casestudies import case_study

    if data.mode not in MODES:
        raise AssessmentError(f"mode inconnu : {data.mode}")
    if data.mode == "deposit":
        return
    if data.modality != "E3":
        raise AssessmentError("Seule l'étude de cas (E3) se passe en ligne, chronométrée.")
    study = case_study(data.case_study_id) if data.case_study_id else None
    if study is None or study.current is None:
        raise AssessmentError("Choisissez l'étude de cas que les candidats rédigeront en ligne "
                              "(importée par « quiz casestudies import »).")
    if study.current.thematic != data.thematic:
        raise AssessmentError(f"L'étude de cas {study.code} porte sur la thématique {study.current.thematic}, "
                              f"pas sur la thématique {data.thematic} de la session.")


def _check_session(data: SessionData) -> list[str]:
    if data.modality not in MODALITIES:
        raise AssessmentError(f"modalité inconnue : {data.modality}")
    if data.modality == "E3" and data.thematic is None:
        raise AssessmentError("Une étude de cas (E3) porte sur une thématique : choisissez-la.")
    if data.thematic is not None and data.thematic not in {t.number for t in referential().thematics}:
        raise AssessmentError(f"thématique inconnue : {data.thematic}")
    for moment in (data.opens_at, data.deadline_at):
        if not EARLIEST <= moment < LATEST:
            raise AssessmentError("Les dates doivent être comprises entre 2000 et 2099.")
    if data.deadline_at <= data.opens_at:
        raise AssessmentError("L'échéance doit être postérieure à l'ouverture.")
    if data.double_marking and data.modality not in DOUBLE_MARKING_MODALITIES:
        raise AssessmentError("La double correction ne concerne que les épreuves E3 et E5.")
    if not 1 <= data.max_files <= 20:
        raise AssessmentError("Le nombre de fichiers par dépôt est compris entre 1 et 20.")
    allowed = [c.code for c in modality_competences(data.modality, data.thematic)]
    chosen = [referential().competence(c).code for c in data.competences if referential().has_competence(c)]
    if len(chosen) != len(data.competences) or not set(chosen) <= set(allowed):
        raise AssessmentError(f"Compétences possibles pour {data.modality} : {', '.join(allowed)}.")
    if not chosen:
        raise AssessmentError("Choisissez au moins une compétence évaluée.")
    if not data.cohort_ids:
        raise AssessmentError("Choisissez au moins une cohorte.")
    _check_case_study(data)
    return [c for c in allowed if c in chosen]


def create_session(data: SessionData, created_by: User) -> AssessmentSession:
    competences = _check_session(data)
    session = AssessmentSession(
        modality=data.modality, thematic=data.thematic if data.modality == "E3" else None, title=data.title.strip(),
        competences=competences, opens_at=data.opens_at, deadline_at=data.deadline_at,
        late_allowed=data.late_allowed, anonymous=data.modality != "E4", double_marking=data.double_marking,
        max_files=data.max_files, mode=data.mode, case_study_id=data.case_study_id if data.mode == "online" else None,
        created_by_id=created_by.id, created_at=utcnow(),
        cohorts=[db.session.get(Cohort, cid) for cid in data.cohort_ids],
    )
    db.session.add(session)
    db.session.flush()
    record("assessment.session_created", target=session, commit=False,
           details={"modality": session.modality, "competences": competences})
    db.session.commit()
    return session


def update_session(session: AssessmentSession, data: SessionData) -> AssessmentSession:
    if session.finalised_at is not None:
        raise AssessmentError("Les résultats de cette session sont publiés : elle ne peut plus changer.")
    if data.modality != session.modality:
        raise AssessmentError("La modalité d'une session ne change pas : créez-en une autre.")
    if session.submissions and data.double_marking != session.double_marking:
        raise AssessmentError("Des copies sont déjà déposées : la double correction ne peut plus changer.")
    competences = _check_session(data)
    case_study_id = data.case_study_id if data.mode == "online" else None
    started = select(OnlineAttempt.attempt_id).where(OnlineAttempt.session_id == session.id)
    if (data.mode, case_study_id) != (session.mode, session.case_study_id) and (
            session.submissions or db.session.execute(started).first()):
        raise AssessmentError("Des candidats ont déjà commencé ou remis : le mode et l'étude de cas ne peuvent "
                              "plus changer.")
    session.mode, session.case_study_id = data.mode, case_study_id
    if session.online:  # an earlier closing shortens the answers being written, as for E2
        db.session.execute(update(Attempt).where(Attempt.id.in_(started), Attempt.status == "in_progress",
                                                 Attempt.deadline > data.deadline_at)
                           .values(deadline=data.deadline_at).execution_options(synchronize_session=False))
    session.title, session.competences = data.title.strip(), competences
    session.thematic = data.thematic if data.modality == "E3" else None
    session.opens_at, session.deadline_at = data.opens_at, data.deadline_at
    session.late_allowed, session.double_marking, session.max_files = (
        data.late_allowed, data.double_marking, data.max_files)
    session.cohorts = [db.session.get(Cohort, cid) for cid in data.cohort_ids]
    record("assessment.session_updated", target=session, commit=False,
           details={"deadline": data.deadline_at.isoformat(), "late_allowed": data.late_allowed})
    db.session.commit()
    return session


def sessions() -> list[AssessmentSession]:
    return list(db.session.execute(
        select(AssessmentSession).order_by(AssessmentSession.deadline_at.desc(), AssessmentSession.id)).scalars())


def session(session_id: int) -> AssessmentSession | None:
    return db.session.get(AssessmentSession, session_id)


def competences_of(session: AssessmentSession) -> tuple[Competence, ...]:
    return tuple(referential().competence(code) for code in session.competences)


def candidate_sessions(user: User) -> list[AssessmentSession]:
    """The sessions opened to one of the candidate's cohorts, nearest deadline first."""
    convened = (
        select(assessment_session_cohorts.c.session_id)
        .join(cohort_members, cohort_members.c.cohort_id == assessment_session_cohorts.c.cohort_id)
        .where(cohort_members.c.user_id == user.id)
    )
    query = (select(AssessmentSession).where(AssessmentSession.id.in_(convened))
             .order_by(AssessmentSession.deadline_at, AssessmentSession.id))
    return list(db.session.execute(query).scalars())


def is_convened(session: AssessmentSession, user: User) -> bool:
    return user.has_role(Role.CANDIDATE) and bool({c.id for c in user.cohorts} & {c.id for c in session.cohorts})


def convened_candidates(session: AssessmentSession) -> list[User]:
    ids = [c.id for c in session.cohorts]
    users = db.session.execute(
        select(User).join(cohort_members, cohort_members.c.user_id == User.id)
        .where(cohort_members.c.cohort_id.in_(ids), User.role_rows.any(role=Role.CANDIDATE.value)).distinct()
    ).scalars().all()
    return sorted(users, key=lambda u: (u.last_name.casefold(), u.first_name.casefold(), u.id))


def submission_of(session: AssessmentSession, candidate_id: int) -> Submission | None:
    return db.session.execute(select(Submission).where(
        Submission.session_id == session.id, Submission.candidate_id == candidate_id)).scalar_one_or_none()


# --- deposits ------------------------------------------------------------------------------------


def window_problem(session: AssessmentSession, now: datetime | None = None) -> str | None:
    """Why a deposit is refused now, or None (a late deposit allowed by the session is accepted)."""
    now = now or utcnow()
    if session.online:
        return "Cette épreuve se rédige en ligne, chronométrée : elle ne reçoit pas de dépôt de fichier."
    if session.finalised_at is not None:
        return "Les résultats de cette épreuve sont publiés : les dépôts sont clos."
    if now < session.opens_at:
        return f"Les dépôts ouvrent le {local_datetime(session.opens_at)}."
    if now > session.deadline_at and not session.late_allowed:
        return (f"L'échéance du {local_datetime(session.deadline_at)} est passée : le dépôt n'est plus "
                "possible. Si vous avez été empêché, contactez le centre, qui peut autoriser les dépôts en retard.")
    return None


def local_datetime(moment: datetime, seconds: bool = False) -> str:
    """In French and Paris time whatever the request (mails are also written from the background)."""
    pattern = "d MMMM y 'à' HH:mm:ss" if seconds else "d MMMM y 'à' HH:mm"
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris"))
    return format_datetime(moment, pattern, tzinfo=zone, locale="fr_FR")


def new_reference() -> str:
    return "AD-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def _anonymity_number(session: AssessmentSession) -> str:
    taken = set(db.session.execute(
        select(Submission.anonymity_number).where(Submission.session_id == session.id)).scalars())
    while True:
        number = f"{session.modality}-{secrets.randbelow(90000) + 10000}"
        if number not in taken:
            return number


def submission_for(session: AssessmentSession, candidate: User) -> Submission:
    """The candidate's submission, created with an anonymity number on the first deposit (also when
    two first deposits race: the unique constraints let one insert win and the other read it)."""
    for _ in range(5):
        existing = submission_of(session, candidate.id)
        if existing is not None:
            return existing
        created = Submission(session_id=session.id, candidate_id=candidate.id,
                             anonymity_number=_anonymity_number(session), created_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(created)
            return created
        except IntegrityError:
            continue
    raise AssessmentError("Le dépôt n'a pas pu être enregistré : réessayez.")


def deposit(session: AssessmentSession, candidate: User, uploads: Sequence[evidence.Upload], by: User,
            max_bytes: int) -> DepositVersion:
    """A new version of the candidate's deposit with its files and receipt, or AssessmentError."""
    if not is_convened(session, candidate):
        raise AssessmentError("Ce candidat n'est pas convoqué à cette épreuve.")
    now = utcnow()
    problem = window_problem(session, now)
    if problem:
        raise AssessmentError(problem)
    if not uploads:
        raise AssessmentError("Joignez au moins un fichier.")
    if len(uploads) > session.max_files:
        raise AssessmentError(f"Joignez au plus {session.max_files} fichiers par dépôt.")
    stored: list[evidence.StoredEvidence] = []
    try:
        for upload in uploads:
            stored.append(evidence.store(upload, max_bytes))
    except evidence.EvidenceError as exc:
        db.session.rollback()
        raise AssessmentError(str(exc)) from None
    submission = submission_for(session, candidate)
    number = (db.session.execute(select(func.max(DepositVersion.number)).where(
        DepositVersion.submission_id == submission.id)).scalar() or 0) + 1
    version = DepositVersion(submission=submission, number=number, reference=new_reference(), deposited_at=now,
                             late=now > session.deadline_at, deposited_by_id=by.id)
    version.files = [DepositFile(position=i, original_name=f.original_name, stored_key=f.stored_name,
                                 content_type=f.content_type, size=f.size, sha256=f.sha256)
                     for i, f in enumerate(stored)]
    db.session.add(version)
    receipt = receipt_of(version, candidate)
    blob = storage.put(io.BytesIO(receipt_pdf(receipt)))
    version.receipt_key = blob.key
    enqueue(candidate.email, f"Accusé de dépôt {version.reference} — {session.modality}", receipt_mail(receipt),
            "deposit_receipt", user_id=candidate.id,
            attachments=[Attachment(blob.key, f"accuse-de-depot-{version.reference}.pdf", "application/pdf")])
    record("assessment.deposit", target=submission, commit=False,
           details={"version": number, "reference": version.reference, "late": version.late,
                    "files": [f.sha256 for f in stored], "by": by.id})
    try:
        db.session.commit()
    except IntegrityError:  # the same candidate deposited twice at once: this one comes second
        db.session.rollback()
        raise AssessmentError("Un autre dépôt vient d'être enregistré au même instant : rechargez la page "
                              "et vérifiez vos versions avant de déposer à nouveau.") from None
    return version


def receipt_of(version: DepositVersion, candidate: User | None = None) -> Receipt:
    submission = version.submission
    candidate = candidate or submission.candidate
    return Receipt(
        reference=version.reference, candidate=candidate.full_name, session_title=submission.session.title,
        modality=submission.session.modality, version=version.number,
        deposited_at=f"{local_datetime(version.deposited_at, seconds=True)} (heure de Paris)",
        late=version.late,
        files=tuple(ReceiptFile(f.original_name, f.size, f.sha256) for f in version.files),
    )


def receipt_mail(receipt: Receipt) -> str:
    lines = [
        f"Bonjour {receipt.candidate},",
        "",
        f"Votre dépôt pour l'épreuve {receipt.modality} « {receipt.session_title} » est enregistré.",
        "",
        f"Référence : {receipt.reference}",
        f"Version : {receipt.version}",
        f"Date : {receipt.deposited_at}" + (" — dépôt en retard" if receipt.late else ""),
        "",
        "Fichiers reçus (empreinte SHA-256) :",
        *(f"- {f.name} : {f.sha256}" for f in receipt.files),
        "",
        "L'accusé de dépôt est joint en PDF ; il est aussi disponible sur la plateforme.",
    ]
    return "\n".join(lines) + "\n"


def version(version_id: int) -> DepositVersion | None:
    return db.session.get(DepositVersion, version_id)


def deposit_file(file_id: int) -> DepositFile | None:
    return db.session.get(DepositFile, file_id)


def local_date_today() -> date:
    return local_date(utcnow())


def max_deposit_bytes() -> int:
    config = current_app.config
    return int(config.get("DEPOSIT_MAX_BYTES") or config.get("MAX_CONTENT_LENGTH") or evidence.DEFAULT_MAX_BYTES)

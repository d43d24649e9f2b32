"""Anonymous marking: copies allocated to assessors (by hand or balanced), independent markings,
moderation when two markings disagree, and the session's final decisions written to the ledger.

An assessor reaches a copy only through their own Marking, and sees its anonymity number, never
the candidate, until the session is finalised. Nobody marks their own copy: every function that
assigns or records a marking refuses it, below the views.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from quiz.accounts.models import User
from quiz.accounts.roles import Role
from quiz.assessments.models import ROLES, AssessmentSession, CaseStudyVersion, Marking, Submission
from quiz.assessments.service import AssessmentError, local_datetime
from quiz.audit.service import record
from quiz.extensions import db
from quiz.ledger import service as ledger
from quiz.ledger.service import CompetenceVerdict, LedgerError, StoredEvidence
from quiz.notifications.service import enqueue
from quiz.timeutil import utcnow

ROLE_LABELS = {"first": "Première correction", "second": "Seconde correction", "moderator": "Arbitrage"}


def assessors() -> list[User]:
    users = db.session.execute(select(User).where(User.role_rows.any(role=Role.ASSESSOR.value),
                                                  User.active.is_(True))).scalars().all()
    return sorted(users, key=lambda u: (u.last_name.casefold(), u.first_name.casefold(), u.id))


def _marking(submission: Submission, role: str) -> Marking | None:
    return next((m for m in submission.markings if m.role == role), None)


# --- state of a copy -----------------------------------------------------------------------------


def outcomes(marking: Marking) -> dict[str, bool]:
    return {code: bool(v["passed"]) for code, v in (marking.verdicts or {}).items()}


def disagree(submission: Submission) -> bool:
    first, second = _marking(submission, "first"), _marking(submission, "second")
    return bool(first and second and first.submitted_at and second.submitted_at
                and outcomes(first) != outcomes(second))


def deciding_marking(submission: Submission) -> Marking | None:
    """The marking whose verdicts are the decision, or None while undecided."""
    first, second, moderator = (_marking(submission, r) for r in ROLES)
    if not (first and first.submitted_at):
        return None
    if not submission.session.double_marking:
        return first
    if not (second and second.submitted_at):
        return None
    if not disagree(submission):
        return first
    return moderator if moderator and moderator.submitted_at else None


def state(submission: Submission) -> str:
    """« a_attribuer », « en_correction », « arbitrage », « decidee » or « publiee »."""
    if submission.decided_act_id is not None:
        return "publiee"
    if deciding_marking(submission) is not None:
        return "decidee"
    if disagree(submission):
        return "arbitrage"
    needed = ("first", "second") if submission.session.double_marking else ("first",)
    if any(_marking(submission, r) is None for r in needed):
        return "a_attribuer"
    return "en_correction"


STATE_LABELS = {"a_attribuer": "à attribuer", "en_correction": "en correction", "arbitrage": "arbitrage nécessaire",
                "decidee": "décidée", "publiee": "résultat publié"}


# --- allocation ----------------------------------------------------------------------------------


def _check_assessor(submission: Submission, assessor: User | None, role: str) -> User:
    if assessor is None or not assessor.active or not assessor.has_role(Role.ASSESSOR):
        raise AssessmentError("Choisissez un évaluateur actif.")
    if assessor.id == submission.candidate_id:
        raise AssessmentError("Un évaluateur ne corrige jamais sa propre copie.")
    others = [m for m in submission.markings if m.role != role and m.assessor_id == assessor.id]
    if others:
        raise AssessmentError("Les corrections d'une même copie sont confiées à des évaluateurs différents.")
    return assessor


def allocate(submission: Submission, role: str, assessor_id: int | None, by: User) -> Marking | None:
    """Give the copy's `role` marking to an assessor (None: take it back), unless already marked."""
    if submission.session.finalised_at is not None:
        raise AssessmentError("Les résultats de cette session sont publiés.")
    if role not in ROLES or (role == "second" and not submission.session.double_marking):
        raise AssessmentError("Rôle de correction inconnu pour cette session.")
    if role == "moderator" and not disagree(submission):
        raise AssessmentError("Un arbitrage n'est demandé que si les deux corrections divergent.")
    existing = _marking(submission, role)
    if existing is not None and existing.submitted_at is not None:
        if existing.assessor_id == assessor_id:
            return existing
        raise AssessmentError("Cette correction est déjà rendue : elle ne change plus d'évaluateur.")
    if assessor_id is None:
        if existing is not None:
            db.session.delete(existing)
        return None
    assessor = _check_assessor(submission, db.session.get(User, assessor_id), role)
    if existing is None:
        existing = Marking(submission=submission, role=role, assessor_id=assessor.id, assigned_by_id=by.id,
                           assigned_at=utcnow())
        db.session.add(existing)
    else:
        existing.assessor_id, existing.assigned_by_id, existing.assigned_at = assessor.id, by.id, utcnow()
    return existing


def save_allocation(session: AssessmentSession, choices: dict[tuple[int, str], int | None], by: User) -> list[str]:
    """Apply an administrator's allocation table; returns the French problems (nothing saved then)."""
    problems = []
    by_id = {s.id: s for s in session.submissions}
    for (submission_id, role), assessor_id in sorted(choices.items()):
        submission = by_id.get(submission_id)
        if submission is None:
            continue
        try:
            with db.session.no_autoflush:
                allocate(submission, role, assessor_id, by)
        except AssessmentError as exc:
            problems.append(f"{submission.anonymity_number} ({ROLE_LABELS[role].lower()}) : {exc}")
    if problems:
        db.session.rollback()
        return problems
    record("assessment.allocation", target=session, commit=False, details={"copies": len(by_id)})
    db.session.commit()
    return []


def auto_allocate(session: AssessmentSession, by: User) -> int:
    """Fill every missing first (and second) marking of the deposited copies, each time with the
    eligible assessor holding the fewest copies of this session: a balanced share."""
    pool = assessors()
    if not pool:
        raise AssessmentError("Aucun évaluateur actif : créez d'abord des comptes évaluateurs.")
    load = Counter({a.id: 0 for a in pool})
    for submission in session.submissions:
        for marking in submission.markings:
            load[marking.assessor_id] += 1
    roles = ("first", "second") if session.double_marking else ("first",)
    added = 0
    for submission in sorted(session.submissions, key=lambda s: s.anonymity_number):
        if submission.latest is None:
            continue
        for role in roles:
            if _marking(submission, role) is not None:
                continue
            taken = {m.assessor_id for m in submission.markings}
            eligible = [a for a in pool if a.id != submission.candidate_id and a.id not in taken]
            if not eligible:
                raise AssessmentError(f"{submission.anonymity_number} : aucun évaluateur disponible "
                                      "(il en faut d'autres que le candidat et le premier correcteur).")
            chosen = min(eligible, key=lambda a: (load[a.id], a.last_name.casefold(), a.id))
            db.session.add(Marking(submission=submission, role=role, assessor_id=chosen.id, assigned_by_id=by.id,
                                   assigned_at=utcnow()))
            load[chosen.id] += 1
            added += 1
    record("assessment.auto_allocation", target=session, commit=False, details={"added": added})
    db.session.commit()
    return added


# --- marking -------------------------------------------------------------------------------------


def assessor_markings(assessor: User) -> list[Marking]:
    query = (select(Marking).join(Submission).join(AssessmentSession)
             .where(Marking.assessor_id == assessor.id)
             .order_by(AssessmentSession.deadline_at.desc(), Submission.anonymity_number, Marking.role))
    return list(db.session.execute(query).scalars())


def own_marking(marking_id: int, assessor: User) -> Marking | None:
    """The marking if it is this assessor's (anything else: None, as if it did not exist)."""
    marking = db.session.get(Marking, marking_id)
    if marking is None or marking.assessor_id != assessor.id:
        return None
    return marking


def can_mark(marking: Marking) -> str | None:
    """Why this marking cannot be recorded now, or None."""
    submission = marking.submission
    if submission.session.finalised_at is not None:
        return "Les résultats de cette session sont publiés : les corrections sont closes."
    if submission.latest is None and submission.session.anonymous:
        return "Aucun dépôt pour cette copie."
    if marking.role == "moderator" and not disagree(submission):
        return "Les deux corrections concordent : aucun arbitrage n'est nécessaire."
    return None


@dataclass(frozen=True)
class WrittenCase:
    """An E3 copy written online as its assessors read it: the case study's version the candidate
    was given, its marking guide, and the text handed in."""

    version: CaseStudyVersion
    text: str


def written_case(submission: Submission) -> WrittenCase | None:
    from quiz.assessments import online

    answer = online.for_submission(submission.id)
    if answer is None:
        return None
    return WrittenCase(answer.version, online.text_of(answer))


def visible_markings(marking: Marking) -> list[Marking]:
    """What this assessor may read of the others' markings: a moderator reads both, the others
    nothing (the two markings are independent)."""
    if marking.role != "moderator":
        return []
    return [m for m in marking.submission.markings if m.role != "moderator" and m.submitted_at]


def record_marking(marking: Marking, verdicts: Sequence[CompetenceVerdict], assessed_on: date, comment: str,
                   by: User) -> Marking:
    if marking.assessor_id != by.id:
        raise AssessmentError("Seul l'évaluateur à qui la copie est confiée peut la corriger.")
    if marking.submission.candidate_id == by.id:
        raise AssessmentError("Un évaluateur ne corrige jamais sa propre copie.")
    problem = can_mark(marking)
    if problem:
        raise AssessmentError(problem)
    expected = set(marking.submission.session.competences)
    if {v.competence for v in verdicts} != expected:
        raise AssessmentError("Chaque compétence de l'épreuve reçoit un résultat : " + ", ".join(sorted(expected)))
    latest = marking.submission.latest
    earliest = latest.deposited_at.date() if latest else marking.submission.session.opens_at.date()
    if assessed_on > ledger.local_date(utcnow()) or assessed_on < earliest:
        raise AssessmentError("La date de correction est comprise entre le dépôt (ou l'ouverture de la session) "
                              "et aujourd'hui.")
    marking.verdicts = {v.competence: {"passed": v.passed, "criteria": {str(i): ok for i, ok in v.criteria.items()},
                                       "score": None if v.score is None else str(v.score)} for v in verdicts}
    marking.comment, marking.assessed_on, marking.submitted_at = comment.strip(), assessed_on, utcnow()
    record("assessment.marking", target=marking.submission, commit=False,
           details={"role": marking.role, "outcomes": outcomes(marking)})
    db.session.commit()
    return marking


def verdicts_of(marking: Marking) -> list[CompetenceVerdict]:
    return [CompetenceVerdict(code, bool(v["passed"]), {int(i): bool(ok) for i, ok in v["criteria"].items()},
                              None if v.get("score") is None else Decimal(v["score"]))
            for code, v in (marking.verdicts or {}).items()]


# --- publication ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinaliseReport:
    decided: int
    undecided: tuple[str, ...]


def _decision_comment(submission: Submission, decider: Marking) -> str:
    parts = []
    for marking in submission.markings:
        if marking.submitted_at is None:
            continue
        summary = ", ".join(f"{c} {'acquis' if ok else 'non acquis'}" for c, ok in sorted(outcomes(marking).items()))
        parts.append(f"{ROLE_LABELS[marking.role]} : {summary}." + (f" {marking.comment}" if marking.comment else ""))
    if submission.session.double_marking:
        parts.append("Décision : " + ("arbitrage." if decider.role == "moderator" else "corrections concordantes."))
    return f"Copie {submission.anonymity_number}. " + " ".join(parts)


def finalise(session: AssessmentSession, by: User, base_url: str = "") -> FinaliseReport:
    """Write every decided copy's decision to the ledger (the deposit's files as evidence), reveal
    the identities and mail the candidates, in one transaction; refused while a copy is undecided."""
    if session.finalised_at is not None:
        raise AssessmentError("Les résultats de cette session sont déjà publiés.")
    # The copies: what was deposited, and E4 interviews held without formalisation documents.
    deposited = [s for s in session.submissions if s.latest is not None or s.markings]
    undecided = tuple(s.anonymity_number for s in deposited if deciding_marking(s) is None)
    if undecided:
        return FinaliseReport(0, undecided)
    for submission in deposited:
        decider = deciding_marking(submission)
        files = [StoredEvidence(f"{submission.anonymity_number}-{f.position + 1}{_extension(f.original_name)}",
                                f.stored_key, f.content_type, f.size, f.sha256)
                 for f in (submission.latest.files if submission.latest else ())]
        try:
            act = ledger.record_grading(submission.candidate_id, session.modality, verdicts_of(decider),
                                        decider.assessed_on, decider.assessor_id,
                                        comment=_decision_comment(submission, decider), evidence=files, commit=False)
        except LedgerError as exc:
            db.session.rollback()
            raise AssessmentError(f"{submission.anonymity_number} : {exc}") from None
        submission.decided_act_id = act.id
        candidate = submission.candidate
        link = f"{base_url}/registre/" if base_url else "la plateforme, rubrique « Ma progression »"
        enqueue(candidate.email, f"Résultats publiés — {session.modality} {session.title}",
                f"Bonjour {candidate.full_name},\n\nLes résultats de l'épreuve {session.modality} « {session.title} » "
                f"sont publiés (le {local_datetime(utcnow())}). Consultez-les sur {link}.\n",
                "results_published", user_id=candidate.id, dedupe_key=f"results:{session.id}:{candidate.id}")
    session.finalised_at = utcnow()
    record("assessment.finalised", target=session, commit=False, details={"copies": len(deposited)})
    db.session.commit()
    return FinaliseReport(len(deposited), ())


def _extension(name: str) -> str:
    suffix = name.rpartition(".")[2].lower() if "." in name else ""
    return f".{suffix}" if suffix.isalnum() and len(suffix) <= 5 else ""


def candidate_markings(candidate_id: int) -> list[Submission]:
    """The candidate's copies whose results are published, with every marking: for the jury."""
    query = (select(Submission).join(AssessmentSession)
             .where(Submission.candidate_id == candidate_id, AssessmentSession.finalised_at.is_not(None))
             .order_by(AssessmentSession.deadline_at))
    return list(db.session.execute(query).scalars())

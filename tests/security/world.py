"""A populated platform for the security tests: people of every role and objects each one owns.

`build_world()` makes fresh people and objects every time it is called (unique e-mails), so a
test may call it once per route and let a route change what it was given.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from quiz.accounts.models import Cohort, User
from quiz.extensions import db
from quiz.timeutil import utcnow
from tests.helpers import review_options

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "question_banks" / "01-analyse-financiere.md"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_serial = itertools.count(1)


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def _user(make_user, role: str, cohort: Cohort | None, **kw) -> User:
    n = next(_serial)
    return make_user(roles=(role,), email=f"{role}{n}.w@example.org", cohort=cohort, **kw)


@lru_cache(maxsize=1)
def bank_text() -> str:
    """Thematic 1's real bank cut down to two questions of each type (parsing is what costs); cases,
    which need their questions right after them, are left out with their questions."""
    header, *sections = re.split(r"(?m)^(?=## )", BANK.read_text(encoding="utf-8"))
    kept, per_type = [], {}
    for section in sections:
        kind = re.search(r"(?m)^type: (\w+)", section).group(1)
        if kind == "case" or re.search(r"(?m)^case: ", section):
            continue
        if per_type.setdefault(kind, 0) < 2:
            per_type[kind] += 1
            kept.append(section)
    return header + "".join(kept)


def import_bank() -> None:
    """The cut-down bank of thematic 1, once per database."""
    from quiz.banks.importer import import_banks
    from quiz.banks.store import current_versions
    from quiz.referential import load_referential

    if not current_versions(1):
        report = import_banks({BANK.name: bank_text()}, load_referential())
        assert report.ok, report.problems


def exam_setup(cohort: Cohort, *, duration_minutes=600, question_count=8, review_policy="score",
               closes_in=timedelta(days=2)):
    """A questionnaire on thematic 1 and a session open now to `cohort`."""
    from quiz.exams.models import ExamSession, Questionnaire

    import_bank()
    now = utcnow()
    questionnaire = Questionnaire(thematic=1, title="Analyse financière", question_count=question_count,
                                  duration_minutes=duration_minutes,
                                  review_options=review_options(review_policy))
    session = ExamSession(questionnaire=questionnaire, opens_at=now - timedelta(hours=1), closes_at=now + closes_in)
    session.cohorts = [cohort]
    db.session.add_all([questionnaire, session])
    db.session.commit()
    return questionnaire, session


def grade_with_evidence(candidate: User, assessor: User, comment: str = "Synthèse argumentée"):
    """An E5 grading of C10 for `candidate`, with one PDF stored as evidence; returns (entry, file)."""
    from quiz.grading import evidence
    from quiz.ledger import service
    from quiz.referential import load_referential

    stored = evidence.store(evidence.Upload("synthese.pdf", io.BytesIO(PDF_BYTES)))
    items = load_referential().competence("C10").criteria.items
    verdict = service.CompetenceVerdict("C10", True, {i: True for i in range(len(items))})
    act = service.record_grading(candidate.id, "E5", [verdict], date(2026, 6, 1), assessor.id, comment=comment,
                                 evidence=[stored])
    return act.entries[0], act.evidence[0]


def build_world(make_user, clock) -> World:
    """Everyone, with: for the candidate and the other candidate, an attempt in progress (session A),
    a finished attempt whose session has closed (session B, review allowed), a ledger entry
    backed by an evidence file. A victim account for the administrators' actions, a deactivated
    candidate, an open jury session the candidate is presented to, an E3 case study the candidate is
    writing online. The clock ends two hours after the attempts started."""
    from quiz.exams import service as exams

    n = next(_serial)
    cohort = Cohort(name=f"Promotion sécurité {n}")
    db.session.add(cohort)
    world = World()
    for name, role in (("candidate", "candidate"), ("other", "candidate"), ("deactivated", "candidate"),
                       ("victim", "candidate"), ("assessor", "assessor"), ("trainer", "trainer"),
                       ("admin", "admin")):
        world.users[name] = _user(make_user, role, cohort if role == "candidate" else None)
    questionnaire_a, session_a = exam_setup(cohort)
    _questionnaire_b, session_b = exam_setup(cohort, duration_minutes=30, review_policy="review_after_close",
                                            closes_in=timedelta(hours=1))
    from quiz.banks.store import latest_revision

    world.ids.update(cohort=cohort.id, session=session_a.id, questionnaire=questionnaire_a.id,
                     closed_session=session_b.id, revision=latest_revision(1).id)
    for who in ("candidate", "other"):
        user = world.users[who]
        running = exams.start_attempt(user, session_a.id)
        finished = exams.start_attempt(user, session_b.id)
        exams.submit(finished)
        entry, stored = grade_with_evidence(user, world.users["assessor"])
        world.ids.update({f"{who}_attempt": running.id, f"{who}_finished": finished.id,
                          f"{who}_entry": entry.id, f"{who}_evidence": stored.id})
    from quiz.certification import service as certification

    jury = certification.create_session(clock.now.date(), "Paris", [certification.MemberInput(
        "Jeanne Présidente", "Directrice", True)], world.users["admin"].id)
    certification.present_candidates(jury.id, [world.users["candidate"].id])
    world.ids["jury"] = jury.id
    from quiz.assessments import service as assessments
    from quiz.grading.evidence import Upload

    now = utcnow()
    e5 = assessments.create_session(assessments.SessionData(
        "E5", "Synthèse", now - timedelta(hours=1), now + timedelta(days=7), [cohort.id], ["C10"]),
        world.users["admin"])
    deposited = assessments.deposit(e5, world.users["candidate"], [Upload("synthese.pdf", io.BytesIO(PDF_BYTES))],
                                    world.users["candidate"], 1024 * 1024)
    from quiz.assessments import marking

    copy = marking.allocate(deposited.submission, "first", world.users["assessor"].id, world.users["admin"])
    db.session.commit()
    from quiz.assessments import appointments

    e4 = assessments.create_session(assessments.SessionData(
        "E4", "Entretien", now - timedelta(hours=1), now + timedelta(days=30), [cohort.id], ["C5"]),
        world.users["admin"])
    slot = appointments.add_slot(e4, now + timedelta(days=10), 60, world.users["assessor"].id, "Salle 1", "",
                                 world.users["admin"])
    appointments.book(slot, world.users["candidate"], world.users["admin"])
    world.ids.update(assessment_session=e5.id, deposit_version=deposited.id, deposit_file=deposited.files[0].id,
                     marking=copy.id, e4_session=e4.id, slot=slot.id)
    from quiz.assessments import casestudies, online
    from quiz.referential import load_referential

    casestudies.import_case_studies(casestudies.case_study_files((ROOT / "case_studies",)), load_referential())
    study = casestudies.current_versions(1)[0].case_study
    e3 = assessments.create_session(assessments.SessionData(
        "E3", "Étude de cas", now - timedelta(hours=1), now + timedelta(days=3), [cohort.id], ["C16"], thematic=1,
        mode="online", case_study_id=study.id), world.users["admin"])
    from fractions import Fraction

    from quiz.exams.admin import set_accommodation

    # Time enough to outlast the two hours every later world adds to the clock.
    set_accommodation(world.users["candidate"].id, Fraction(8), "tests", world.users["admin"])
    world.ids.update(e3_session=e3.id, online_attempt=online.start(world.users["candidate"], e3))
    from quiz.notifications.service import enqueue

    message = enqueue(world.users["candidate"].email, "Accusé de dépôt", "…", "test")
    db.session.commit()
    world.ids["message"] = message.id
    clock.advance(hours=2)
    for name, user in world.users.items():
        world.ids[name] = user.id
    return world


def deactivate(user: User) -> None:
    from quiz.accounts import service

    service.set_active(db.session.get(User, user.id), False)

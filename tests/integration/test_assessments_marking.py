"""Anonymous and double marking: allocation by hand and balanced, assessors seeing only their
copies under a number, anonymised files, moderation, publication to the ledger."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from quiz.assessments import anonymise, marking, service
from quiz.assessments.models import Marking, Submission
from quiz.extensions import db
from quiz.grading.evidence import DOCX, Upload
from quiz.ledger.models import EvidenceFile, LedgerEntry
from quiz.notifications.models import OutboxMessage
from quiz.referential import load_referential
from tests.assessments_helpers import cohort_of, docx_bytes, make_session

REF = load_referential()


def authored_pdf(author: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": author, "/Title": "Synthèse"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def world(app, make_user, clock):
    admin = make_user(roles=("admin",))
    candidates = [make_user(cohort="Promo M", first_name=f"Cand{i}", last_name=f"Martin{i}",
                            email=f"cand{i}@example.org") for i in range(4)]
    assessors = [make_user(roles=("assessor",), first_name=f"Eval{i}", last_name=f"Durand{i}") for i in range(3)]
    session = make_session(admin, cohort_of(candidates[0]), double_marking=True)
    for c in candidates:
        service.deposit(session, c, [Upload("synthèse Martin.pdf", io.BytesIO(authored_pdf(c.full_name))),
                                     Upload("annexe.docx", io.BytesIO(docx_bytes(c.full_name)))], c, 10 ** 7)
    return {"admin": admin, "candidates": candidates, "assessors": assessors, "session": session}


def mark_all(submission_marking, passed):
    verdicts = [service_verdict(code, passed) for code in submission_marking.submission.session.competences]
    marking.record_marking(submission_marking, verdicts, service.local_date_today(), "", submission_marking.assessor)


def service_verdict(code, passed):
    from quiz.ledger.service import CompetenceVerdict

    count = len(REF.competence(code).criteria.items)
    return CompetenceVerdict(code, passed, {i: passed for i in range(count)})


def test_automatic_allocation_is_balanced_and_never_gives_a_copy_twice_to_one_assessor(world):
    added = marking.auto_allocate(world["session"], world["admin"])
    assert added == 8  # 4 copies × 2 markings
    rows = db.session.execute(select(Marking)).scalars().all()
    load = {a.id: sum(1 for m in rows if m.assessor_id == a.id) for a in world["assessors"]}
    assert max(load.values()) - min(load.values()) <= 1
    for submission in world["session"].submissions:
        assessors = [m.assessor_id for m in submission.markings]
        assert len(set(assessors)) == 2


def test_nobody_is_given_their_own_copy(world, make_user):
    both = world["candidates"][0]
    both.set_roles(("candidate", "assessor"))
    db.session.commit()
    mine = service.submission_of(world["session"], both.id)
    with pytest.raises(service.AssessmentError, match="propre copie"):
        marking.allocate(mine, "first", both.id, world["admin"])
    db.session.rollback()
    marking.auto_allocate(world["session"], world["admin"])
    assert all(m.assessor_id != both.id for m in db.session.get(Submission, mine.id).markings)


def test_an_assessor_sees_only_their_copies_under_a_number_and_never_a_name(app, client, login, world):
    marking.auto_allocate(world["session"], world["admin"])
    assessor = world["assessors"][0]
    mine = marking.assessor_markings(assessor)
    login(client, assessor)
    listing = client.get("/epreuves/copies/").get_data(as_text=True)
    for m in mine:
        assert m.submission.anonymity_number in listing
    for c in world["candidates"]:
        assert c.last_name not in listing and c.email not in listing
    page = client.get(f"/epreuves/copies/{mine[0].id}").get_data(as_text=True)
    assert "Martin" not in page and "@example.org" not in page.replace(assessor.email, "")
    assert re.search(r"E5-\d{5}-1\.pdf", page) and "synthèse" not in page.lower().replace("synthèse e5", "")
    others = db.session.execute(select(Marking).where(Marking.assessor_id != assessor.id)).scalars().all()
    foreign = next(m for m in others if m.submission_id not in {x.submission_id for x in mine})
    assert client.get(f"/epreuves/copies/{foreign.id}").status_code == 404


def test_downloaded_copies_have_anonymous_names_and_no_author(app, client, login, world):
    marking.auto_allocate(world["session"], world["admin"])
    assessor = world["assessors"][1]
    mine = marking.assessor_markings(assessor)[0]
    login(client, assessor)
    files = mine.submission.latest.files
    pdf = client.get(f"/epreuves/copies/{mine.id}/fichiers/{files[0].id}")
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{mine.submission.anonymity_number}-1.pdf"'
    reader = PdfReader(io.BytesIO(pdf.data))
    assert not (reader.metadata or {}).get("/Author")
    assert b"Martin" not in pdf.data
    word = client.get(f"/epreuves/copies/{mine.id}/fichiers/{files[1].id}")
    assert word.headers["Content-Disposition"].endswith('-2.docx"')
    with zipfile.ZipFile(io.BytesIO(word.data)) as archive:
        core = archive.read("docProps/core.xml")
    assert b"Martin" not in core and b"<dc:creator></dc:creator>" in core


def test_odt_and_unreadable_files_are_handled(app):
    meta = (b'<office:document-meta><office:meta><meta:initial-creator>Lea Martin</meta:initial-creator>'
            b'<dc:creator>Lea Martin</dc:creator></office:meta></office:document-meta>')
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("meta.xml", meta)
    out = io.BytesIO()
    assert anonymise.strip(io.BytesIO(odt.getvalue()), "application/vnd.oasis.opendocument.text", out)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist()[0] == "mimetype" and b"Martin" not in archive.read("meta.xml")
    broken = io.BytesIO()
    assert anonymise.strip(io.BytesIO(b"%PDF-1.4 pas vraiment"), "application/pdf", broken) is False
    assert broken.getvalue() == b"%PDF-1.4 pas vraiment"
    assert DOCX  # imported for the content type constant


def test_disagreement_goes_to_a_moderator_and_publication_writes_the_decision(app, client, login, world, mail_to):
    from quiz.notifications import sender

    marking.auto_allocate(world["session"], world["admin"])
    submissions = sorted(world["session"].submissions, key=lambda s: s.anonymity_number)
    for i, submission in enumerate(submissions):
        first, second = (next(m for m in submission.markings if m.role == r) for r in ("first", "second"))
        mark_all(first, True)
        mark_all(second, i != 0)  # the first copy: the two markings disagree
    disputed = submissions[0]
    assert marking.state(disputed) == "arbitrage"
    report = marking.finalise(world["session"], world["admin"])
    assert report.undecided == (disputed.anonymity_number,) and db.session.execute(select(LedgerEntry)).first() is None
    taken = {m.assessor_id for m in disputed.markings}
    moderator_user = next(a for a in world["assessors"] if a.id not in taken)
    moderation = marking.allocate(disputed, "moderator", moderator_user.id, world["admin"])
    db.session.commit()
    login(client, moderator_user)
    page = unescape(client.get(f"/epreuves/copies/{moderation.id}").get_data(as_text=True))
    assert "Les deux corrections divergent" in page and "Première correction" in page
    mark_all(db.session.get(Marking, moderation.id), False)
    report = marking.finalise(world["session"], world["admin"])
    assert report.decided == 4
    rows = db.session.execute(select(LedgerEntry).where(LedgerEntry.candidate_id == disputed.candidate_id)).scalars()
    entries = list(rows)
    assert {e.competence for e in entries} == {"C10", "C11"} and not any(e.passed for e in entries)
    assert entries[0].recorded_by_id == moderator_user.id and "Arbitrage" in entries[0].comment
    assert "Seconde correction" in entries[0].comment
    evidence = db.session.execute(select(EvidenceFile).where(EvidenceFile.act_id == entries[0].act_id)).scalars()
    assert [f.original_name for f in evidence] == [f"{disputed.anonymity_number}-1.pdf",
                                                   f"{disputed.anonymity_number}-2.docx"]
    # Identities revealed to assessors; both markings shown to the jury; candidates mailed.
    assert disputed.candidate.full_name in client.get("/epreuves/copies/").get_data(as_text=True)
    jury = client.get(f"/epreuves/candidats/{disputed.candidate_id}/corrections").get_data(as_text=True)
    assert "Première correction" in jury and "Seconde correction" in jury and "Arbitrage" in jury
    assert db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "results_published")).scalars().all()
    sender.send_due_messages(app)
    assert any("Résultats publiés" in m["Subject"] for m in mail_to.messages())


def test_an_assessor_cannot_record_another_assessors_marking(world):
    marking.auto_allocate(world["session"], world["admin"])
    first = db.session.execute(select(Marking)).scalars().first()
    intruder = next(a for a in world["assessors"] if a.id != first.assessor_id)
    with pytest.raises(service.AssessmentError, match="Seul l'évaluateur"):
        marking.record_marking(first, [service_verdict("C10", True), service_verdict("C11", True)],
                               service.local_date_today(), "", intruder)


def test_the_administrator_allocates_by_hand_and_downloads_an_anonymised_zip(client, login, world):
    login(client, world["admin"])
    session = world["session"]
    submission = session.submissions[0]
    a, b = world["assessors"][:2]
    response = client.post(f"/epreuves/gestion/{session.id}/attribution",
                           data={f"copy-{submission.id}-first": a.id, f"copy-{submission.id}-second": a.id})
    assert "à des évaluateurs différents" in unescape(response.get_data(as_text=True))
    assert db.session.execute(select(Marking)).first() is None
    client.post(f"/epreuves/gestion/{session.id}/attribution",
                data={f"copy-{submission.id}-first": a.id, f"copy-{submission.id}-second": b.id})
    assert {(m.role, m.assessor_id) for m in db.session.get(Submission, submission.id).markings} == {
        ("first", a.id), ("second", b.id)}
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/epreuves/gestion/{session.id}/copies.zip").data))
    names = archive.namelist()
    assert len(names) == 8 and all(re.fullmatch(r"E5-\d{5}/E5-\d{5}-[12]\.(pdf|docx)", n) for n in names)
    for name in names:
        assert b"Martin" not in archive.read(name)

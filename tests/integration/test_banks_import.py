"""Importing banks: versions, retirement, idempotence, atomicity."""

import pytest
from sqlalchemy import func, select

from quiz.banks.importer import import_banks
from quiz.banks.store import BankRevision, ImmutableVersionError, Question, QuestionVersion, current_versions
from quiz.extensions import db
from quiz.referential import load_referential
from tests.unit.banks.banktext import MULTIPLE, NUMERIC, SINGLE, VALID, bank

REF = load_referential()
NAME = "01-analyse-financiere.md"


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_first_import_adds_every_question(app):
    report = import_banks({NAME: VALID}, REF)
    assert report.ok
    assert report.banks[0].added == ["AF-001", "AF-002", "AF-003", "AF-004", "AF-005", "AF-006"]
    assert count(Question) == 6 and count(QuestionVersion) == 6 and count(BankRevision) == 1
    versions = current_versions(1)
    assert [v.payload["id"] for v in versions] == ["AF-001", "AF-002", "AF-003", "AF-004", "AF-005", "AF-006"]
    assert versions[0].payload["choices"][1] == {"id": "b", "text": "240 k€", "correct": True, "feedback": None}


def test_second_import_changes_nothing(app):
    import_banks({NAME: VALID}, REF)
    report = import_banks({NAME: VALID}, REF)
    assert not report.touched
    assert len(report.banks[0].unchanged) == 6
    assert count(QuestionVersion) == 6 and count(BankRevision) == 1


def test_an_edit_makes_exactly_one_new_version(app, make_user):
    trainer = make_user(roles=("trainer",))
    import_banks({NAME: VALID}, REF)
    report = import_banks({NAME: VALID.replace("Quel est le BFRE ?", "Quel est le BFR d'exploitation ?")}, REF,
                          actor_id=trainer.id)
    assert report.banks[0].changed == ["AF-001"]
    assert count(QuestionVersion) == 7
    question = db.session.execute(select(Question).filter_by(code="AF-001")).scalar_one()
    assert [v.number for v in question.versions] == [1, 2]
    assert question.current_version.number == 2
    assert "BFR d'exploitation" in question.current_version.payload["stem"]
    assert "Quel est le BFRE ?" in question.versions[0].payload["stem"]
    revision = db.session.execute(select(BankRevision).order_by(BankRevision.id.desc())).scalars().first()
    assert revision.created_by_id == trainer.id and revision.summary["changed"] == ["AF-001"]


def test_removed_question_is_retired_then_restored(app):
    import_banks({NAME: bank(SINGLE, MULTIPLE)}, REF)
    report = import_banks({NAME: bank(SINGLE)}, REF)
    assert report.banks[0].retired == ["AF-002"]
    assert [v.payload["id"] for v in current_versions(1)] == ["AF-001"]
    assert count(QuestionVersion) == 2  # nothing deleted
    back = import_banks({NAME: bank(SINGLE, MULTIPLE)}, REF)
    assert back.banks[0].added == ["AF-002"] and count(QuestionVersion) == 2
    changed = import_banks({NAME: bank(SINGLE)}, REF)
    assert changed.banks[0].retired == ["AF-002"]
    again = import_banks({NAME: bank(SINGLE, MULTIPLE.replace("stables ?", "stables ?!"))}, REF)
    assert again.banks[0].changed == ["AF-002"] and count(QuestionVersion) == 3
    assert len(current_versions(1)) == 2


def test_invalid_bank_set_changes_nothing(app):
    import_banks({NAME: bank(SINGLE)}, REF)
    broken = {NAME: bank(SINGLE.replace("Quel est le BFRE ?", "Nouveau ?"), NUMERIC.replace("tolerance: 0.5", ""))}
    report = import_banks(broken, REF)
    assert not report.ok and report.banks == []
    assert any("tolerance" in p.message for p in report.problems)
    assert count(QuestionVersion) == 1 and count(BankRevision) == 1


def test_versions_are_immutable(app):
    import_banks({NAME: bank(SINGLE)}, REF)
    version = db.session.execute(select(QuestionVersion)).scalar_one()
    version.payload = {"id": "AF-001", "type": "single"}
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()
    version = db.session.execute(select(QuestionVersion)).scalar_one()
    db.session.delete(version)
    with pytest.raises(ImmutableVersionError):
        db.session.flush()
    db.session.rollback()


def test_import_from_a_directory_requires_every_thematic(app, tmp_path):
    (tmp_path / NAME).write_text(VALID, encoding="utf-8")
    report = import_banks([tmp_path], REF)
    assert not report.ok
    assert any("aucune banque pour la thématique 2" in p.message for p in report.problems)
    assert count(Question) == 0
    assert import_banks([tmp_path / NAME], REF).ok

"""Synchronise the database with the bank files: check everything first, then write once.

A question id is a `Question`; its normalised content is a `QuestionVersion`, added only when
the content hash changes. A question missing from its bank is retired, never deleted; one that
comes back is un-retired (with a new version if its content changed). Importing the same files
twice writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from quiz.banks.checker import BankSet, check_banks, check_paths
from quiz.banks.model import Bank, content_hash
from quiz.banks.problems import Problem
from quiz.banks.render import render_payload
from quiz.banks.store import BankRevision, Question, QuestionVersion, latest_revision
from quiz.extensions import db
from quiz.timeutil import utcnow


@dataclass
class BankReport:
    filename: str
    thematic: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    revision_id: int | None = None

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.retired)

    def summary(self) -> dict[str, list[str]]:
        return {"added": self.added, "changed": self.changed, "retired": self.retired, "unchanged": self.unchanged}

    def line(self) -> str:
        return (f"{self.filename} : {len(self.added)} ajoutée(s), {len(self.changed)} modifiée(s), "
                f"{len(self.retired)} retirée(s), {len(self.unchanged)} inchangée(s)")


@dataclass
class ImportReport:
    banks: list[BankReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def touched(self) -> bool:
        return any(b.touched for b in self.banks)


def _checked(paths_or_sources: dict[str, str] | Iterable[str | Path], referential: Any) -> BankSet:
    if isinstance(paths_or_sources, dict):
        return check_banks(paths_or_sources, referential, require_all_thematics=False)
    return check_paths(list(paths_or_sources), referential)


def import_banks(
    paths_or_sources: dict[str, str] | Iterable[str | Path], referential: Any, *, actor_id: int | None = None
) -> ImportReport:
    """Check the banks, then synchronise them in one transaction; with any problem, write nothing."""
    bank_set = _checked(paths_or_sources, referential)
    if bank_set.problems:
        return ImportReport(problems=bank_set.problems)
    report = ImportReport()
    try:
        for bank in sorted(bank_set.banks, key=lambda b: b.thematic):
            text = bank_set.sources.get(bank.filename, "")
            report.banks.append(_sync(bank, text, actor_id))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _sync(bank: Bank, text: str, actor_id: int | None) -> BankReport:
    now = utcnow()
    result = BankReport(filename=Path(bank.filename).name, thematic=bank.thematic)
    codes = [q.id for q in bank.questions]
    existing = {
        q.code: q for q in db.session.execute(
            select(Question).where((Question.thematic == bank.thematic) | Question.code.in_(codes))
        ).scalars()
    }
    for item in bank.questions:
        payload = item.to_payload()
        digest = content_hash(payload)
        row = existing.get(item.id)
        if row is None:
            row = Question(code=item.id, thematic=bank.thematic, title=item.title, created_at=now)
            db.session.add(row)
            _new_version(row, 1, digest, payload, now)
            result.added.append(item.id)
            continue
        current = row.current_version
        was_retired = row.retired_at is not None
        row.retired_at = None
        row.thematic = bank.thematic
        if row.title != item.title:
            row.title = item.title
        if current is not None and current.content_hash == digest:
            (result.added if was_retired else result.unchanged).append(item.id)
            continue
        number = max((v.number for v in row.versions), default=0) + 1
        _new_version(row, number, digest, payload, now)
        result.changed.append(item.id)
    present = set(codes)
    for code, row in sorted(existing.items()):
        if code not in present and row.thematic == bank.thematic and row.retired_at is None:
            row.retired_at = now
            result.retired.append(code)
    digest = content_hash({"text": text})
    latest = latest_revision(bank.thematic)
    if latest is None or latest.content_hash != digest or latest.filename != result.filename:
        revision = BankRevision(
            thematic=bank.thematic, filename=result.filename, text=text, content_hash=digest,
            created_at=now, created_by_id=actor_id, summary=result.summary(),
        )
        db.session.add(revision)
        db.session.flush()
        result.revision_id = revision.id
    return result


def _new_version(row: Question, number: int, digest: str, payload: dict, now) -> QuestionVersion:
    version = QuestionVersion(number=number, content_hash=digest, payload=payload, rendered=render_payload(payload),
                              created_at=now)
    row.versions.append(version)
    db.session.flush()
    row.current_version = version
    return version

"""E3 case studies in the database: the Markdown files imported as immutable, content-hashed
versions, as the banks are. An unchanged file imports nothing; a changed one (text or attached
document) becomes a new version, and the attempts already started keep theirs.

The content hash covers what a candidate or an assessor reads (metadata, subject, guide) and the
SHA-256 of every attached file, not the file's layout: the same case study written twice hashes
the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from quiz import storage
from quiz.assessments.casestudy import CaseStudy as ParsedCaseStudy
from quiz.assessments.casestudy import content_hash, parse
from quiz.assessments.models import CaseStudy, CaseStudyVersion
from quiz.audit.service import record
from quiz.extensions import db
from quiz.referential import Referential
from quiz.timeutil import utcnow

CONTENT_TYPES = {
    ".csv": "text/csv", ".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}


def case_study_files(paths: tuple[Path, ...]) -> list[Path]:
    return sorted(f for p in (paths or (Path("case_studies"),)) for f in ([p] if p.is_file() else p.glob("*.md")))


def attached_files(path: Path) -> set[str]:
    """The files beside a case study, as its `# Documents` section names them (relative paths)."""
    return {f.relative_to(path.parent).as_posix() for f in path.parent.rglob("*") if f.is_file()}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(storage.CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class ImportLine:
    code: str
    number: int
    created: bool

    def line(self) -> str:
        state = "nouvelle version" if self.created else "inchangée"
        return f"{self.code} : version {self.number} ({state})"


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)
    lines: list[ImportLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def touched(self) -> bool:
        return any(line.created for line in self.lines)


def import_case_studies(files: list[Path], referential: Referential) -> ImportReport:
    """Check every file, then import them all in one transaction, or nothing if one is wrong."""
    report = ImportReport()
    parsed = []
    seen: dict[str, str] = {}
    for path in files:
        checked = parse(path.read_text(encoding="utf-8"), str(path), referential, attached_files(path))
        report.problems += checked.lines()
        if checked.case_study is None:
            continue
        case = checked.case_study
        if case.id in seen:
            report.problems.append(f"{path}:2: id « {case.id} » déjà utilisé par {seen[case.id]}")
            continue
        seen[case.id] = str(path)
        parsed.append((path, case))
    if report.problems:
        return report
    for path, case in parsed:
        report.lines.append(_import_one(path, case))
    db.session.commit()
    return report


def _import_one(path: Path, case: ParsedCaseStudy) -> ImportLine:
    files = [path.parent / d.path for d in case.documents]
    hashes = [file_sha256(f) for f in files]
    digest = content_hash(case, hashes)
    study = db.session.execute(select(CaseStudy).where(CaseStudy.code == case.id)).scalar_one_or_none()
    if study is None:
        study = CaseStudy(code=case.id, created_at=utcnow())
        db.session.add(study)
        db.session.flush()
    current = study.current
    if current is not None and current.content_hash == digest:
        return ImportLine(case.id, current.number, created=False)
    documents = []
    for document, file in zip(case.documents, files, strict=True):
        with file.open("rb") as handle:
            blob = storage.put(handle)
        documents.append({"label": document.label, "name": file.name, "key": blob.key, "size": blob.size,
                          "sha256": blob.sha256,
                          "content_type": CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")})
    number = (current.number if current else 0) + 1
    # A file brought back to an earlier state is a new version too: versions only move forward.
    version = CaseStudyVersion(
        case_study=study, number=number, content_hash=digest,
        thematic=case.thematic, title=case.title, duration_minutes=case.duration_minutes,
        criteria={code: list(indexes) for code, indexes in case.criteria.items()}, subject=case.subject,
        guide=case.guide, documents=documents, source=path.name, imported_at=utcnow())
    db.session.add(version)
    db.session.flush()
    record("casestudy.imported", target=study, commit=False, details={"version": number, "hash": digest})
    return ImportLine(case.id, number, created=True)


def current_versions(thematic: int | None = None) -> list[CaseStudyVersion]:
    """The latest version of every case study (of one thematic), by id."""
    studies = db.session.execute(select(CaseStudy).order_by(CaseStudy.code)).scalars().all()
    versions = [s.current for s in studies if s.current is not None]
    return [v for v in versions if thematic is None or v.thematic == thematic]


def case_study(case_study_id: int) -> CaseStudy | None:
    return db.session.get(CaseStudy, case_study_id)

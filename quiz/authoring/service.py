"""The trainers' workshop: drafts, validation, preview, publication and history of the banks.

Validation checks the edited text together with the other banks on disk (ids are unique across
banks); only the problems the edited text brings block its publication, so a broken file
elsewhere does not hold up every thematic. Publication runs the importer of `quiz banks import`
on the edited bank alone: one transaction, immutable versions, attempts keep theirs.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from quiz.accounts.models import User
from quiz.authoring.diff import BankDiff, diff_texts
from quiz.authoring.models import BankDraft
from quiz.banks.calculated import instantiate, valid_instances
from quiz.banks.checker import MAX_BANK_CHARS, bank_files, check_banks, read_source
from quiz.banks.importer import BankReport, import_banks
from quiz.banks.model import TYPES, Bank
from quiz.banks.parser import split_lines
from quiz.banks.problems import Problem
from quiz.banks.store import BankRevision, current_versions, latest_revision
from quiz.exams.presentation import candidate_view, review_view
from quiz.extensions import db
from quiz.referential import load_referential
from quiz.timeutil import utcnow

MAX_BANK_BYTES = MAX_BANK_CHARS
TYPE_LABELS = {
    "single": "choix unique",
    "multiple": "choix multiple",
    "truefalse": "vrai / faux",
    "numeric": "numérique",
    "calculated": "calculée",
    "ordering": "classement",
    "matching": "appariement",
    "short": "réponse courte",
}


class UploadError(ValueError):
    """An uploaded file that cannot be a bank; the message is French and shown as is."""


@dataclass(frozen=True)
class ProblemView:
    """A problem as the editor shows it: the message and its hint apart, and whether it is in the
    edited text (then a click jumps to its line)."""

    file: str
    line: int
    qid: str | None
    message: str
    hint: str
    here: bool

    def as_json(self) -> dict:
        return {"file": self.file, "line": self.line, "qid": self.qid, "message": self.message,
                "hint": self.hint, "here": self.here}


@dataclass(frozen=True)
class Validation:
    bank: Bank | None
    problems: list[ProblemView]
    elsewhere: list[ProblemView] = field(default_factory=list)
    warnings: list[ProblemView] = field(default_factory=list)  # lint and review dates: they block nothing

    @property
    def ok(self) -> bool:
        return self.bank is not None and not self.problems


@dataclass(frozen=True)
class BankRow:
    thematic: object
    revision: BankRevision | None
    author: User | None
    by_type: dict[str, int]
    by_difficulty: dict[int, int]
    questions: int
    disk_problems: int | None
    draft: BankDraft | None
    draft_problems: int | None


@dataclass(frozen=True)
class PublishResult:
    validation: Validation
    report: BankReport | None = None
    previous_id: int | None = None
    written: bool = False


def thematic_or_none(number: int):
    ref = load_referential()
    return next((t for t in ref.thematics if t.number == number), None)


def banks_dir() -> Path:
    return Path(current_app.config["QUESTION_BANKS_DIR"])


def normalise(text: str) -> str:
    """What the browser sends (CRLF from a textarea, a BOM from an upload) as the file holds it."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def disk_sources() -> dict[str, str]:
    """Every readable bank file of QUESTION_BANKS_DIR by file name."""
    directory = banks_dir()
    if not directory.is_dir():
        return {}
    sources = {}
    for path in bank_files(directory):
        text, problem = read_source(path, path.name)
        if problem is None:
            sources[path.name] = text or ""
    return sources


def disk_text(thematic) -> str | None:
    return disk_sources().get(thematic.filename)


def draft_of(number: int) -> BankDraft | None:
    return db.session.execute(select(BankDraft).where(BankDraft.thematic == number)).scalar_one_or_none()


def editor_text(thematic) -> tuple[str, str]:
    """The text to edit and where it comes from: the draft, the file on disk, the last
    published revision, or a skeleton for a thematic that has no bank yet."""
    draft = draft_of(thematic.number)
    if draft is not None:
        return draft.text, "draft"
    text = disk_text(thematic)
    if text is not None:
        return text, "disk"
    revision = latest_revision(thematic.number)
    if revision is not None:
        return revision.text, "revision"
    skeleton = (f"---\nthematic: {thematic.number}\nprefix: {thematic.prefix}\ntitle: {thematic.title}\n"
                f"language: fr\n---\n\n# {thematic.title}\n")
    return skeleton, "new"


def _view(problem: Problem, filename: str) -> ProblemView:
    message, _sep, hint = problem.message.partition(" — ")
    return ProblemView(problem.file, problem.line, problem.qid, message, hint, problem.file == filename)


def outline(text: str) -> str:
    """A bank reduced to what the checks across banks read (front matter, question headings,
    fences), every line at its place: parsing it is fast, and line numbers stay true."""
    lines = split_lines(text)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), 0) if lines and \
        lines[0].strip() == "---" else 0
    kept = [
        line if n <= end or line.startswith("## ") or line.lstrip().startswith(("```", "~~~")) else ""
        for n, line in enumerate(lines)
    ]
    return "\n".join(kept)


@lru_cache(maxsize=8)
def _check_alone(sources: tuple[tuple[str, str], ...], assets: Path) -> tuple[tuple[Problem, ...], frozenset]:
    """The problems of the other banks by themselves, and those of their outlines (cached on
    their exact texts: nothing is remembered that the files do not say)."""
    referential = load_referential()
    full = check_banks(dict(sources), referential, require_all_thematics=False, assets_dir=assets).problems
    outlined = check_banks({name: outline(src) for name, src in sources}, referential,
                           require_all_thematics=False).problems
    return tuple(full), frozenset(outlined)


def validate(thematic, text: str) -> Validation:
    """Problems of `text` as the bank of `thematic`, checked with the other banks on disk; the
    problems that exist without it are returned apart (`elsewhere`) and block nothing.

    The other banks take part through their outline, so a check stays quick as the trainer types.
    """
    text = normalise(text)
    others = {name: src for name, src in disk_sources().items() if name != thematic.filename}
    referential = load_referential()
    assets = banks_dir() / "assets"
    elsewhere, known = _check_alone(tuple(sorted(others.items())), assets)
    outlines = {name: outline(src) for name, src in others.items()}
    together = check_banks({**outlines, thematic.filename: text}, referential, require_all_thematics=False,
                           assets_dir=assets)
    bank = next((b for b in together.banks if b.filename == thematic.filename), None)
    problems = [_view(p, thematic.filename) for p in together.problems if p not in known]
    if bank is not None and bank.thematic != thematic.number:
        line = bank.lines.get("thematic", 1)
        problems.append(ProblemView(thematic.filename, line, None,
                                    f"cette banque est celle de la thématique {thematic.number}",
                                    f"écrivez « thematic: {thematic.number} » dans l'en-tête.", True))
        bank = None
    warnings = [_view(p, thematic.filename) for p in together.warnings if p.file == thematic.filename]
    return Validation(bank, problems, [_view(p, thematic.filename) for p in elsewhere], warnings)


def save_draft(thematic, text: str, user: User) -> BankDraft:
    draft = draft_of(thematic.number) or BankDraft(thematic=thematic.number)
    draft.text = normalise(text)
    draft.updated_at = utcnow()
    draft.updated_by_id = user.id
    db.session.add(draft)
    db.session.commit()
    return draft


def discard_draft(thematic) -> None:
    draft = draft_of(thematic.number)
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()


def read_upload(data: bytes, filename: str) -> str:
    """The text of an uploaded bank, or UploadError with what to do."""
    if not filename.lower().endswith(".md"):
        raise UploadError("le fichier doit être une banque Markdown (extension .md).")
    if len(data) > MAX_BANK_BYTES:
        raise UploadError(f"le fichier dépasse {MAX_BANK_BYTES // 1024} Kio — une banque est un texte court.")
    try:
        return normalise(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UploadError(f"ligne {line} : caractères non UTF-8 — enregistrez le fichier en UTF-8.") from exc


def _count(bank: Bank | None) -> int | None:
    return None if bank is None else len(bank.questions)


def bank_overview() -> list[BankRow]:
    """One row per thematic of the referential: what is published, and the state of the texts."""
    referential = load_referential()
    sources = disk_sources()
    assets = banks_dir() / "assets"
    problems, _outlined = _check_alone(tuple(sorted(sources.items())), assets)
    disk_problems = Counter(p.file for p in problems)
    rows = []
    for thematic in referential.thematics:
        versions = current_versions(thematic.number)
        revision = latest_revision(thematic.number)
        draft = draft_of(thematic.number)
        by_type = Counter(v.payload["type"] for v in versions)
        by_difficulty = Counter(int(v.payload.get("difficulty", 2)) for v in versions)
        rows.append(BankRow(
            thematic=thematic,
            revision=revision,
            author=db.session.get(User, revision.created_by_id) if revision and revision.created_by_id else None,
            by_type={t: by_type[t] for t in TYPES if by_type[t]},
            by_difficulty={d: by_difficulty[d] for d in (1, 2, 3)},
            questions=len(versions),
            disk_problems=disk_problems.get(thematic.filename, 0) if thematic.filename in sources else None,
            draft=draft,
            draft_problems=len(validate(thematic, draft.text).problems) if draft else None,
        ))
    return rows


@dataclass(frozen=True)
class ReviewItem:
    code: str
    title: str
    thematic: int
    review_by: str | None
    valid_until: str | None
    law_as_of: str | None


REVIEW_QUEUE = 15


def review_queue(today: date | None = None, limit: int = REVIEW_QUEUE) -> list[ReviewItem]:
    """The published questions to review next: a key already expired (`valid_until` past) first,
    then by review date (`review_by`, then `valid_until`), soonest first."""
    today_text = (today or utcnow().date()).isoformat()
    items = []
    for thematic in load_referential().thematics:
        for version in current_versions(thematic.number):
            p = version.payload
            if p.get("review_by") or p.get("valid_until"):
                items.append(ReviewItem(p["id"], p["title"], thematic.number, p.get("review_by"),
                                        p.get("valid_until"), p.get("law_as_of")))

    def urgency(item: ReviewItem):
        expired = item.valid_until is not None and item.valid_until < today_text
        soonest = min(d for d in (item.review_by, item.valid_until) if d)
        return (not expired, soonest, item.code)

    return sorted(items, key=urgency)[:limit]


def _write_file(thematic, text: str) -> bool:
    """Write the published text into QUESTION_BANKS_DIR when the directory is writable (a Git
    checkout: the change is then committed by whoever maintains it); atomically."""
    directory = banks_dir()
    if not directory.is_dir() or not os.access(directory, os.W_OK):
        return False
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".publish-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / thematic.filename)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        current_app.logger.exception("publication: écriture de %s impossible", thematic.filename)
        return False
    return True


def publish(thematic, text: str, user: User) -> PublishResult:
    """Check, import (refused with the list of problems if any), record who did it, write the
    file, drop the draft."""
    text = normalise(text)
    validation = validate(thematic, text)
    if not validation.ok:
        return PublishResult(validation)
    previous = latest_revision(thematic.number)
    report = import_banks({thematic.filename: text}, load_referential(), actor_id=user.id)
    if not report.ok:
        return PublishResult(Validation(None, [_view(p, thematic.filename) for p in report.problems]))
    bank_report = report.banks[0]
    written = _write_file(thematic, text)
    discard_draft(thematic)
    _audit(thematic, bank_report, written)
    return PublishResult(validation, bank_report, previous.id if previous else None, written)


def _audit(thematic, report: BankReport, written: bool) -> None:
    try:
        from quiz.audit.service import record
    except ImportError:
        return
    record("bank.publish", target=("BankRevision", report.revision_id),
           details={"thematic": thematic.number, "file_written": written,
                    **{k: v for k, v in report.summary().items() if k != "unchanged"}})


# --- preview ----------------------------------------------------------------------------------


def preview(bank: Bank) -> list[dict]:
    """Each question as a candidate sees it (options in file order; candidates get them shuffled
    when the question says so) and, apart, what only the trainer sees: key, feedback, explanation."""
    items = []
    previous_case = None
    for question in bank.questions:
        payload = question.to_payload()
        if question.type == "calculated":  # previewed with its first valid instance
            names = [v.name for v in question.variables]
            payload = instantiate(payload, dict(zip(names, valid_instances(payload)[0], strict=True)))
        if question.type in ("single", "multiple"):
            order = [c.id for c in question.choices]
        elif question.type == "ordering":
            order = sorted(i.id for i in question.items)
        elif question.type == "matching":
            order = sorted(p.right_id for p in question.pairs)
        else:
            order = []
        items.append({
            "question": question,
            "type_label": TYPE_LABELS.get(question.type, question.type),
            "candidate": candidate_view(payload, order),
            "trainer": review_view(payload, order, None),
            "case_start": question.case is not None and question.case.id != previous_case,
        })
        previous_case = question.case.id if question.case else None
    return items


# --- history ----------------------------------------------------------------------------------


def revisions(number: int) -> list[tuple[BankRevision, User | None]]:
    rows = db.session.execute(
        select(BankRevision, User).outerjoin(User, User.id == BankRevision.created_by_id)
        .where(BankRevision.thematic == number)
        .order_by(BankRevision.created_at.desc(), BankRevision.id.desc())
    ).all()
    return [(revision, user) for revision, user in rows]


def revision(number: int, revision_id: int) -> BankRevision | None:
    found = db.session.get(BankRevision, revision_id)
    return found if found is not None and found.thematic == number else None


def previous_revision(current: BankRevision) -> BankRevision | None:
    return db.session.execute(
        select(BankRevision).where(
            BankRevision.thematic == current.thematic,
            (BankRevision.created_at < current.created_at)
            | ((BankRevision.created_at == current.created_at) & (BankRevision.id < current.id)),
        ).order_by(BankRevision.created_at.desc(), BankRevision.id.desc()).limit(1)
    ).scalar_one_or_none()


def revision_diff(old: BankRevision | None, new: BankRevision) -> BankDiff:
    return diff_texts(old.text if old else None, new.text, new.filename)

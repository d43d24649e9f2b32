"""The ledger's API: record evaluations (E2 results, assessors' gradings, corrections) and read
statuses. Views, the questionnaire code and the CLI call these functions and nothing below them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from quiz import storage
from quiz.accounts.models import Cohort, Named, User, cohort_members
from quiz.accounts.roles import Role
from quiz.audit.service import journal, record
from quiz.extensions import db
from quiz.ledger import rules
from quiz.ledger.models import EvidenceFile, GradingAct, LedgerEntry, LedgerStatus
from quiz.referential import Competence, Referential, load_referential
from quiz.timeutil import utcnow

ASSESSED_MODALITIES = ("E1", "E3", "E4", "E5")
SCORE_MAX = Decimal(20)
E2_SCORE_MAX = Decimal(100)
CENT = Decimal("0.01")


class LedgerError(ValueError):
    """A grading or correction the ledger refuses; the message is French and says why."""


@dataclass(frozen=True)
class CompetenceVerdict:
    """An assessor's verdict on one competence: outcome, per-criterion verdicts, optional score on
    the modality's scale (score_max), and the justification of an outcome that goes against the
    criteria verdicts."""

    competence: str
    passed: bool
    criteria: dict[int, bool] = field(default_factory=dict)
    score: Decimal | None = None
    justification: str = ""


def score_max(modality: str) -> Decimal:
    """One scale per modality, the same on forms and in the ledger: E2 in percent, others out of 20."""
    return E2_SCORE_MAX if modality == "E2" else SCORE_MAX


def contradicts(verdict: CompetenceVerdict) -> bool:
    """An outcome against the criteria: all met but « non acquis », or one unmet but « acquis »."""
    values = list(verdict.criteria.values())
    if not values:
        return False
    return (verdict.passed and not all(values)) or (not verdict.passed and all(values))


@dataclass(frozen=True)
class StoredEvidence:
    """A file already checked and put in quiz.storage under `stored_name` (see quiz.grading.evidence)."""

    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def referential() -> Referential:
    return load_referential()


def local_date(moment: datetime) -> date:
    """The calendar day of `moment` in the platform's time zone (dates people read are local)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris") if has_app_context() else None
    return moment.astimezone(ZoneInfo(name or "Europe/Paris")).date()


# --- recording -----------------------------------------------------------------------------------


def _entries_of_attempt(attempt_id: int) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.attempt_id == attempt_id).order_by(LedgerEntry.id)
    return list(db.session.execute(query).scalars())


def record_e2_result(
    candidate_id: int,
    thematic: int,
    passed: bool,
    attempt_id: int,
    score: Fraction | None = None,
    recorded_at: datetime | None = None,
) -> list[LedgerEntry]:
    """One E2 entry per competence `thematic` assesses, once per attempt.

    `score` is the share of correct answers (stored as a percentage). A second call for the same
    attempt returns the entries already there, also when two calls race: the unique constraint
    on (attempt_id, competence) lets one insert win and the other read its rows. The entries are
    flushed inside a savepoint, not committed: the caller commits them with the attempt.
    """
    existing = _entries_of_attempt(attempt_id)
    if existing:
        return _same_candidate(existing, candidate_id)
    entries = [LedgerEntry(**row) for row in _e2_rows(candidate_id, thematic, passed, attempt_id, score,
                                                      recorded_at or utcnow())]
    _open_transaction()
    try:
        with db.session.begin_nested():
            db.session.add_all(entries)
    except IntegrityError:
        return _same_candidate(_entries_of_attempt(attempt_id), candidate_id)
    record("ledger.e2", target=("Attempt", attempt_id), details={"thematic": thematic, "passed": passed}, commit=False)
    return entries


def write_e2_result(candidate_id: int, thematic: int, passed: bool, attempt_id: int, score: Fraction,
                    recorded_at: datetime, actor_id: int | None = None) -> None:
    """`record_e2_result` for the caller that has just won the attempt's finalisation.

    Nobody else can be recording this attempt in its transaction, so there is nothing to look
    up and no savepoint to take: the entries and their journal line are two inserts in the
    caller's transaction (the unique constraint on (attempt, competence) still holds).
    """
    db.session.execute(_INSERT_ENTRY, _e2_rows(candidate_id, thematic, passed, attempt_id, score, recorded_at))
    journal("ledger.e2", target=("Attempt", attempt_id), details={"thematic": thematic, "passed": passed},
            actor_id=actor_id)


_INSERT_ENTRY = insert(LedgerEntry.__table__)


def _e2_rows(candidate_id: int, thematic: int, passed: bool, attempt_id: int, score: Fraction | None,
             when: datetime) -> list[dict]:
    """The E2 entries of one attempt, one per competence the thematic assesses, as column values."""
    try:
        competences = referential().thematic(thematic).competences
    except StopIteration:
        raise LedgerError(f"thématique inconnue : {thematic}") from None
    percent = _percent(score) if score is not None else None
    return [
        {"candidate_id": candidate_id, "competence": code, "modality": "E2", "thematic": thematic,
         "passed": passed, "score": percent, "score_max": E2_SCORE_MAX if percent is not None else None,
         "source": "e2_attempt", "attempt_id": attempt_id, "recorded_at": when, "assessed_on": local_date(when)}
        for code in competences
    ]


def _percent(score: Fraction) -> Decimal:
    return (Decimal(score.numerator) * 100 / Decimal(score.denominator)).quantize(CENT, ROUND_HALF_UP)


def _latest_version(entry: LedgerEntry) -> LedgerEntry:
    while (newer := db.session.execute(select(LedgerEntry).where(LedgerEntry.replaces_id == entry.id))
           .scalar_one_or_none()) is not None:
        entry = newer
    return entry


def record_e2_correction(attempt_id: int, passed: bool, score: Fraction, reason: str,
                         recorded_by_id: int) -> list[LedgerEntry]:
    """The E2 entries of an attempt rescored after the fact (late answers accepted), with the reason.

    Each effective entry of the attempt is replaced by a new one; the history keeps both. Not
    committed: the caller commits it with the decision that caused it.
    """
    if not (reason or "").strip():
        raise LedgerError("le motif de la correction est obligatoire")
    now = utcnow()
    entries = [
        LedgerEntry(
            candidate_id=current.candidate_id, competence=current.competence, modality="E2",
            thematic=current.thematic, passed=passed, score=_percent(score), score_max=E2_SCORE_MAX,
            source="e2_attempt", replaces_id=current.id, correction_reason=reason.strip(),
            recorded_by_id=recorded_by_id, recorded_at=now, assessed_on=current.assessed_on,
        )
        for current in map(_latest_version, _entries_of_attempt(attempt_id))
    ]
    db.session.add_all(entries)
    record("ledger.correction", target=("Attempt", attempt_id), commit=False,
           details={"reason": reason.strip(), "passed": passed, "score": str(_percent(score))})
    return entries


def _open_transaction() -> None:
    """pysqlite opens transactions lazily, so a SAVEPOINT issued first would open one of its own
    and its RELEASE would commit behind the caller's back: open the real transaction first."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _same_candidate(entries: list[LedgerEntry], candidate_id: int) -> list[LedgerEntry]:
    if any(e.candidate_id != candidate_id for e in entries):
        raise LedgerError("cette tentative est déjà enregistrée pour un autre candidat")
    return entries


def _candidate(candidate_id: int) -> User:
    user = db.session.get(User, candidate_id)
    if user is None or not user.has_role(Role.CANDIDATE):
        raise LedgerError("candidat introuvable")
    return user


def gradable_competences(modality: str) -> tuple[Competence, ...]:
    """What an assessor may grade in `modality`: the competences requiring it; for E1, which no
    competence requires today, every competence (recorded, counted only where required)."""
    ref = referential()
    if modality not in ASSESSED_MODALITIES:
        raise LedgerError(f"modalité non évaluée par un évaluateur : {modality}")
    return ref.competences_requiring(modality) or (ref.competences if modality == "E1" else ())


def _check_verdict(verdict: CompetenceVerdict, modality: str, allowed: Sequence[str]) -> Competence:
    ref = referential()
    if not ref.has_competence(verdict.competence) or ref.competence(verdict.competence).code not in allowed:
        raise LedgerError(f"{verdict.competence} n'est pas évaluée en {modality}")
    comp = ref.competence(verdict.competence)
    items = range(len(comp.criteria.items))
    if any(i not in items for i in verdict.criteria):
        raise LedgerError(f"{comp.code} : critère inconnu")
    top = score_max(modality)
    if verdict.score is not None and not 0 <= verdict.score <= top:
        raise LedgerError(f"{comp.code} : la note doit être comprise entre 0 et {top}")
    if contradicts(verdict) and not verdict.justification.strip():
        raise LedgerError(f"{comp.code} : le résultat va contre les critères ; justifiez-le")
    return comp


def _not_own_work(candidate_id: int, recorded_by_id: int) -> None:
    """Nobody grades or corrects their own entries, whatever roles their account holds."""
    if candidate_id == recorded_by_id:
        raise LedgerError("vous ne pouvez ni évaluer ni corriger vos propres résultats : "
                          "un autre évaluateur doit s'en charger")


EARLIEST_DAY = date(2000, 1, 1)


def _check_day(assessed_on: date) -> None:
    if assessed_on > local_date(utcnow()):
        raise LedgerError("la date de l'évaluation ne peut pas être dans le futur")
    if assessed_on < EARLIEST_DAY:
        raise LedgerError("la date de l'évaluation ne peut pas être antérieure au 1er janvier 2000")


def _entry_from(verdict: CompetenceVerdict, comp: Competence, act: GradingAct, comment: str, **extra):
    comment = comment.strip()
    if verdict.justification.strip():
        comment = f"{comment}\n\nJustification du résultat : {verdict.justification.strip()}".strip()
    return LedgerEntry(
        candidate_id=act.candidate_id,
        competence=comp.code,
        modality=act.modality,
        passed=verdict.passed,
        score=verdict.score.quantize(CENT) if verdict.score is not None else None,
        score_max=score_max(act.modality) if verdict.score is not None else None,
        criteria={str(i): bool(v) for i, v in sorted(verdict.criteria.items())},
        comment=comment,
        source="assessor",
        act=act,
        recorded_by_id=act.recorded_by_id,
        recorded_at=act.recorded_at,
        assessed_on=act.assessed_on,
        **extra,
    )


def _evidence_rows(evidence: Sequence[StoredEvidence], act: GradingAct) -> list[EvidenceFile]:
    return [
        EvidenceFile(
            act=act,
            original_name=f.original_name,
            stored_name=f.stored_name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            uploaded_by_id=act.recorded_by_id,
            uploaded_at=act.recorded_at,
        )
        for f in evidence
    ]


def record_grading(
    candidate_id: int,
    modality: str,
    verdicts: Sequence[CompetenceVerdict],
    assessed_on: date,
    recorded_by_id: int,
    comment: str = "",
    evidence: Sequence[StoredEvidence] = (),
    commit: bool = True,
) -> GradingAct:
    """An assessor's grading of one piece of work: one entry per competence, shared evidence.
    `commit=False` leaves the commit to a caller recording several gradings as one."""
    _candidate(candidate_id)
    _not_own_work(candidate_id, recorded_by_id)
    allowed = [c.code for c in gradable_competences(modality)]
    if not verdicts:
        raise LedgerError("choisissez au moins une compétence à évaluer")
    checked = [(v, _check_verdict(v, modality, allowed)) for v in verdicts]
    if len({c.code for _, c in checked}) != len(checked):
        raise LedgerError("une compétence est évaluée deux fois")
    _check_day(assessed_on)
    act = GradingAct(
        candidate_id=candidate_id,
        modality=modality,
        assessed_on=assessed_on,
        recorded_by_id=recorded_by_id,
        recorded_at=utcnow(),
    )
    entries = [_entry_from(v, comp, act, comment) for v, comp in checked]
    db.session.add_all([act, *entries, *_evidence_rows(evidence, act)])
    record("ledger.grading", target=("User", candidate_id), commit=False,
           details={"modality": modality, "verdicts": {c.code: v.passed for v, c in checked}, "files": len(evidence)})
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return act


def _carry_forward(item: EvidenceFile) -> StoredEvidence:
    """A copy of an earlier act's file for a correction's act (evidence rows are append-only and
    each names its own stored file)."""
    return StoredEvidence(item.original_name, storage.duplicate(item.stored_name), item.content_type, item.size,
                          item.sha256)


def is_effective(entry: LedgerEntry) -> bool:
    query = select(LedgerEntry.id).where(LedgerEntry.replaces_id == entry.id)
    return db.session.execute(query).first() is None


def record_correction(
    entry_id: int,
    reason: str,
    passed: bool,
    recorded_by_id: int,
    criteria: dict[int, bool] | None = None,
    score: Decimal | None = None,
    comment: str = "",
    assessed_on: date | None = None,
    evidence: Sequence[StoredEvidence] = (),
    justification: str = "",
) -> LedgerEntry:
    """A new entry replacing `entry_id` (same candidate, competence, modality, thematic), with a
    mandatory reason. Only an effective entry can be corrected; the history keeps both. The
    original's evidence files are carried forward (copied into the correction's act) with any new
    ones, so that the effective entry always shows what it rests on."""
    original = db.session.get(LedgerEntry, entry_id)
    if original is None:
        raise LedgerError("entrée introuvable")
    if not (reason or "").strip():
        raise LedgerError("le motif de la correction est obligatoire")
    if not is_effective(original):
        raise LedgerError("cette entrée a déjà été corrigée : corrigez la dernière version")
    _not_own_work(original.candidate_id, recorded_by_id)
    assessed_on = assessed_on or original.assessed_on
    _check_day(assessed_on)
    verdict = CompetenceVerdict(original.competence, passed, criteria or {}, score, justification)
    comp = _check_verdict(verdict, original.modality, [original.competence])
    act = GradingAct(
        candidate_id=original.candidate_id,
        modality=original.modality,
        assessed_on=assessed_on,
        recorded_by_id=recorded_by_id,
        recorded_at=utcnow(),
    )
    entry = _entry_from(
        verdict,
        comp,
        act,
        comment,
        thematic=original.thematic,
        replaces_id=original.id,
        correction_reason=reason.strip(),
    )
    carried = [_carry_forward(f) for f in (original.act.evidence if original.act else ())]
    db.session.add_all([act, entry, *_evidence_rows([*carried, *evidence], act)])
    record("ledger.correction", target=("LedgerEntry", original.id), commit=False,
           details={"reason": reason.strip(), "passed": passed})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise LedgerError("cette entrée vient d'être corrigée par ailleurs : rechargez la page") from None
    return entry


# --- reading -------------------------------------------------------------------------------------


def to_rule_entry(row: LedgerEntry) -> rules.Entry:
    return rules.Entry(
        id=row.id,
        candidate=row.candidate_id,
        competence=row.competence,
        modality=row.modality,
        thematic=row.thematic,
        passed=row.passed,
        recorded_at=row.recorded_at,
        replaces=row.replaces_id,
        assessed_on=row.assessed_on,
    )


def history(candidate_id: int) -> list[LedgerEntry]:
    """Every entry of a candidate, corrections included, oldest first, with acts and evidence."""
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.candidate_id == candidate_id)
        .options(selectinload(LedgerEntry.act), selectinload(LedgerEntry.recorded_by))
        .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
    )
    return list(db.session.execute(query).scalars())


def candidate_status(candidate_id: int) -> rules.CertificationStatus:
    rows = db.session.execute(
        select(LedgerEntry).where(LedgerEntry.candidate_id == candidate_id)
    ).scalars()
    return rules.certification_status([to_rule_entry(r) for r in rows], referential(), candidate_id)


@dataclass(frozen=True)
class Person(Named):
    """What a grid shows of a candidate, read as plain columns (no ORM object per row)."""

    id: int
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True)
class GridRow:
    candidate: Person
    status: rules.Summary | rules.CertificationStatus


@dataclass(frozen=True)
class Grid:
    """The jury grid: every candidate of a cohort (or of the platform) with their status."""

    title: str
    cohort: Cohort | None
    rows: tuple[GridRow, ...]


def _candidates(cohort_id: int | None) -> list[Person]:
    query = select(User.id, User.first_name, User.last_name, User.email).where(
        User.role_rows.any(role=Role.CANDIDATE.value))
    if cohort_id is not None:
        query = query.where(User.id.in_(_members(cohort_id)))
    return _sorted([Person(*row) for row in db.session.execute(query)])


def _sorted(people: list[Person]) -> list[Person]:
    return sorted(people, key=lambda u: (u.last_name.casefold(), u.first_name.casefold(), u.id))


def _members(cohort_id: int):
    return select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort_id)


def _cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise LedgerError("promotion introuvable")
    return cohort


def _grid(candidates: list[Person], title: str, cohort: Cohort | None) -> Grid:
    """Full statuses (requirements included) from one query of plain columns for every entry of
    the cohort's candidates (by the cohort when there is one, so no list of thousands of ids goes
    to the database), then the rules."""
    ids = [u.id for u in candidates]
    entries: list[rules.Entry] = []
    if ids:
        entries = _rule_entries(_members(cohort.id) if cohort is not None else None)
    statuses = rules.certification_statuses(entries, referential(), ids)
    return Grid(title, cohort, tuple(GridRow(u, statuses[u.id]) for u in candidates))


def detailed_grid(cohort_id: int | None = None) -> Grid:
    """Every status in full, requirements included, computed from the entries (`quiz ledger
    export --format json`, the assessors' queue): what the stored summaries leave out."""
    if cohort_id is None:
        return _grid(_candidates(None), "Tous les candidats", None)
    cohort = _cohort(cohort_id)
    return _grid(_candidates(cohort_id), cohort.name, cohort)


# --- stored statuses (the jury grid's cache) ----------------------------------------------------
#
# The grid of 10,000 candidates cannot run the rules over half a million entries on every view.
# Each candidate's summary is stored in `ledger_statuses` with the count and the highest id of the
# entries it was computed from; a read first recomputes the stale ones (count or id moved, or the
# referential changed), so writers (the E2 hand-in above all) pay nothing. Candidates without
# entries have no row: they all share the summary of an empty ledger.

STATUS_CHUNK = 500
FILTERS = ("titre", "partiel", "aucun")


def _empty_summary(ref: Referential) -> rules.Summary:
    return rules.summarise(rules.certification_status([], ref))


def stale_statuses(cohort_id: int | None = None) -> list[int]:
    """Candidates (of the cohort, or everyone) whose stored status no longer matches their entries."""
    fp = rules.fingerprint(referential())
    live = select(LedgerEntry.candidate_id, func.count(), func.max(LedgerEntry.id)).group_by(LedgerEntry.candidate_id)
    stored = select(LedgerStatus.candidate_id, LedgerStatus.entry_count, LedgerStatus.last_entry_id,
                    LedgerStatus.referential)
    if cohort_id is not None:
        live = live.where(LedgerEntry.candidate_id.in_(_members(cohort_id)))
        stored = stored.where(LedgerStatus.candidate_id.in_(_members(cohort_id)))
    known = {c: (n, last, f) for c, n, last, f in db.session.execute(stored)}
    return [c for c, n, last in db.session.execute(live) if known.get(c) != (n, last, fp)]


def refresh_statuses(cohort_id: int | None = None) -> int:
    """Recompute the stale stored statuses and commit them; how many were. Call it outside a write
    transaction (it commits): the grid's reads and the CLI do."""
    stale = stale_statuses(cohort_id)
    if stale:
        store_statuses(stale)
        db.session.commit()
    return len(stale)


def store_statuses(candidate_ids: Sequence[int]) -> None:
    """Compute from the ledger and upsert the stored status of each candidate (with entries),
    STATUS_CHUNK at a time. A concurrent refresh that saw more entries keeps its row."""
    ref = referential()
    fp = rules.fingerprint(ref)
    now = utcnow()
    for start in range(0, len(candidate_ids), STATUS_CHUNK):
        chunk = list(candidate_ids[start:start + STATUS_CHUNK])
        entries = _rule_entries(chunk)
        seen: dict[int, tuple[int, int]] = {}
        for e in entries:
            count, last = seen.get(e.candidate, (0, 0))
            seen[e.candidate] = (count + 1, max(last, e.id))
        statuses = rules.certification_statuses(entries, ref, list(seen))
        rows = []
        for candidate, (count, last) in seen.items():
            summary = rules.summarise(statuses[candidate])
            rows.append({"candidate_id": candidate, "last_entry_id": last, "entry_count": count, "referential": fp,
                         "title_validated": summary.validated, "blocs_validated": len(summary.validated_blocs),
                         "summary": summary.to_json(), "computed_at": now})
        if rows:
            _upsert_statuses(rows)


def _upsert_statuses(rows: list[dict]) -> None:
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(LedgerStatus)
    statement = statement.on_conflict_do_update(
        index_elements=[LedgerStatus.candidate_id],
        set_={name: statement.excluded[name] for name in rows[0] if name != "candidate_id"},
        where=statement.excluded.entry_count >= LedgerStatus.entry_count,
    )
    db.session.execute(statement, rows)


def rebuild_statuses() -> int:
    """Drop every stored status and compute them again from the ledger (`quiz ledger rebuild-status`)."""
    db.session.execute(delete(LedgerStatus))
    ids = list(db.session.execute(select(LedgerEntry.candidate_id).distinct()).scalars())
    store_statuses(ids)
    db.session.commit()
    return len(ids)


def stored_summary(candidate_id: int) -> rules.Summary | None:
    row = db.session.get(LedgerStatus, candidate_id)
    return rules.Summary.from_json(row.summary) if row is not None else None


@dataclass(frozen=True)
class GridSelection:
    """The candidates a grid shows (sorted, filtered on their stored status), summaries read on
    demand: a page reads a hundred of them, an export streams them all chunk by chunk."""

    title: str
    cohort: Cohort | None
    people: tuple[Person, ...]
    wanted: str

    def rows(self, people: Sequence[Person] | None = None, chunk: int = 1000) -> Iterator[GridRow]:
        people = self.people if people is None else people
        empty = _empty_summary(referential())
        for start in range(0, len(people), chunk):
            part = people[start:start + chunk]
            stored = dict(db.session.execute(select(LedgerStatus.candidate_id, LedgerStatus.summary)
                                             .where(LedgerStatus.candidate_id.in_([p.id for p in part]))).all())
            for person in part:
                data = stored.get(person.id)
                yield GridRow(person, rules.Summary.from_json(data) if data is not None else empty)


def _matches(wanted: str, title: bool, blocs: int) -> bool:
    """The filters of the grid (exports.FILTERS) on the stored flags."""
    if wanted == "titre":
        return title
    if wanted == "partiel":
        return not title and blocs > 0
    if wanted == "aucun":
        return not title and blocs == 0
    return True


def grid_selection(cohort_id: int | None = None, wanted: str = "") -> GridSelection:
    """Stale statuses recomputed, then the candidates with their stored flags in one query."""
    cohort = _cohort(cohort_id) if cohort_id is not None else None
    refresh_statuses(cohort_id)
    empty = _empty_summary(referential())
    query = (select(User.id, User.first_name, User.last_name, User.email, LedgerStatus.title_validated,
                    LedgerStatus.blocs_validated)
             .outerjoin(LedgerStatus, LedgerStatus.candidate_id == User.id)
             .where(User.role_rows.any(role=Role.CANDIDATE.value)))
    if cohort_id is not None:
        query = query.where(User.id.in_(_members(cohort_id)))
    wanted = wanted if wanted in FILTERS else ""
    people = []
    for id_, first, last, email, title, blocs in db.session.execute(query):
        if title is None:
            title, blocs = empty.validated, len(empty.validated_blocs)
        if _matches(wanted, title, blocs):
            people.append(Person(id_, first, last, email))
    return GridSelection(cohort.name if cohort else "Tous les candidats", cohort, tuple(_sorted(people)), wanted)


@dataclass(frozen=True)
class GridPage:
    selection: GridSelection
    rows: tuple[GridRow, ...]
    page: int
    pages: int

    @property
    def title(self) -> str:
        return self.selection.title

    @property
    def cohort(self) -> Cohort | None:
        return self.selection.cohort

    @property
    def total(self) -> int:
        return len(self.selection.people)


GRID_PAGE_SIZE = 100


def jury_page(cohort_id: int | None = None, wanted: str = "", page: int = 1,
              per_page: int | None = None) -> GridPage:
    """One page of the jury grid (GRID_PAGE_SIZE rows by default): the filter applies to every
    candidate, only the page's summaries are read."""
    per_page = per_page or GRID_PAGE_SIZE
    selection = grid_selection(cohort_id, wanted)
    pages = max(1, -(-len(selection.people) // per_page))
    page = min(max(page, 1), pages)
    shown = selection.people[(page - 1) * per_page:page * per_page]
    return GridPage(selection, tuple(selection.rows(shown)), page, pages)


def cohort_grid(cohort_id: int) -> Grid:
    """Every candidate of the cohort with their stored summary (stale ones recomputed first)."""
    selection = grid_selection(cohort_id)
    return Grid(selection.title, selection.cohort, tuple(selection.rows()))


def full_grid() -> Grid:
    """Every candidate of the platform, whatever their cohort, with their stored summary."""
    selection = grid_selection(None)
    return Grid(selection.title, None, tuple(selection.rows()))


def cohort_by_name(name: str) -> Cohort | None:
    return db.session.execute(select(Cohort).where(Cohort.name == name)).scalar_one_or_none()


def cohorts() -> list[Cohort]:
    return list(db.session.execute(select(Cohort).order_by(Cohort.name)).scalars())


@dataclass(frozen=True)
class PendingRow:
    candidate: User
    # modality -> requirements still to meet in it (FAILED: graded and not passed; PENDING: never graded)
    by_modality: dict[str, tuple[rules.RequirementStatus, ...]]

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_modality.values())


def pending_gradings(cohort_id: int) -> list[PendingRow]:
    """For each candidate of the cohort, the E1/E3/E4/E5 requirements not met yet, by modality."""
    out = []
    for row in detailed_grid(cohort_id).rows:
        by_modality = {
            m: tuple(r for r in row.status.requirements if r.modality == m and not r.met)
            for m in ASSESSED_MODALITIES
        }
        out.append(PendingRow(row.candidate, {m: rs for m, rs in by_modality.items() if rs}))
    return out


def entry(entry_id: int) -> LedgerEntry | None:
    return db.session.get(LedgerEntry, entry_id)


def evidence_file(file_id: int) -> EvidenceFile | None:
    return db.session.get(EvidenceFile, file_id)


def candidate_statuses(candidate_ids) -> dict[int, rules.CertificationStatus]:
    """Statuses of many candidates from one query returning plain rows (no ORM objects)."""
    ids = list(candidate_ids)
    return rules.certification_statuses(_rule_entries(ids) if ids else [], referential(), ids)


def _rule_entries(candidate_ids) -> list[rules.Entry]:
    """Rule entries as plain rows: of `candidate_ids` (a list or a subquery), or of everyone."""
    columns = (LedgerEntry.id, LedgerEntry.candidate_id, LedgerEntry.competence, LedgerEntry.modality,
               LedgerEntry.thematic, LedgerEntry.passed, LedgerEntry.recorded_at, LedgerEntry.replaces_id,
               LedgerEntry.assessed_on)
    query = select(*columns)
    if candidate_ids is not None:
        query = query.where(LedgerEntry.candidate_id.in_(candidate_ids))
    return [rules.Entry(*row) for row in db.session.execute(query)]

"""Item analysis from the database: finished, non-trial attempts turned into plain data for the
pure statistics, and the CSV export of the figures."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from quiz.authoring.statistics import (
    MIN_ATTEMPTS,
    AttemptScore,
    ItemResponse,
    ItemStats,
    QuestionnaireStats,
    item_stats,
    questionnaire_stats,
)
from quiz.banks.shortanswer import matches
from quiz.banks.store import QuestionVersion
from quiz.exams.models import Attempt, AttemptItem, Questionnaire
from quiz.extensions import db
from quiz.spreadsheet import csv_text

FLAG_LABELS = {
    "too_hard": "trop difficile (facilité < 0,2)",
    "too_easy": "trop facile (facilité > 0,95)",
    "negative_discrimination": "discrimination négative",
}
NOT_SIGNIFICANT = "non significatif"


def flag_label(flag: str) -> str:
    if flag.startswith("unchosen:"):
        return f"option {flag.partition(':')[2]} jamais choisie"
    return FLAG_LABELS.get(flag, flag)


@dataclass(frozen=True)
class ItemRow:
    version: QuestionVersion
    stats: ItemStats
    options: list[tuple[str, str, bool, float]]  # id, text, correct, share

    @property
    def flag_labels(self) -> list[str]:
        return [flag_label(f) for f in self.stats.flags]


@dataclass(frozen=True)
class QuestionnaireReport:
    questionnaire: Questionnaire
    stats: QuestionnaireStats
    items: list[ItemRow]
    min_attempts: int = MIN_ATTEMPTS


def _chosen(response, payload: dict | None = None) -> tuple[str, ...]:
    """The options a response chose; for a short answer, the accepted answer it matched first."""
    if payload is not None and payload["type"] == "short":
        if not isinstance(response, str):
            return ()
        normalise = payload.get("normalise", ())
        return next(((a["id"],) for a in payload["answers"] if matches(response, a["text"], normalise)), ())
    if isinstance(response, list):
        return tuple(str(r) for r in response)
    if isinstance(response, str) and response:
        return (response,)
    return ()


def _options(payload: dict) -> list[dict]:
    """Choices, or a short answer's accepted answers (with `correct` when they earn credit)."""
    if payload["type"] == "short":
        return [{"id": a["id"], "text": a["text"], "correct": float(a["weight"]) > 0} for a in payload["answers"]]
    return list(payload.get("choices", ()))


def _counted():
    return (Attempt.status != "in_progress", Attempt.trial.is_(False))


def min_attempts() -> int:
    """Below this many attempts a figure is « non significatif » (setting STATS_MIN_ATTEMPTS)."""
    return int(current_app.config.get("STATS_MIN_ATTEMPTS", MIN_ATTEMPTS))


def analyse(questionnaire: Questionnaire) -> QuestionnaireReport:
    """Every figure of one questionnaire, from its finished, non-trial attempts."""
    minimum = min_attempts()
    attempts = db.session.execute(
        select(Attempt).where(Attempt.questionnaire_id == questionnaire.id, *_counted())
    ).scalars().all()
    rows = db.session.execute(
        select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.question_version_id,
               AttemptItem.credit, AttemptItem.response)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.questionnaire_id == questionnaire.id, *_counted())
    ).all()
    versions = {
        v.id: v for v in db.session.execute(
            select(QuestionVersion).where(QuestionVersion.id.in_({row[2] for row in rows}))
        ).scalars()
    } if rows else {}
    responses = [
        ItemResponse(attempt_id=attempt_id, version_id=version_id, position=position, credit=float(credit or 0),
                     chosen=_chosen(response, versions[version_id].payload))
        for attempt_id, position, version_id, credit, response in rows
    ]
    options = {vid: [c["id"] for c in _options(v.payload)] for vid, v in versions.items()
               if v.payload["type"] in ("single", "multiple", "short")}
    per_item = item_stats(responses, options, minimum)
    scores = [AttemptScore(a.id, float(a.score or 0), int(a.total or 0), bool(a.passed)) for a in attempts]
    items = []
    for version_id, stats in per_item.items():
        version = versions[version_id]
        items.append(ItemRow(version, stats, [
            (c["id"], c["text"], bool(c["correct"]), stats.option_shares.get(c["id"], 0.0))
            for c in _options(version.payload)
        ]))
    items.sort(key=lambda row: (row.version.code, row.version.number))
    return QuestionnaireReport(questionnaire, questionnaire_stats(scores, responses, minimum), items, minimum)


def questionnaires() -> list[Questionnaire]:
    return list(db.session.execute(
        select(Questionnaire).order_by(Questionnaire.thematic, Questionnaire.title)
    ).scalars())


def _fr(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def to_csv(reports: list[QuestionnaireReport]) -> str:
    """Every figure in one semicolon-separated file (UTF-8 with BOM, decimal comma): a block of
    one line per questionnaire, then one line per question version; titles written by trainers
    are never read as formulas (quiz.spreadsheet)."""
    bands = [f"{10 * i}-{10 * i + 10} %" for i in range(10)]
    rows: list[list] = [["questionnaire", "thématique", "tentatives", "moyenne (%)", "écart type (%)",
                         "taux de réussite", "fidélité", "indice", "significatif", *bands]]
    for report in reports:
        q, s = report.questionnaire, report.stats
        rows.append([q.title, q.thematic, s.attempts, _fr(s.mean, 1), _fr(s.sd, 1), _fr(s.pass_rate),
                     _fr(s.reliability), s.reliability_kind or "", "oui" if s.significant else "non",
                     *s.distribution])
    rows.append([])
    rows.append(["questionnaire", "question", "version", "titre", "type", "tirages", "facilité",
                 "discrimination", "options (part choisie)", "significatif", "signalements"])
    for report in reports:
        for row in report.items:
            s = row.stats
            rows.append([
                report.questionnaire.title, row.version.code, row.version.number, row.version.payload["title"],
                row.version.payload["type"], s.drawn, _fr(s.facility), _fr(s.discrimination),
                " | ".join(f"{oid}{'*' if ok else ''} : {_fr(share)}" for oid, _t, ok, share in row.options),
                "oui" if s.significant else "non", " | ".join(row.flag_labels),
            ])
    return csv_text(rows)

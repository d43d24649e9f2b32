"""The E3 case-study format: one Markdown file per case study, checked with `file:line` errors
like the question banks (docs/case-study-format.md). Pure: no Flask, no database.

    ---
    id: ETUDE-05-A
    thematic: 5
    title: Une PME exportatrice face au risque de change
    duration: 120
    competences:
      C16: [0, 1, 2]
      C17: all
    ---
    # Sujet
    …the statement the candidate reads…
    # Documents
    - [Bilan 2025](documents/bilan-2025.pdf)
    # Guide de correction
    …for assessors only, never shown to candidates…
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from quiz.banks.yamlblock import load_block
from quiz.referential import Referential

KEYS = {"id", "thematic", "title", "duration", "competences"}
SECTIONS = {"sujet": "subject", "documents": "documents", "guide de correction": "guide"}
REQUIRED_SECTIONS = ("sujet", "guide de correction")
ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,40}$")
LINK = re.compile(r"^\s*[-*]\s+\[(?P<label>[^\]]+)\]\((?P<target>[^)\s]+)\)\s*$")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Document:
    label: str
    path: str
    line: int


@dataclass(frozen=True)
class CaseStudy:
    id: str
    thematic: int
    title: str
    duration_minutes: int
    criteria: dict[str, tuple[int, ...]]  # competence code -> criteria indexes assessed
    subject: str
    documents: tuple[Document, ...]
    guide: str


@dataclass
class Report:
    filename: str
    case_study: CaseStudy | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [f"{self.filename}:{p.line}: {p.message}" for p in sorted(self.problems, key=lambda p: p.line)]


def parse(text: str, filename: str, referential: Referential, existing_files: set[str] | None = None) -> Report:
    """The case study in `text`, or every problem found, each with its line. `existing_files`,
    when given, are the attached documents' paths that exist (relative to the file)."""
    report = Report(filename)
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        report.problems.append(Problem(1, "le fichier commence par un bloc « --- » de métadonnées (id, thematic, "
                                          "title, duration, competences)"))
        return report
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report.problems.append(Problem(1, "bloc de métadonnées non fermé : ajoutez une ligne « --- »"))
        return report
    block = load_block("\n".join(lines[1:end]), 2)
    if block.error:
        report.problems.append(Problem(*block.error))
        return report
    meta = block.data if isinstance(block.data, dict) else {}
    if not isinstance(block.data, dict):
        report.problems.append(Problem(2, "les métadonnées sont une liste de « clé: valeur »"))
    add = report.problems.append
    for key in sorted(set(meta) - KEYS):
        add(Problem(block.line_of(key, 2), f"clé inconnue « {key} » (permises : {', '.join(sorted(KEYS))})"))
    for key in sorted(KEYS - set(meta)):
        add(Problem(end + 1, f"clé « {key} » manquante dans les métadonnées"))
    ident = str(meta.get("id", ""))
    if "id" in meta and not ID.match(ident):
        add(Problem(block.line_of("id", 2), "id : lettres majuscules, chiffres et tirets (ex. ETUDE-05-A)"))
    thematic = meta.get("thematic")
    numbers = {t.number for t in referential.thematics}
    if "thematic" in meta and not (_integer(thematic) and thematic in numbers):
        add(Problem(block.line_of("thematic", 2), f"thematic : un numéro de thématique de 1 à {max(numbers)}"))
    duration = meta.get("duration")
    if "duration" in meta and not (_integer(duration) and 10 <= duration <= 600):
        add(Problem(block.line_of("duration", 2), "duration : une durée en minutes, de 10 à 600"))
    title = str(meta.get("title") or "").strip()
    if "title" in meta and not title:
        add(Problem(block.line_of("title", 2), "title : l'intitulé ne peut pas être vide"))
    criteria = _criteria(meta.get("competences"), block, referential, add) if "competences" in meta else {}
    sections = _sections(lines, end + 1, add)
    documents = tuple(_documents(sections.get("documents", ("", end + 1)), existing_files, add))
    if report.problems:
        return report
    report.case_study = CaseStudy(ident, thematic, title, duration, criteria, sections["sujet"][0].strip(),
                                  documents, sections["guide de correction"][0].strip())
    return report


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _criteria(value, block, referential: Referential, add) -> dict[str, tuple[int, ...]]:
    line = block.line_of("competences", 2)
    nested = block.nested_lines.get("competences", {})
    if not isinstance(value, dict) or not value:
        add(Problem(line, "competences : une liste « C16: all » ou « C16: [0, 2] » des compétences évaluées"))
        return {}
    e3 = {c.code for c in referential.competences_requiring("E3")}
    out = {}
    for code, chosen in value.items():
        where = nested.get(str(code), line)
        if not referential.has_competence(str(code)):
            add(Problem(where, f"compétence inconnue « {code} »"))
            continue
        comp = referential.competence(str(code))
        if comp.code not in e3:
            add(Problem(where, f"{comp.code} n'est pas évaluée par l'étude de cas (E3 : {', '.join(sorted(e3))})"))
            continue
        count = len(comp.criteria.items)
        if chosen == "all":
            out[comp.code] = tuple(range(count))
        elif isinstance(chosen, list) and chosen and all(isinstance(i, int) and 0 <= i < count for i in chosen):
            out[comp.code] = tuple(sorted(set(chosen)))
        else:
            add(Problem(where, f"{comp.code} : « all » ou une liste d'indices de critères de 0 à {count - 1}"))
    return out


def _sections(lines: list[str], start: int, add) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[list[str], int]] = {}
    current = None
    for number, line in enumerate(lines[start:], start=start + 1):
        heading = re.match(r"^#\s+(.+?)\s*$", line)
        if heading:
            name = heading.group(1).strip().lower()
            if name not in SECTIONS:
                add(Problem(number, f"section inconnue « {heading.group(1)} » (permises : Sujet, Documents, "
                                    "Guide de correction)"))
                current = None
            elif name in found:
                add(Problem(number, f"section « {heading.group(1)} » en double"))
                current = None
            else:
                found[name] = ([], number)
                current = name
        elif current is not None:
            found[current][0].append(line)
        elif line.strip():
            add(Problem(number, "texte hors section : commencez par « # Sujet »"))
    for name in REQUIRED_SECTIONS:
        if name not in found:
            add(Problem(len(lines), f"section « # {name.capitalize()} » manquante"))
        elif not "\n".join(found[name][0]).strip():
            add(Problem(found[name][1], f"la section « {name.capitalize()} » est vide"))
    return {name: ("\n".join(body), line) for name, (body, line) in found.items()}


def _documents(section: tuple[str, int], existing: set[str] | None, add):
    body, heading = section
    for offset, line in enumerate(body.split("\n"), start=1):
        if not line.strip():
            continue
        match = LINK.match(line)
        number = heading + offset
        if not match:
            add(Problem(number, "un document par ligne : « - [Intitulé](documents/fichier.pdf) »"))
            continue
        target = match.group("target")
        path = PurePosixPath(target)
        if path.is_absolute() or ".." in path.parts or "://" in target:
            add(Problem(number, f"« {target} » : un chemin relatif au fichier, sans « .. » ni adresse web"))
        elif existing is not None and target not in existing:
            add(Problem(number, f"document introuvable : « {target} »"))
        else:
            yield Document(match.group("label"), target, number)


def content_hash(case: CaseStudy, document_hashes: list[str]) -> str:
    """The SHA-256 of what a case study says and attaches (the SHA-256 of each document, in order):
    what makes a new version on import, whatever the file's layout."""
    canonical = {
        "id": case.id, "thematic": case.thematic, "title": case.title, "duration": case.duration_minutes,
        "criteria": {code: list(indexes) for code, indexes in sorted(case.criteria.items())},
        "subject": case.subject, "guide": case.guide,
        "documents": [[d.label, d.path, sha] for d, sha in zip(case.documents, document_hashes, strict=True)],
    }
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

"""Checks a set of banks together: each bank alone, then what only the whole set can show
(ids unique across banks, one bank per thematic, unique prefixes)."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from quiz.banks.model import Bank
from quiz.banks.parser import BankParser, parse_heading
from quiz.banks.problems import Problem, sort_problems

INTERNAL_ERROR = "erreur interne du vérificateur"
# A bank is a short text (the longest real one is 64 KiB): a longer one is refused before parsing,
# so that checking, on the workshop's live validation too, has a bounded cost.
MAX_BANK_CHARS = 512 * 1024
# Past this many problems in one file the rest is counted, not listed: a pasted garbage text
# would otherwise make an answer of megabytes, on every keystroke of the live validation.
MAX_PROBLEMS_PER_FILE = 200


@dataclass(frozen=True)
class BankSet:
    """The banks that parsed and every problem found; importable only when `problems` is empty."""

    banks: tuple[Bank, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict, repr=False)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _parse_one(filename: str, text: str, referential: Any, assets_dir: Path | None, today: date | None = None):
    parser = BankParser(text, filename, referential, assets_dir, today=today)
    try:
        bank, problems = parser.run()
    except Exception as exc:  # a checker bug must still end as a located message, never a trace
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        message = f"{INTERNAL_ERROR} ({type(exc).__name__} à {where}) — signalez-la avec ce fichier."
        return None, [*parser.ctx.problems, Problem(filename, 1, None, message)], parser
    return bank, problems, parser


def check_banks(
    sources: dict[str, str],
    referential: Any,
    *,
    require_all_thematics: bool,
    assets_dir: Path | None = None,
    today: date | None = None,
) -> BankSet:
    """Check banks given as {filename: text}; with `require_all_thematics`, each thematic of the
    referential must have exactly one bank."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    banks: list[Bank] = []
    ids: dict[str, tuple[str, int]] = {}
    thematics: dict[int, tuple[str, int]] = {}
    prefixes: dict[str, tuple[str, int]] = {}
    for filename in sorted(sources):
        if len(sources[filename]) > MAX_BANK_CHARS:
            problems.append(Problem(filename, 1, None, f"banque trop longue ({len(sources[filename]) // 1024} Kio, au "
                                    f"plus {MAX_BANK_CHARS // 1024} Kio) — scindez-la ou retirez ce qui n'est pas "
                                    "une question."))
            continue
        bank, found, parser = _parse_one(filename, sources[filename], referential, assets_dir, today)
        problems.extend(found)
        warnings.extend(parser.ctx.warnings)
        for qid, line in _headings(parser):
            if qid in ids and ids[qid][0] != filename:
                other, other_line = ids[qid]
                problems.append(Problem(filename, line, qid, f"identifiant déjà utilisé dans {other}:{other_line}."))
            ids.setdefault(qid, (filename, line))
        if bank is None:
            continue
        line = bank.lines.get("thematic", 1)
        if bank.thematic in thematics:
            other, other_line = thematics[bank.thematic]
            problems.append(Problem(filename, line, None, f"thematic {bank.thematic} déjà couverte par "
                                    f"{other}:{other_line} — une seule banque par thématique."))
        thematics.setdefault(bank.thematic, (filename, line))
        line = bank.lines.get("prefix", 1)
        if bank.prefix in prefixes:
            other, other_line = prefixes[bank.prefix]
            problems.append(Problem(filename, line, None, f"prefix « {bank.prefix} » déjà utilisé par "
                                    f"{other}:{other_line} — chaque banque a son préfixe."))
        prefixes.setdefault(bank.prefix, (filename, line))
        banks.append(bank)
    if require_all_thematics and referential is not None:
        for thematic in referential.thematics:
            if thematic.number not in thematics and not any(
                Path(name).name.startswith(f"{thematic.number:02d}-") for name in sources
            ):
                problems.append(Problem(thematic.filename, 1, None, f"aucune banque pour la thématique "
                                        f"{thematic.number} ({thematic.title}) — créez {thematic.filename} avec "
                                        f"« thematic: {thematic.number} »."))
    return BankSet(tuple(banks), _capped(sort_problems(problems)), dict(sources), sort_problems(warnings))


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_FILE problems a file, then one that says how many more there are."""
    kept: list[Problem] = []
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.file] = counts.get(problem.file, 0) + 1
        if counts[problem.file] <= MAX_PROBLEMS_PER_FILE:
            kept.append(problem)
    for file, count in counts.items():
        if count > MAX_PROBLEMS_PER_FILE:
            last = max(p.line for p in kept if p.file == file)
            kept.append(Problem(file, last, None, f"… et {count - MAX_PROBLEMS_PER_FILE} autres problèmes — corrigez "
                                "d'abord ceux-ci, puis vérifiez à nouveau."))
    return sort_problems(kept)


def _headings(parser: BankParser) -> list[tuple[str, int]]:
    found = []
    for index, line in enumerate(parser.lines):
        if line.startswith("## ") and index in parser.section_starts:
            qid, _title, _ok = parse_heading(line)
            if qid:
                found.append((qid, index + 1))
    return found


def bank_files(directory: Path) -> list[Path]:
    """The bank files of a directory: every `*.md` but the README."""
    return sorted(p for p in directory.glob("*.md") if p.is_file() and p.name.lower() != "readme.md")


def read_source(path: Path, name: str) -> tuple[str | None, Problem | None]:
    """A file's text, or a located problem when it is missing or not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(name, 1, None, f"fichier illisible ({exc.strerror or exc}) — vérifiez le chemin.")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(name, line, None, "caractères non UTF-8 — enregistrez le fichier en UTF-8.")


def check_paths(paths: Iterable[str | Path], referential: Any) -> BankSet:
    """Check files, or a directory of banks (then every thematic needs exactly one bank)."""
    paths = [Path(p) for p in paths]
    directories = [p for p in paths if p.is_dir()]
    require_all = bool(paths) and len(directories) == len(paths)
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    assets_dir: Path | None = None
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            assets_dir = path / "assets"
            for file in bank_files(path):
                files.append((file, file.name if len(directories) == 1 else str(file)))
        else:
            files.append((path, str(path)))
            assets_dir = assets_dir or path.parent / "assets"
    for file, name in files:
        text, problem = read_source(file, name)
        if problem:
            problems.append(problem)
        else:
            sources[name] = text or ""
    checked = check_banks(sources, referential, require_all_thematics=require_all, assets_dir=assets_dir)
    return BankSet(checked.banks, sort_problems([*checked.problems, *problems]), checked.sources, checked.warnings)

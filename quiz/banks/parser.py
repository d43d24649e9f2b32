"""Markdown bank text -> Bank model, with every problem found on the way (never an exception).

The parser reads the file line by line, so that each element keeps its line and each problem
says where it is. Only standard Markdown constructs carry meaning: a YAML front matter, `##`
question headings, a fenced `yaml` block, `### Réponses` (task list, numbered list or table)
and `### Explication`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from quiz.banks import calculated as calc
from quiz.banks import lint
from quiz.banks.assets import asset_path
from quiz.banks.model import (
    CASE_TYPE,
    CHOICE_TYPES,
    DATE_KEYS,
    FULL_CREDIT,
    NORMALISATIONS,
    SCORINGS,
    TYPES,
    Bank,
    Case,
    Choice,
    MatchPair,
    NumericAnswer,
    OrderItem,
    Question,
    Tolerance,
    hidden_order_ids,
    letter_id,
)
from quiz.banks.numbers import parse_number
from quiz.banks.problems import Problem, sort_problems, suggestion
from quiz.banks.render import costly_markup, raw_html
from quiz.banks.yamlblock import load_block

QUESTION_KEYS = ("type", "difficulty", "competences", "tags", "shuffle", "scoring", "answer", "tolerance", "unit",
                 "partial", "normalise", "case", "source_id", "variables", "constraints", "decimals", "answer_range",
                 *DATE_KEYS, "waive")
CALCULATED_KEYS = ("variables", "constraints", "decimals", "answer_range")
NUMERIC_TYPES = ("numeric", "calculated")
KEYED_TYPES = ("truefalse", "numeric", "calculated")  # the key is in the metadata, no « ### Réponses »
CASE_KEYS = ("type", "tags", "source_id")
MIN_CASE_QUESTIONS = 2
DEFAULT_KEYS = ("difficulty", "competences", "tags", "shuffle", "scoring", "tolerance", "unit")
HEADER_KEYS = ("thematic", "prefix", "title", "language", "defaults")
LANGUAGES = ("fr", "en")
ANSWERS, EXPLANATION = "Réponses", "Explication"

ID_RE = re.compile(r"^(?P<prefix>[A-Z]{2,6})-(?P<number>\d{3,})$")
PREFIX_RE = re.compile(r"^[A-Z]{2,6}$")
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*#*[ \t]*$")
FENCE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)")
TASK_RE = re.compile(r"^[-*+][ \t]+\[(?P<mark>[^\]]{0,12})\](?P<text>.*)$")
WEIGHT_RE = re.compile(r"^\s*(?P<value>[-\u2212]?\d{1,3}(?:[.,]\d{1,5})?)\s*%\s*$")
BULLET_RE = re.compile(r"^[-*+][ \t]+\S")
ORDERED_RE = re.compile(r"^(?P<number>\d{1,9})[.)](?:[ \t]+(?P<text>.*))?$")
TABLE_DELIM_RE = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
HTML_RE = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)(?:\s+\"[^\"]*\")?\s*\)")
IMAGE_REF_RE = re.compile(r"!\[[^\]]*\]\[[^\]]*\]")
CODE_SPAN_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
MIDDLE_DOT = "·"
# Ordering and matching need three elements: with two, the order shown is the key or its reverse.
# (A section whose lines were refused already is not told it is short: its author meant more.)
MIN_ARRANGED = 3


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n > 1 else ''}"


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: CRLF, CR and LF all end a line; a BOM is dropped."""
    text = text.removeprefix("\ufeff")
    return re.split(r"\r\n|\r|\n", text)


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _block(lines: list[str]) -> str:
    """Joined lines without the blank lines around them."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(line.rstrip() for line in lines[start:end])


def _first_content_line(lines: list[tuple[int, str]], default: int) -> int:
    return next((n for n, text in lines if text.strip()), default)


def _fmt_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)


@dataclass
class Context:
    """What a question's checks need from its bank and the referential."""

    filename: str
    prefix: str | None = None
    thematic: int | None = None
    referential: Any = None
    assets_dir: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    def report(self, line: int, qid: str | None, message: str) -> None:
        self.problems.append(Problem(self.filename, max(1, line), qid, message))

    def warn(self, line: int, qid: str | None, message: str) -> None:
        self.warnings.append(Problem(self.filename, max(1, line), qid, message, severity="warning"))


class MetaChecker:
    """Checks and normalises metadata values, shared by the front matter defaults and questions."""

    INVALID = object()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def unknown_key(self, key: str, allowed: tuple[str, ...], line: int, qid: str | None, where: str) -> None:
        hint = suggestion(key, allowed)
        if hint:
            self.ctx.report(line, qid, f"clé « {key} » inconnue — vouliez-vous dire « {hint} » ?")
        else:
            self.ctx.report(line, qid, f"clé « {key} » inconnue {where} — clés permises : {_fmt_list(allowed)}.")

    def value(self, key: str, value: Any, line: int, qid: str | None) -> Any:
        """The normalised value of a key other than type/answer, or INVALID after reporting."""
        report = self.ctx.report
        if key == "difficulty":
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3:
                return value
            report(line, qid, f"difficulty « {value} » invalide — 1 (facile), 2 (moyen) ou 3 (difficile).")
        elif key in ("competences", "tags"):
            if isinstance(value, str):
                report(line, qid, f"{key} : liste attendue — écrivez {key}: [{value}].")
            elif not isinstance(value, list):
                report(line, qid, f"{key} : liste attendue — par exemple {key}: [" +
                       ("C15" if key == "competences" else "bfr, ratios") + "].")
            elif key == "tags":
                return self.tags(value, line, qid)
            else:
                return self.competences(value, line, qid)
        elif key == "shuffle":
            if isinstance(value, bool):
                return value
            report(line, qid, f"shuffle « {value} » invalide — true (mélanger les réponses) ou false.")
        elif key == "scoring":
            if value in SCORINGS:
                return value
            hint = suggestion(str(value), SCORINGS)
            tail = f"vouliez-vous dire « {hint} » ?" if hint else "valeurs permises : all-or-nothing, partial."
            report(line, qid, f"scoring « {value} » inconnu — {tail}")
        elif key == "tolerance":
            return self.tolerance(value, line, qid)
        elif key == "unit":
            if isinstance(value, str) and value.strip():
                return value.strip()
            report(line, qid, f"unit « {value} » invalide — texte attendu, entre guillemets : unit: \"k€\".")
        return self.INVALID

    def tags(self, value: list, line: int, qid: str | None) -> Any:
        tags: list[str] = []
        for tag in value:
            if not isinstance(tag, str) or not tag.strip():
                self.ctx.report(line, qid, f"étiquette « {tag} » invalide — texte attendu, par exemple tags: [bfr].")
                return self.INVALID
            if tag.strip() not in tags:
                tags.append(tag.strip())
        return tuple(tags)

    def competences(self, value: list, line: int, qid: str | None) -> Any:
        ref, thematic = self.ctx.referential, self.ctx.thematic
        codes: list[str] = []
        ok = True
        allowed: tuple[str, ...] = ()
        label = ""
        if ref is not None and thematic is not None and any(t.number == thematic for t in ref.thematics):
            them = ref.thematic(thematic)
            allowed, label = them.competences, f"la thématique {thematic} ({them.title})"
        for raw in value:
            if not isinstance(raw, str) or not raw.strip():
                self.ctx.report(line, qid, f"compétence « {raw} » invalide — code attendu, par exemple C15.")
                ok = False
                continue
            code = raw.strip().upper()
            if ref is not None:
                if not ref.has_competence(code):
                    hint = f" — compétences de {label} : {_fmt_list(allowed)}." if allowed else "."
                    self.ctx.report(line, qid, f"compétence « {raw} » inconnue du référentiel{hint}")
                    ok = False
                    continue
                code = ref.competence(code).code
                if allowed and code not in allowed:
                    self.ctx.report(
                        line, qid,
                        f"compétence « {raw} » non évaluée par {label} — compétences possibles : {_fmt_list(allowed)}.",
                    )
                    ok = False
                    continue
            if code in codes:
                self.ctx.report(line, qid, f"compétence « {raw} » en double — citez-la une seule fois.")
                ok = False
                continue
            codes.append(code)
        return tuple(codes) if ok else self.INVALID

    def tolerance(self, value: Any, line: int, qid: str | None) -> Any:
        number = None
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            number = Decimal(value)
            if number.is_finite() and number >= 0:
                return Tolerance(number)
        elif isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", value)
            if match:
                return Tolerance(Decimal(match[1]), relative=True)
            if re.fullmatch(r"\s*\d+,\d+\s*%?\s*", value):
                fixed = value.strip().replace(",", ".")
                self.ctx.report(line, qid, f"tolérance « {value} » : écrivez le nombre avec un point — « {fixed} ».")
                return self.INVALID
        if number is not None and number.is_finite() and number < 0:
            self.ctx.report(line, qid, f"tolérance « {value} » négative — donnez un écart positif, ou 0 pour une "
                            "valeur exacte.")
        else:
            self.ctx.report(
                line, qid,
                f"tolérance « {value} » invalide — un nombre (écart absolu, ex. 0.5) ou \"N%\" (relatif, ex. \"1%\").",
            )
        return self.INVALID


class BankParser:
    def __init__(self, text: str, filename: str, referential: Any = None, assets_dir: Path | None = None,
                 today: date | None = None) -> None:
        self.lines = split_lines(text)
        self.ctx = Context(filename=filename, referential=referential, assets_dir=assets_dir,
                           today=today or date.today())
        self.meta = MetaChecker(self.ctx)
        self.section_starts: set[int] = set()

    def report(self, line: int, qid: str | None, message: str) -> None:
        self.ctx.report(line, qid, message)

    def run(self) -> tuple[Bank | None, list[Problem]]:
        header, header_lines, body_start = self.front_matter()
        defaults = self.defaults(header, header_lines) if header is not None else {}
        heading, intro, sections = self.split_body(body_start)
        self.section_starts = {start for start, _ in sections}
        questions: list[Question] = []
        self.cases: dict[str, Case | None] = {}
        self.open_case: tuple[str, int, int] | None = None  # (case id, its line, questions so far)
        for start, end in sections:
            before = len(self.ctx.problems)
            question = QuestionParser(self, start, end, defaults).parse()
            if isinstance(question, Question) and len(self.ctx.problems) == before:
                questions.append(question)
        self.close_case()
        self.duplicate_ids(sections)
        bank = None
        if header is not None and not sections:
            self.report(body_start + 1, None,
                        "la banque ne contient aucune question — ajoutez une section « ## ID · Titre ».")
        if header is not None:
            bank = Bank(
                filename=self.ctx.filename,
                thematic=header["thematic"],
                prefix=header["prefix"],
                title=header["title"],
                language=header.get("language", "fr"),
                defaults=defaults,
                heading=heading,
                intro=intro,
                questions=tuple(questions),
                line=1,
                lines=header_lines,
            )
        return bank, sort_problems(self.ctx.problems)

    # -- front matter -------------------------------------------------------------------------
    def front_matter(self) -> tuple[dict | None, dict[str, int], int]:
        """The validated header (or None), its key lines, and the index where the body starts."""
        lines = self.lines
        if not lines or lines[0].strip() != "---":
            self.report(1, None, "en-tête YAML manquant — la banque doit commencer par « --- », puis "
                        "thematic, prefix et title, puis « --- ».")
            return None, {}, 0
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            self.report(1, None, "en-tête YAML non fermé — ajoutez une ligne « --- » après title.")
            first_heading = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
            return None, {}, first_heading
        block = load_block("\n".join(lines[1:end]), 2)
        if block.error:
            line, message = block.error
            self.report(min(line, end + 1), None, f"YAML invalide dans l'en-tête : {message}.")
            return None, {}, end + 1
        data = block.data
        if not isinstance(data, dict):
            self.report(2, None, "en-tête invalide — attendu des lignes « clé: valeur » (thematic, prefix, title).")
            return None, {}, end + 1
        header: dict[str, Any] = {}
        ok = True
        for key, line in block.key_lines.items():
            if key not in HEADER_KEYS:
                self.meta.unknown_key(key, HEADER_KEYS, line, None, "dans l'en-tête")
        for key in ("thematic", "prefix", "title"):
            if key not in data:
                self.report(1, None, f"clé « {key} » manquante dans l'en-tête — "
                            + {"thematic": "thematic: 1 à 12, comme dans le référentiel.",
                               "prefix": "prefix: les lettres des identifiants, par exemple AF.",
                               "title": "title: le titre de la thématique."}[key])
                ok = False
        thematic = data.get("thematic")
        if "thematic" in data:
            line = block.line_of("thematic", 2)
            ref = self.ctx.referential
            if not isinstance(thematic, int) or isinstance(thematic, bool):
                self.report(line, None, f"thematic « {thematic} » invalide — un numéro de 1 à 12.")
                ok = False
            elif ref is not None and not any(t.number == thematic for t in ref.thematics):
                numbers = [t.number for t in ref.thematics]
                self.report(line, None, f"thematic {thematic} inconnue du référentiel — "
                            f"un numéro de {min(numbers)} à {max(numbers)}.")
                ok = False
            elif ref is None and thematic < 1:
                self.report(line, None, f"thematic « {thematic} » invalide — un numéro de 1 à 12.")
                ok = False
            else:
                header["thematic"] = thematic
                self.ctx.thematic = thematic
                self.filename_matches(thematic, line)
        prefix = data.get("prefix")
        if "prefix" in data:
            line = block.line_of("prefix", 2)
            if not isinstance(prefix, str) or not PREFIX_RE.match(prefix):
                self.report(line, None, f"prefix « {prefix} » invalide — 2 à 6 lettres majuscules, par exemple AF.")
                ok = False
            else:
                header["prefix"] = prefix
                self.ctx.prefix = prefix
                ref = self.ctx.referential
                if ref is not None and "thematic" in header:
                    expected = ref.thematic(header["thematic"]).prefix
                    if prefix != expected:
                        self.report(line, None, f"prefix « {prefix} » différent de celui du référentiel pour la "
                                    f"thématique {header['thematic']} — écrivez prefix: {expected}.")
                        ok = False
        if "title" in data:
            title = data["title"]
            if not isinstance(title, str) or not title.strip():
                self.report(block.line_of("title", 2), None, "title vide — donnez le titre de la thématique.")
                ok = False
            else:
                header["title"] = title.strip()
        if "language" in data:
            language = data["language"]
            if language not in LANGUAGES:
                self.report(block.line_of("language", 2), None,
                            f"language « {language} » invalide — fr ou en.")
                ok = False
            else:
                header["language"] = language
        self.header_block = block
        lines_of = dict(block.key_lines)
        return (header if ok else None), lines_of, end + 1

    def filename_matches(self, thematic: int, line: int) -> None:
        name = Path(self.ctx.filename).name
        match = re.match(r"^(\d+)-", name)
        if match and int(match[1]) != thematic:
            self.report(line, None, f"thematic: {thematic} ne correspond pas au nom du fichier « {name} » — "
                        f"renommez le fichier ({thematic:02d}-…) ou corrigez le numéro.")

    def defaults(self, header: dict, header_lines: dict[str, int]) -> dict[str, Any]:
        block = self.header_block
        data = block.data if isinstance(block.data, dict) else {}
        if "defaults" not in data:
            return {}
        raw = data["defaults"]
        line = header_lines.get("defaults", 2)
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.report(line, None, "defaults : attendu des lignes « clé: valeur » indentées sous defaults:.")
            return {}
        nested = block.nested_lines.get("defaults", {})
        values: dict[str, Any] = {}
        for key, value in raw.items():
            key_line = nested.get(str(key), line)
            if key not in DEFAULT_KEYS:
                if key in ("type", "answer"):
                    self.report(key_line, None, f"clé « {key} » interdite dans defaults — elle se donne question "
                                "par question.")
                else:
                    self.meta.unknown_key(str(key), DEFAULT_KEYS, key_line, None, "dans defaults")
                continue
            checked = self.meta.value(key, value, key_line, None)
            if checked is not MetaChecker.INVALID:
                values[key] = checked
        return values

    # -- body ---------------------------------------------------------------------------------
    def split_body(self, start: int) -> tuple[str | None, str, list[tuple[int, int]]]:
        """The `#` heading, the introduction, and (start, end) line indexes of each question."""
        heading: str | None = None
        intro: list[str] = []
        sections: list[tuple[int, int]] = []
        fence: str | None = None
        for index in range(start, len(self.lines)):
            line = self.lines[index]
            fence, was_fenced = _track_fence(fence, line)
            if was_fenced:
                if not sections:
                    intro.append(line)
                continue
            match = HEADING_RE.match(line)
            if match and len(match["hashes"]) == 2:
                if sections:
                    sections[-1] = (sections[-1][0], index)
                sections.append((index, len(self.lines)))
                continue
            if sections:
                continue
            if match and len(match["hashes"]) == 1 and heading is None:
                heading = (match["text"] or "").strip()
            else:
                intro.append(line)
        return heading, _block(intro), sections

    # -- case contexts ------------------------------------------------------------------------
    def open_new_case(self, qid: str | None, line: int, case: Case | None) -> None:
        self.close_case()
        if qid:
            self.cases[qid] = case
            self.open_case = (qid, line, 0)

    def close_case(self) -> None:
        if self.open_case is not None and self.open_case[2] < MIN_CASE_QUESTIONS:
            cid, line, count = self.open_case
            self.report(line, cid, f"cas « {cid} » suivi de {count} question — un cas introduit au moins "
                        f"{MIN_CASE_QUESTIONS} questions, placées juste après lui avec « case: {cid} ».")
        self.open_case = None

    def case_member(self, qid: str | None, case_id: Any, line: int) -> tuple[bool, Case | None, int]:
        """(valid, the case, position in it) for a question that names `case_id` (or None: it ends
        any open case)."""
        if case_id is None:
            self.close_case()
            return True, None, 0
        if not isinstance(case_id, str) or case_id not in self.cases:
            self.report(line, qid, f"case « {case_id} » inconnu — nommez l'identifiant d'un cas (type: case) "
                        "placé juste avant ses questions.")
            return False, None, 0
        if self.open_case is None or self.open_case[0] != case_id:
            self.report(line, qid, f"question du cas « {case_id} » séparée de lui — placez les questions d'un cas "
                        "juste après lui, sans autre question entre elles.")
            return False, None, 0
        cid, case_line, count = self.open_case
        self.open_case = (cid, case_line, count + 1)
        return True, self.cases[case_id], count + 1

    def duplicate_ids(self, sections: list[tuple[int, int]]) -> None:
        seen: dict[str, int] = {}
        for start, _ in sections:
            qid, _title, _ok = parse_heading(self.lines[start])
            if not qid:
                continue
            if qid in seen:
                self.report(start + 1, qid, f"identifiant déjà utilisé dans {self.ctx.filename}:{seen[qid]}.")
            else:
                seen[qid] = start + 1


def _track_fence(fence: str | None, line: str) -> tuple[str | None, bool]:
    """(new fence state, whether this line is inside or delimits a fenced block)."""
    match = FENCE_RE.match(line)
    if fence is None:
        if match:
            return match["fence"], True
        return None, False
    if match and match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence) and not match["info"]:
        return None, True
    return fence, True


def parse_heading(line: str) -> tuple[str | None, str, bool]:
    """(id, title, well formed) of a `## ID · Title` line."""
    text = line[2:].strip().rstrip("#").strip()
    if MIDDLE_DOT in text:
        qid, _, title = text.partition(MIDDLE_DOT)
        return qid.strip() or None, title.strip(), True
    match = re.match(r"^[A-Za-z]{1,10}-\d+", text) or re.match(r"^[^\s:]+", text)
    if not match:
        return None, "", False
    return match[0], text[match.end():].strip().lstrip("-–—:|").strip(), False


class QuestionParser:
    def __init__(self, bank: BankParser, start: int, end: int, defaults: dict[str, Any]) -> None:
        self.bank = bank
        self.ctx = bank.ctx
        self.lines = bank.lines
        self.start, self.end = start, end
        self.defaults = defaults
        self.qid: str | None = None
        self.line = start + 1

    def report(self, line: int, message: str) -> None:
        self.ctx.report(line, self.qid, message)

    def parse(self) -> Question | Case | None:
        qid, title, well_formed = parse_heading(self.lines[self.start])
        self.qid = qid
        if qid is None:
            self.report(self.line, "titre de question sans identifiant — écrivez « ## "
                        f"{self.ctx.prefix or 'AF'}-001 · Titre ».")
        else:
            match = ID_RE.match(qid)
            if not match:
                self.report(self.line, f"identifiant « {qid} » invalide — format PRÉFIXE-NNN, par exemple "
                            f"{self.ctx.prefix or 'AF'}-001.")
            elif self.ctx.prefix and match["prefix"] != self.ctx.prefix:
                self.report(self.line, f"l'identifiant doit commencer par le préfixe de la banque « "
                            f"{self.ctx.prefix}- » — par exemple {self.ctx.prefix}-{match['number']}.")
            if not well_formed:
                self.report(self.line, f"séparateur « · » attendu entre l'identifiant et le titre — écrivez "
                            f"« ## {qid} · {title or 'Titre'} ».")
            elif not title:
                self.report(self.line, "titre manquant après « · » — donnez un titre court (pour les formateurs "
                            "et les exports).")

        cursor = self.start + 1
        while cursor < self.end and not self.lines[cursor].strip():
            cursor += 1
        meta: dict[str, Any] = {}
        meta_line = cursor + 1
        fence = FENCE_RE.match(self.lines[cursor]) if cursor < self.end else None
        key_lines: dict[str, int] = {}
        meta_ok = False
        if fence and fence["info"].lower() in ("yaml", "yml"):
            close = next((i for i in range(cursor + 1, self.end)
                          if (m := FENCE_RE.match(self.lines[i])) and m["fence"][0] == fence["fence"][0]
                          and len(m["fence"]) >= len(fence["fence"]) and not m["info"]), None)
            if close is None:
                self.report(meta_line, "bloc ```yaml non fermé — ajoutez une ligne ``` après les métadonnées.")
                return None
            block = load_block("\n".join(self.lines[cursor + 1: close]), cursor + 2)
            if block.error:
                line, message = block.error
                self.report(min(line, close + 1), f"YAML invalide dans les métadonnées : {message}.")
            elif block.data is None:
                self.report(meta_line, "bloc ```yaml vide — il faut au moins « type: … ».")
            elif not isinstance(block.data, dict):
                self.report(meta_line, "métadonnées invalides — attendu des lignes « clé: valeur ».")
            else:
                meta, key_lines, meta_ok = block.data, block.key_lines, True
            cursor = close + 1
        elif fence:
            self.report(meta_line, f"bloc de métadonnées annoncé « {fence['info'] or '(rien)'} » — écrivez "
                        "```yaml juste après le titre.")
            return None
        else:
            self.report(self.line, "bloc ```yaml de métadonnées manquant juste après le titre — il donne au "
                        "moins « type: … ».")

        body = [(i + 1, self.lines[i]) for i in range(cursor, self.end)]
        if meta_ok and meta.get("type") == CASE_TYPE:
            return self.case(qid, title, meta, key_lines, meta_line, body)
        values, meta_ok = self.check_meta(meta, key_lines, meta_line) if meta_ok else (None, False)
        in_case, case, case_position = self.bank.case_member(self.qid, meta.get("case") if meta_ok else None,
                                              key_lines.get("case", meta_line))
        meta_ok = meta_ok and in_case
        stem, answers, explanation = self.split_sections(body)
        self.check_content(body)
        kind = values.get("type") if values else None

        stem_text = _block([t for _, t in stem[1]])
        if not stem_text:
            self.report(stem[0], "énoncé vide — écrivez la question entre le bloc yaml et « ### Réponses ».")
        if explanation is None:
            self.report(self.line, "section « ### Explication » manquante — elle est obligatoire : c'est ce que le "
                        "candidat apprend de la question.")
            explanation_text = ""
        else:
            explanation_text = _block([t for _, t in explanation[1]])
            if not explanation_text:
                self.report(explanation[0], "explication vide — expliquez la bonne réponse sous « ### Explication ».")

        if kind is None:
            return None
        fields: dict[str, Any] = {}
        if kind in KEYED_TYPES:
            if answers is not None:
                self.report(answers[0], f"section « ### Réponses » inattendue pour une question « {kind} » — la "
                            "réponse se donne dans les métadonnées (answer).")
        elif answers is None:
            self.report(self.line, f"section « ### Réponses » manquante — une question « {kind} » donne ses "
                        "réponses sous ce titre.")
        elif kind in CHOICE_TYPES or kind == "short":
            fields["choices"] = self.choices(kind, answers)
            if kind == "multiple" and "scoring" in meta and any(c.weight is not None for c in fields["choices"]):
                self.report(key_lines.get("scoring", meta_line), "clé « scoring » sans effet quand les réponses ont "
                            "un poids — le crédit est la somme des poids cochés ; retirez-la.")
        elif kind == "ordering":
            fields["items"] = self.ordering(answers)
        else:
            fields["columns"], fields["pairs"] = self.matching(answers)
        if not qid or not stem_text or not explanation_text or not meta_ok:
            return None
        if kind == "calculated" and not self.calculated(values, key_lines, meta_line, stem, explanation, case):
            return None
        question = Question(
            id=qid,
            title=title,
            type=kind,
            stem=stem_text,
            explanation=explanation_text,
            difficulty=values.get("difficulty", 2),
            competences=values.get("competences", ()),
            tags=values.get("tags", ()),
            shuffle=values.get("shuffle", True) if kind in CHOICE_TYPES else True,
            scoring=self.scoring(kind, values, meta),
            answer=values.get("answer"),
            tolerance=values.get("tolerance") if kind in NUMERIC_TYPES else None,
            unit=values.get("unit") if kind in NUMERIC_TYPES else None,
            partial=values.get("partial", ()) if kind == "numeric" else (),
            normalise=values.get("normalise", ("case", "spaces")),
            case=case,
            case_position=case_position if case else 0,
            source_id=values.get("source_id"),
            variables=values.get("variables", ()),
            constraints=values.get("constraints", ()),
            formula=values.get("formula") if kind == "calculated" else None,
            decimals=values.get("decimals", 2),
            answer_range=values.get("answer_range"),
            law_as_of=values.get("law_as_of"),
            valid_until=values.get("valid_until"),
            review_by=values.get("review_by"),
            waive=values.get("waive", ()),
            line=self.line,
            lines={"meta": meta_line, "stem": stem[0],
                   "answers": answers[0] if answers else 0, "explanation": explanation[0] if explanation else 0},
            **fields,
        )
        for rule, message in lint.check(question):
            if rule not in dict(question.waive):
                self.ctx.warn(self.line, qid, f"[{rule}] {message}")
        return question

    def calculated(self, values: dict, key_lines: dict, meta_line: int, stem, explanation, case) -> bool:
        """The whole grid checked: expressions, constraints, placeholders, every key (True when valid)."""
        variables: tuple[calc.Variable, ...] = values.get("variables", ())
        names = frozenset(v.name for v in variables)
        var_line = key_lines.get("variables", meta_line)
        answer_line = key_lines.get("answer", meta_line)
        constraint_line = key_lines.get("constraints", meta_line)
        before = len(self.ctx.problems)
        size = 1
        for variable in variables:
            size *= variable.count
        if size > calc.MAX_GRID:
            self.report(var_line, f"grille de {size:,} instances (au plus {calc.MAX_GRID:,}) — agrandissez les pas "
                        "ou resserrez les bornes pour que chaque instance puisse être vérifiée.".replace(",", "\u202f"))
            return False
        formula = self.expression(values["formula"], names, False, answer_line, "answer")
        tests = [self.expression(c, names, True, constraint_line, "contrainte") for c in values.get("constraints", ())]
        texts = []
        for section in (stem, explanation):
            for number, text in section[1]:
                for found in calc.placeholders(text):
                    if isinstance(found, str):
                        self.report(number, f"accolade « {found} » seule — écrivez {{{{ ou }}}} pour une accolade, "
                                    "{nom} pour une variable, {=expression} pour un calcul.")
                    elif found.name is not None:
                        if found.name not in names:
                            hint = suggestion(found.name, names)
                            tail = f"vouliez-vous dire « {{{hint}}} » ?" if hint else \
                                f"variables : {_fmt_list(sorted(names))}."
                            self.report(number, f"variable « {found.text} » inconnue — {tail}")
                    else:
                        texts.append((number, self.expression(found.expression or "", names | {calc.KEY_NAME},
                                                              False, number, "expression")))
        if case is not None and any(isinstance(p, calc.Placeholder) for p in calc.placeholders(case.text)):
            self.report(case.line, "le texte d'un cas n'a pas de {variable} — les chiffres tirés vont dans l'énoncé "
                        "de la question calculée.")
        if len(self.ctx.problems) > before or formula is None or None in tests:
            return False
        tolerance: Tolerance = values["tolerance"]
        decimals = values.get("decimals", 2)
        answer_range = values.get("answer_range")
        valid = 0
        share = Fraction(tolerance.value) / 100 if tolerance.relative else None

        def at(env: dict) -> str:
            return ", ".join(f"{k} = {calc.french_number(v, 10, trim=True)}" for k, v in env.items())

        for env in calc.Spec(variables, (), values["formula"], decimals).grid():
            try:
                if not all(test(env) for test in tests):
                    continue
            except calc.ExprError as exc:
                self.report(constraint_line, f"contrainte impossible à évaluer pour {at(env)} : {exc}.")
                return False
            valid += 1
            try:
                key = formula(env)
            except calc.ExprError as exc:
                self.report(answer_line, f"answer impossible à calculer pour {at(env)} : {exc} — ajoutez une "
                            "contrainte qui écarte ce cas ou changez les bornes.")
                return False
            values_env = env | {calc.KEY_NAME: key}
            for number, expression in texts:
                try:
                    expression(values_env)
                except calc.ExprError as exc:
                    self.report(number, f"« {{={expression.text}}} » impossible à calculer pour {at(env)} : {exc}.")
                    return False
            if answer_range is not None and not Fraction(answer_range[0]) <= key <= Fraction(answer_range[1]):
                self.report(key_lines.get("answer_range", meta_line), f"réponse {calc.french_number(key, decimals)} "
                            f"hors de answer_range pour {at(env)} — resserrez les variables ou ajoutez une contrainte.")
                return False
            shown = calc.round_half_up(key, decimals)
            margin = abs(key) * share if share is not None else Fraction(tolerance.value)
            if abs(shown - key) > margin:
                self.report(key_lines.get("tolerance", meta_line), f"la réponse affichée "
                            f"{calc.french_number(key, decimals)} serait refusée pour {at(env)} (réponse exacte "
                            f"{calc.french_number(key, 10, trim=True)}) — une tolérance d'au moins la moitié de la "
                            f"dernière décimale affichée ({decimals} décimale(s)) est attendue.")
                return False
        if not valid:
            self.report(constraint_line, "aucune instance ne satisfait les contraintes — relâchez-les ou changez les "
                        "bornes des variables.")
            return False
        return True

    def expression(self, text: str, names: frozenset[str], condition: bool, line: int, what: str):
        try:
            return calc.compile_expression(text, names, condition)
        except calc.ExprError as exc:
            self.report(line, f"{what} « {text} » refusée : {exc}.")
            return None

    # -- metadata -----------------------------------------------------------------------------
    def check_meta(self, meta: dict, key_lines: dict[str, int], meta_line: int) -> tuple[dict[str, Any] | None, bool]:
        """(values, all valid): values is None only when the type itself is unusable."""
        checker = self.bank.meta
        ok = True
        for key in meta:
            if key not in QUESTION_KEYS:
                checker.unknown_key(str(key), QUESTION_KEYS, key_lines.get(str(key), meta_line), self.qid,
                                    "dans les métadonnées")
                ok = False
        kind = meta.get("type")
        type_line = key_lines.get("type", meta_line)
        if "type" not in meta:
            self.report(meta_line, "clé « type » manquante — le type n'est jamais deviné : "
                        f"{_fmt_list(TYPES)}.")
            self.check_common(meta, key_lines, meta_line)
            return None, False
        if kind not in TYPES:
            hint = suggestion(str(kind), TYPES)
            tail = f"vouliez-vous dire « {hint} » ?" if hint else f"types permis : {_fmt_list(TYPES)}."
            self.report(type_line, f"type « {kind} » inconnu — {tail}")
            self.check_common(meta, key_lines, meta_line)
            return None, False
        values: dict[str, Any] = {"type": kind}
        for key, value in self.defaults.items():
            values[key] = value
        for key, value in meta.items():
            if key in ("type", "answer") or key not in QUESTION_KEYS:
                continue
            line = key_lines.get(str(key), meta_line)
            if key in ("shuffle",) and kind not in CHOICE_TYPES:
                self.report(line, f"clé « shuffle » sans effet pour une question « {kind} » — retirez-la "
                            "(ordering et matching sont toujours mélangés).")
                ok = False
                continue
            if key == "scoring" and kind not in ("multiple", "matching"):
                self.report(line, "clé « scoring » réservée aux questions « multiple » et « matching » — retirez-la.")
                ok = False
                continue
            if key in ("tolerance", "unit") and kind not in NUMERIC_TYPES:
                self.report(line, f"clé « {key} » réservée aux questions « numeric » et « calculated » — retirez-la.")
                ok = False
                continue
            if key == "partial" and kind != "numeric":
                self.report(line, f"clé « {key} » réservée aux questions « numeric » — retirez-la.")
                ok = False
                continue
            if key in CALCULATED_KEYS and kind != "calculated":
                self.report(line, f"clé « {key} » réservée aux questions « calculated » — retirez-la.")
                ok = False
                continue
            if key == "normalise" and kind != "short":
                self.report(line, "clé « normalise » réservée aux questions « short » — retirez-la.")
                ok = False
                continue
            if key in ("partial", "normalise", "source_id", "case", *CALCULATED_KEYS, *DATE_KEYS, "waive"):
                checked = self.extra_value(key, value, line)
            else:
                checked = checker.value(key, value, line, self.qid)
            if checked is MetaChecker.INVALID:
                ok = False
            else:
                values[key] = checked
        answer_line = key_lines.get("answer", type_line)
        if kind in KEYED_TYPES and "answer" not in meta:
            example = {"truefalse": "answer: true", "numeric": "answer: 42.5",
                       "calculated": 'answer: "clients / ca * 360"'}[kind]
            self.report(meta_line, f"clé « answer » manquante — une question « {kind} » donne sa réponse dans les "
                        f"métadonnées ({example}).")
            ok = False
        elif kind not in KEYED_TYPES and "answer" in meta:
            self.report(answer_line, f"clé « answer » inattendue pour une question « {kind} » — cochez les "
                        "réponses sous « ### Réponses ».")
            ok = False
        elif kind == "truefalse":
            if isinstance(meta["answer"], bool):
                values["answer"] = meta["answer"]
            else:
                self.report(answer_line, f"answer « {meta['answer']} » invalide — true ou false.")
                ok = False
        elif kind == "numeric":
            ok = self.numeric(meta, values, answer_line, key_lines, meta_line) and ok
        elif kind == "calculated":
            ok = self.calculated_meta(meta, values, answer_line, meta_line) and ok
        return values, ok

    def calculated_meta(self, meta: dict, values: dict, answer_line: int, meta_line: int) -> bool:
        """The formula is a quoted expression; variables are required (checked with the grid later)."""
        ok = True
        raw = meta["answer"]
        if isinstance(raw, str) and raw.strip():
            values["formula"] = raw.strip()
        elif isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
            values["formula"] = str(raw)
        else:
            self.report(answer_line, f"answer « {raw} » invalide — une expression entre guillemets, par exemple "
                        'answer: "clients / (ca * 1.2) * 360".')
            ok = False
        if "variables" not in meta:
            self.report(meta_line, "clé « variables » manquante — une question « calculated » nomme ses variables : "
                        "variables: {ca: {min: 1200, max: 3600, step: 120}}.")
            ok = False
        misspelt = any(suggestion(str(k), QUESTION_KEYS) == "tolerance" for k in meta if k not in QUESTION_KEYS)
        if "tolerance" not in meta and "tolerance" not in self.defaults and not misspelt:
            self.report(meta_line, "clé « tolerance » manquante — tolerance: 0 pour une valeur exacte, 0.5 "
                        "(écart absolu) ou \"1%\" (relatif).")
            ok = False
        return ok and not misspelt

    @staticmethod
    def scoring(kind: str, values: dict, meta: dict) -> str:
        """A matching question is partial only when it says so (the bank's default is for multiple)."""
        if kind == "multiple" or (kind == "matching" and "scoring" in meta):
            return values.get("scoring", "all-or-nothing")
        return "all-or-nothing"

    def extra_value(self, key: str, value: Any, line: int) -> Any:
        """`partial`, `normalise`, `source_id` and `case` (the latter checked by the bank)."""
        if key == "case":
            return value
        if key in DATE_KEYS:
            return self.date_value(key, value, line)
        if key == "waive":
            return self.waive_value(value, line)
        if key == "variables":
            return self.variables(value, line)
        if key == "constraints":
            if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
                self.report(line, 'constraints : liste de conditions entre guillemets attendue — par exemple '
                            'constraints: ["clients < ca"].')
                return MetaChecker.INVALID
            return tuple(c.strip() for c in value)
        if key == "decimals":
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= calc.MAX_DECIMALS:
                return value
            self.report(line, f"decimals « {value} » invalide — un entier de 0 à {calc.MAX_DECIMALS} (décimales "
                        "de la réponse affichée).")
            return MetaChecker.INVALID
        if key == "answer_range":
            numbers = value if isinstance(value, list) and len(value) == 2 else None
            if numbers and all(isinstance(x, (int, Decimal)) and not isinstance(x, bool) for x in numbers) \
                    and Decimal(numbers[0]) <= Decimal(numbers[1]):
                return Decimal(numbers[0]), Decimal(numbers[1])
            self.report(line, f"answer_range « {value} » invalide — deux nombres, le plus petit d'abord : "
                        "answer_range: [10, 120].")
            return MetaChecker.INVALID
        if key == "source_id":
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
            self.report(line, f"source_id « {value} » invalide — l'identifiant d'origine, entre guillemets.")
            return MetaChecker.INVALID
        if key == "normalise":
            if not isinstance(value, list) or any(v not in NORMALISATIONS for v in value):
                self.report(line, f"normalise « {value} » invalide — une liste parmi {_fmt_list(NORMALISATIONS)}, "
                            "par exemple normalise: [case, accents] (ou [] pour une comparaison exacte).")
                return MetaChecker.INVALID
            return tuple(v for v in NORMALISATIONS if v in value)
        return self.partial(value, line)

    def date_value(self, key: str, value: Any, line: int) -> Any:
        text = str(value).strip() if isinstance(value, (str, date)) else ""
        try:
            day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
        except ValueError:
            day = None
        if day is None:
            self.report(line, f"{key} « {value} » invalide — une date AAAA-MM-JJ, par exemple {key}: 2026-01-01.")
            return MetaChecker.INVALID
        today = self.ctx.today
        if key == "review_by" and day < today:
            self.ctx.warn(line, self.qid, f"review_by {text} dépassée — relisez la question (la règle a-t-elle "
                          "changé ?), puis reportez la date.")
        if key == "valid_until" and day < today:
            self.ctx.warn(line, self.qid, f"valid_until {text} dépassée — la réponse attendue n'est plus juste : "
                          "mettez la question à jour (elle n'est plus tirée).")
        return day.isoformat()

    def waive_value(self, value: Any, line: int) -> Any:
        if not isinstance(value, dict) or not value:
            self.report(line, 'waive : attendu des lignes « règle: \"raison\" », par exemple '
                        'waive: {key-longest: "la réponse juste cite les deux conditions"}.')
            return MetaChecker.INVALID
        ok = True
        for rule, reason in value.items():
            if rule not in lint.RULES:
                hint = suggestion(str(rule), lint.RULES)
                tail = f"vouliez-vous dire « {hint} » ?" if hint else f"règles : {_fmt_list(lint.RULES)}."
                self.report(line, f"waive : règle « {rule} » inconnue — {tail}")
                ok = False
            elif not isinstance(reason, str) or not reason.strip():
                self.report(line, f"waive : raison vide pour « {rule} » — dites pourquoi l'avertissement ne "
                            "s'applique pas ici.")
                ok = False
        return tuple((str(k), str(v).strip()) for k, v in value.items()) if ok else MetaChecker.INVALID

    def variables(self, value: Any, line: int) -> Any:
        example = "variables: {ca: {min: 1200, max: 3600, step: 120}}"
        if not isinstance(value, dict) or not value:
            self.report(line, f"variables : attendu une variable par ligne — {example}.")
            return MetaChecker.INVALID
        found: list[calc.Variable] = []
        for name, grid in value.items():
            if not isinstance(name, str) or not calc.NAME_RE.match(name) or name in (*calc.FUNCTIONS, calc.KEY_NAME):
                self.report(line, f"variable « {name} » : nom invalide — lettres minuscules, chiffres et _ "
                            f"(ni {_fmt_list([*calc.FUNCTIONS, calc.KEY_NAME])}).")
                return MetaChecker.INVALID
            keys = set(grid) if isinstance(grid, dict) else set()
            numbers = [grid.get(k) for k in ("min", "max", "step")] if isinstance(grid, dict) else []
            if keys != {"min", "max", "step"} or not all(
                    isinstance(x, (int, Decimal)) and not isinstance(x, bool) and Decimal(x).is_finite()
                    for x in numbers):
                self.report(line, f"variable « {name} » : donnez min, max et step, des nombres écrits avec un point "
                            f"— {name}: {{min: 10, max: 100, step: 5}}.")
                return MetaChecker.INVALID
            low, high, step = (Decimal(x) for x in numbers)
            if step <= 0 or low > high:
                self.report(line, f"variable « {name} » : il faut step > 0 et min ≤ max.")
                return MetaChecker.INVALID
            found.append(calc.Variable(name, low, high, step))
        return tuple(found)

    def partial(self, value: Any, line: int) -> Any:
        example = "partial: [{answer: 41, tolerance: 1, credit: 50}]"
        if not isinstance(value, list) or not value:
            self.report(line, f"partial : liste attendue — par exemple {example}.")
            return MetaChecker.INVALID
        answers: list[NumericAnswer] = []
        for entry in value:
            if not isinstance(entry, dict) or set(entry) - {"answer", "tolerance", "credit"} or "answer" not in entry:
                self.report(line, f"partial : chaque élément donne answer, tolerance et credit — {example}.")
                return MetaChecker.INVALID
            raw, credit = entry["answer"], entry.get("credit", 100)
            if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)) or not Decimal(raw).is_finite():
                self.report(line, f"partial : answer « {raw} » n'est pas un nombre écrit avec un point.")
                return MetaChecker.INVALID
            if isinstance(credit, bool) or not isinstance(credit, (int, Decimal)) or not 0 <= Decimal(credit) <= 100:
                self.report(line, f"partial : credit « {credit} » invalide — un pourcentage de 0 à 100.")
                return MetaChecker.INVALID
            tolerance = self.bank.meta.tolerance(entry.get("tolerance", 0), line, self.qid)
            if tolerance is MetaChecker.INVALID:
                return MetaChecker.INVALID
            answers.append(NumericAnswer(Decimal(raw), tolerance, Decimal(credit), line))
        return tuple(answers)

    def case(self, qid, title, meta, key_lines, meta_line, body) -> Case | None:
        """A case context: a heading, `type: case`, the shared text; the questions that follow it
        name it with `case: ID`."""
        ok = True
        for key in meta:
            if key not in CASE_KEYS:
                self.report(key_lines.get(str(key), meta_line), f"clé « {key} » sans effet pour un cas — un cas "
                            f"n'a que {_fmt_list(CASE_KEYS)} ; les réglages vont dans ses questions.")
                ok = False
        self.check_content(body)
        fence: str | None = None
        text_lines: list[str] = []
        for number, text in body:
            fence, fenced = _track_fence(fence, text)
            match = None if fenced else HEADING_RE.match(text)
            if match and len(match["hashes"]) in (1, 3):
                self.report(number, "un cas n'a ni « ### Réponses » ni « ### Explication » — seulement son texte "
                            "(#### pour un intertitre) ; les questions du cas suivent, chacune sous son titre ##.")
                ok = False
            text_lines.append(text)
        text = _block(text_lines)
        if not text:
            self.report(body[0][0] if body else self.line, "cas sans texte — écrivez le cas commun à ses questions "
                        "sous le bloc yaml.")
            ok = False
        case = Case(qid, title, text, self.line) if ok and qid and title else None
        self.bank.open_new_case(qid, self.line, case)
        return case

    def check_common(self, meta: dict, key_lines: dict[str, int], meta_line: int) -> None:
        """The keys whose meaning does not depend on the type, checked even when the type is unusable,
        so that one mistake does not hide the others."""
        for key in ("difficulty", "competences", "tags"):
            if key in meta:
                self.bank.meta.value(key, meta[key], key_lines.get(key, meta_line), self.qid)

    def numeric(self, meta: dict, values: dict, answer_line: int, key_lines: dict, meta_line: int) -> bool:
        raw = meta["answer"]
        ok = True
        if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool) and Decimal(raw).is_finite():
            values["answer"] = Decimal(raw)
        elif isinstance(raw, str) and parse_number(raw) is not None:
            fixed = str(parse_number(raw))
            self.report(answer_line, f"answer « {raw} » : dans les métadonnées, écrivez le nombre avec un point et "
                        f"sans espace — answer: {fixed}.")
            ok = False
        else:
            self.report(answer_line, f"answer « {raw} » n'est pas un nombre — par exemple answer: 42.5.")
            ok = False
        misspelt = any(suggestion(str(k), QUESTION_KEYS) == "tolerance" for k in meta if k not in QUESTION_KEYS)
        if "tolerance" not in meta and "tolerance" not in self.defaults:
            if misspelt:
                return False
            self.report(meta_line, "clé « tolerance » manquante — tolerance: 0 pour une valeur exacte, 0.5 "
                        "(écart absolu) ou \"1%\" (relatif).")
            ok = False
        elif ok and "tolerance" in values and values["tolerance"].relative and values["answer"] == 0:
            self.report(key_lines.get("tolerance", meta_line), "tolérance relative impossible pour une réponse "
                        "nulle — donnez un écart absolu, par exemple tolerance: 0.01.")
            ok = False
        return ok

    # -- sections -----------------------------------------------------------------------------
    def split_sections(self, body: list[tuple[int, str]]):
        """(stem, answers, explanation): each (line, [(line, text)]) or None when absent."""
        parts: dict[str, tuple[int, list[tuple[int, str]]]] = {}
        current = "stem"
        stem_line = _first_content_line(body, body[0][0] if body else self.line)
        parts["stem"] = (stem_line, [])
        fence: str | None = None
        for number, text in body:
            fence, fenced = _track_fence(fence, text)
            match = None if fenced else HEADING_RE.match(text)
            if match and len(match["hashes"]) == 3:
                name = (match["text"] or "").strip()
                section = self.section_name(name, number)
                if section is None:
                    current = f"unknown:{number}"
                    parts[current] = (number, [])
                    continue
                if section in parts:
                    self.report(number, f"section « ### {name} » en double — une seule par question.")
                    current = section + "#dup"
                    parts[current] = (number, [])
                    continue
                if section == ANSWERS and EXPLANATION in parts:
                    self.report(number, "« ### Réponses » doit précéder « ### Explication ».")
                current = section
                parts[current] = (number, [])
                continue
            if match and len(match["hashes"]) == 1:
                self.report(number, "titre de niveau 1 inattendu dans une question — utilisez #### dans "
                            "l'énoncé.")
            parts[current][1].append((number, text))
        stem = parts["stem"]
        stem = (_first_content_line(stem[1], stem[0]), stem[1])
        return stem, parts.get(ANSWERS), parts.get(EXPLANATION)

    def section_name(self, name: str, line: int) -> str | None:
        if name in (ANSWERS, EXPLANATION):
            return name
        plain = _plain(name)
        for wanted in (ANSWERS, EXPLANATION):
            if plain in (_plain(wanted), _plain(wanted) + "s", _plain(wanted)[:-1]):
                self.report(line, f"titre de section « {name} » — écrivez exactement « ### {wanted} ».")
                return wanted
        hint = suggestion(name, (ANSWERS, EXPLANATION))
        tail = (f"vouliez-vous dire « {hint} » ?" if hint
                else "seules « ### Réponses » et « ### Explication » sont permises (#### dans l'énoncé).")
        self.report(line, f"section « ### {name} » inconnue — {tail}")
        return None

    # -- answers ------------------------------------------------------------------------------
    def choices(self, kind: str, section: tuple[int, list[tuple[int, str]]]) -> tuple[Choice, ...]:
        heading_line, lines = section
        raw: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        blank = False
        for number, text in lines:
            if not text.strip():
                blank = True
                continue
            indented = text[0] in " \t"
            stripped = text.strip()
            if not indented:
                blank = False
                current = None
                task = TASK_RE.match(stripped)
                if task:
                    mark = task["mark"]
                    weight = WEIGHT_RE.match(mark)
                    if mark not in (" ", "x", "X") and not weight:
                        self.report(number, f"case « [{mark}] » invalide — écrivez « [ ] » (fausse), « [x] » "
                                    "(juste) ou un poids « [50%] », « [-100%] ».")
                        continue
                    value = (Decimal(weight["value"].replace(",", ".").replace("\u2212", "-")) if weight
                             else None)
                    current = {"text": [task["text"].strip()], "correct": mark != " ", "feedback": [],
                               "line": number, "weight": value}
                    raw.append(current)
                elif BULLET_RE.match(stripped) or ORDERED_RE.match(stripped):
                    self.report(number, "réponse sans case à cocher — écrivez « - [ ] texte » (fausse) ou "
                                "« - [x] texte » (juste).")
                elif stripped.startswith(">"):
                    self.report(number, "commentaire non indenté — indentez « > » de deux espaces sous la réponse "
                                "qu'il commente.")
                else:
                    self.report(number, "ligne inattendue dans « ### Réponses » — une réponse par ligne, "
                                "« - [ ] texte » ou « - [x] texte ».")
                continue
            if current is None:
                self.report(number, "ligne indentée hors d'une réponse — placez-la sous une ligne « - [ ] … ».")
                continue
            if stripped.startswith(">"):
                content = stripped[1:]
                current["feedback"].append(content[1:] if content.startswith(" ") else content)
            elif current["feedback"]:
                current["feedback"].append(stripped)
            else:
                current["text"].append(("\n" if blank else "") + stripped)
            blank = False
        choices: list[Choice] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(raw):
            text = "\n".join(item["text"]).strip()
            feedback = _block(item["feedback"]) or None
            if not text:
                self.report(item["line"], "réponse vide — écrivez son texte après la case.")
                continue
            if text in seen:
                self.report(item["line"], f"réponse en double (déjà ligne {seen[text]}) — chaque réponse doit être "
                            "différente.")
            seen.setdefault(text, item["line"])
            choices.append(Choice(letter_id(index), text, item["correct"], feedback, item["line"]))
        weighted = kind == "short" or any(item["weight"] is not None for item in raw)
        if weighted:
            return self.weighted(kind, heading_line, choices, raw)
        correct = [c for c in choices if c.correct]
        if len(raw) < 2:
            self.report(heading_line, f"question « {kind} » avec {len(raw)} réponse — au moins 2 sont attendues.")
        elif kind == "single" and len(correct) > 1:
            self.report(correct[1].line, f"question « single » avec {len(correct)} réponses cochées [x] — une seule "
                        "est attendue.")
        elif not correct and len(choices) == len(raw):
            self.report(heading_line, f"question « {kind} » sans réponse cochée [x] — cochez la bonne réponse"
                        + (" (au moins une)." if kind == "multiple" else "."))
        elif kind == "multiple" and len(correct) == len(choices) == len(raw):
            self.report(heading_line, "question « multiple » dont toutes les réponses sont cochées — ajoutez au "
                        "moins une réponse fausse « [ ] ».")
        return tuple(choices)

    def weighted(self, kind: str, heading_line: int, choices: list[Choice], raw: list[dict]) -> tuple[Choice, ...]:
        """Choices with a weight each ([x] is 100 %, [ ] 0 %), graded as Moodle grades them."""
        by_line = {item["line"]: item for item in raw}
        out: list[Choice] = []
        for choice in choices:
            item = by_line[choice.line]
            weight = item["weight"] if item["weight"] is not None else Decimal(100 if item["correct"] else 0)
            if not -100 <= weight <= 100:
                self.report(choice.line, f"poids {weight} % hors limites — de -100 % à 100 %.")
            if kind == "short" and weight < 0:
                self.report(choice.line, "poids négatif dans une question « short » — une réponse courte rapporte "
                            "de 0 % à 100 % (0 % : réponse fausse connue, avec son commentaire).")
            out.append(Choice(choice.id, choice.text, weight > 0, choice.feedback, choice.line, weight))
        weights = [c.weight or Decimal(0) for c in out]
        if kind == "short":
            if not out:
                self.report(heading_line, "question « short » sans réponse acceptée — écrivez « - [x] réponse ».")
            elif max(weights) < FULL_CREDIT:
                self.report(heading_line, "question « short » sans réponse à 100 % — cochez « [x] » la réponse "
                            "attendue.")
            return tuple(out)
        if len(raw) < 2:
            self.report(heading_line, f"question « {kind} » avec {len(raw)} réponse — au moins 2 sont attendues.")
        elif kind == "single" and min(weights) >= 100:
            self.report(heading_line, "question « single » dont toutes les réponses valent 100 % — toute réponse "
                        "serait juste ; donnez un poids plus faible aux autres.")
        elif kind == "single" and max(weights) < FULL_CREDIT:
            self.report(heading_line, "question « single » pondérée sans réponse à 100 % — aucune réponse ne "
                        "rapporterait tout le crédit ; cochez « [x] » la meilleure.")
        elif kind == "multiple" and sum(w for w in weights if w > 0) < FULL_CREDIT:
            self.report(heading_line, "question « multiple » pondérée dont les poids positifs font moins de 100 % — "
                        "aucune réponse ne rapporterait tout le crédit.")
        return tuple(out)

    def ordering(self, section: tuple[int, list[tuple[int, str]]]) -> tuple[OrderItem, ...]:
        heading_line, lines = section
        before = len(self.ctx.problems)
        raw: list[tuple[int, list[str]]] = []
        position = 0
        for number, text in lines:
            if not text.strip():
                continue
            stripped = text.strip()
            if text[0] in " \t":
                if stripped.startswith(">"):
                    self.report(number, "pas de commentaire par élément dans une question « ordering » — "
                                "mettez-le dans « ### Explication ».")
                elif raw:
                    raw[-1][1].append(stripped)
                else:
                    self.report(number, "ligne indentée hors d'un élément — placez-la sous « 1. … ».")
                continue
            match = ORDERED_RE.match(stripped)
            if match or TASK_RE.match(stripped) or BULLET_RE.match(stripped):
                position += 1
            if match and match["text"] and match["text"].strip():
                expected = position
                if int(match["number"]) != expected:
                    self.report(number, f"numéro {match['number']} inattendu — numérotez 1, 2, 3… dans l'ordre "
                                f"correct (ici {expected}).")
                raw.append((number, [match["text"].strip()]))
            elif match:
                self.report(number, "élément vide — écrivez son texte après le numéro.")
            elif TASK_RE.match(stripped) or BULLET_RE.match(stripped):
                self.report(number, "liste numérotée attendue pour une question « ordering » — écrivez les "
                            "éléments dans l'ordre correct : « 1. … », « 2. … ».")
            else:
                self.report(number, "ligne inattendue dans « ### Réponses » — un élément par ligne : « 1. texte ».")
        texts = ["\n".join(parts) for _, parts in raw]
        if len(raw) < 2 or (len(raw) < MIN_ARRANGED and len(self.ctx.problems) == before):
            self.report(heading_line, f"question « ordering » avec {_count(len(raw), 'élément')} — au moins "
                        f"{MIN_ARRANGED} sont attendus : avec deux, l'ordre présenté serait la réponse ou son inverse.")
        self._no_duplicates([(n, t) for (n, _), t in zip(raw, texts, strict=True)], "élément")
        ids = hidden_order_ids(texts, self.qid or "")
        return tuple(OrderItem(i, t, n) for i, t, (n, _) in zip(ids, texts, raw, strict=True))

    def matching(self, section: tuple[int, list[tuple[int, str]]]):
        heading_line, lines = section
        before = len(self.ctx.problems)
        rows: list[tuple[int, list[str]]] = []
        for number, text in lines:
            stripped = text.strip()
            if not stripped:
                if rows:
                    rows.append((number, []))
                continue
            if "|" not in stripped:
                self.report(number, "ligne inattendue dans « ### Réponses » — un tableau à deux colonnes est "
                            "attendu : | Élément | Correspondance |.")
                continue
            rows.append((number, _cells(stripped)))
        while rows and not rows[-1][1]:
            rows.pop()
        if len(rows) < 2 or not TABLE_DELIM_RE.match("|".join(rows[1][1]) if rows[1][1] else "x"):
            self.report(heading_line, "tableau attendu : une ligne d'en-tête, une ligne | --- | --- |, puis une "
                        "ligne par paire.")
            return None, ()
        header_line, header = rows[0]
        columns: tuple[str, str] | None = None
        if len(header) != 2 or not all(header):
            self.report(header_line, f"en-tête à {len(header)} colonne(s) — nommez exactement deux colonnes : "
                        "| Élément | Correspondance |.")
        else:
            columns = (header[0], header[1])
        pairs: list[tuple[int, str, str]] = []
        for number, cells in rows[2:]:
            if not cells:
                self.report(number, "ligne vide dans le tableau — retirez-la (elle coupe le tableau).")
                continue
            if len(cells) != 2 or not all(cells):
                self.report(number, f"ligne à {len(cells)} cellule(s) remplie(s) — chaque ligne donne un élément et "
                            "sa correspondance, deux cellules non vides.")
                continue
            pairs.append((number, cells[0], cells[1]))
        if len(pairs) < 2 or (len(pairs) < MIN_ARRANGED and len(self.ctx.problems) == before):
            self.report(heading_line, f"question « matching » avec {_count(len(pairs), 'paire')} — au moins "
                        f"{MIN_ARRANGED} sont attendues : avec deux, une seule association suffit à donner l'autre.")
        self._no_duplicates([(n, left) for n, left, _ in pairs], "élément de gauche")
        self._no_duplicates([(n, right) for n, _, right in pairs], "élément de droite")
        right_ids = hidden_order_ids([right for _, _, right in pairs], (self.qid or "") + ":right")
        result = tuple(
            MatchPair(letter_id(i), left, right_ids[i], right, n) for i, (n, left, right) in enumerate(pairs)
        )
        return columns, result

    def _no_duplicates(self, entries: list[tuple[int, str]], what: str) -> None:
        seen: dict[str, int] = {}
        for number, text in entries:
            if text in seen:
                self.report(number, f"{what} en double (déjà ligne {seen[text]}) — chacun doit être différent.")
            seen.setdefault(text, number)

    # -- content ------------------------------------------------------------------------------
    def check_content(self, body: list[tuple[int, str]]) -> None:
        """Markup too costly to render first (its lines are then not searched either: the line
        patterns would be as slow on it), then raw HTML and images line by line, outside code,
        then the raw HTML the renderer would find."""
        fence: str | None = None
        outside: list[tuple[int, str]] = []  # fenced code blanked out, lines kept at their place
        for number, text in body:
            fence, fenced = _track_fence(fence, text)
            outside.append((number, "" if fenced else text))
        costly = self.check_cost(outside)
        html_lines: set[int] = set()
        for number, line in outside:
            if not line or number in costly:
                continue
            line = CODE_SPAN_RE.sub("", line)
            html = HTML_RE.search(line)
            if html:
                html_lines.add(number)
                self.report_html(number, html.group(0))
            if IMAGE_REF_RE.search(line):
                self.report(number, "image par référence non permise — écrivez ![description](assets/fichier.png).")
            for image in IMAGE_RE.finditer(line):
                self.check_image(number, image["alt"], image["src"])
        if not costly:
            self.check_rendered_html(outside, html_lines)

    def report_html(self, number: int, fragment: str) -> None:
        self.report(number, f"HTML brut « {fragment[:40]} » interdit — utilisez la syntaxe Markdown "
                    "(**gras**, listes, tableaux, ligne vide).")

    def check_cost(self, outside: list[tuple[int, str]]) -> set[int]:
        """The lines of paragraphs that would not render in bounded time (each reported once)."""
        costly: set[int] = set()
        paragraph: list[tuple[int, str]] = []
        for number, text in [*outside, (0, "")]:
            if text.strip():
                paragraph.append((number, text))
                continue
            why = costly_markup("\n".join(t for _, t in paragraph)) if paragraph else None
            if why:
                self.report(paragraph[0][0], f"{why} — le rendu de ce texte serait trop coûteux ; scindez le "
                            "paragraphe ou retirez ces caractères.")
                costly.update(n for n, _ in paragraph)
            paragraph = []
        return costly

    def check_rendered_html(self, outside: list[tuple[int, str]], reported: set[int]) -> None:
        for fragment in raw_html("\n".join(text for _, text in outside)):
            first = fragment.strip().splitlines()[0] if fragment.strip() else fragment
            default = outside[0][0] if outside else self.line
            number = next((n for n, text in outside if first and first in text), default)
            if number not in reported:
                reported.add(number)
                self.report_html(number, first)

    def check_image(self, number: int, alt: str, src: str) -> None:
        if not alt.strip():
            self.report(number, f"image « {src} » sans texte alternatif — décrivez-la : ![description]({src}).")
        if asset_path(src) is None:
            self.report(number, f"image « {src} » non permise — seules les images locales de question_banks/assets/ "
                        "sont acceptées : ![description](assets/fichier.png).")
            return
        if self.ctx.assets_dir is not None and not (self.ctx.assets_dir / asset_path(src)).is_file():
            self.report(number, f"image « {src} » introuvable — ajoutez le fichier dans question_banks/{src}.")


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells = re.split(r"(?<!\\)\|", row)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def parse_bank(
    text: str, filename: str, referential: Any = None, assets_dir: Path | None = None
) -> tuple[Bank | None, list[Problem]]:
    """A bank and the problems found in it (sorted by line); the bank is None when its header is
    unusable, and holds only the questions that have no problem."""
    return BankParser(text, filename, referential, assets_dir).run()

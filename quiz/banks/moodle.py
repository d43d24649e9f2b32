"""Moodle XML: export a bank (id -> idnumber, metadata as tags) and import a Moodle file.

Texts travel in Moodle's `markdown` format, so nothing is lost on the way out; on the way in,
HTML texts are converted to Markdown, embedded images are extracted, and every setting that
changes grading is either represented or makes the question refused, naming the setting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from quiz.banks.calculated import (
    MAX_GRID,
    NAME_RE,
    ExprError,
    Variable,
    from_moodle_formula,
    moodle_formula,
    moodle_text,
    valid_instances,
)
from quiz.banks.htmltext import html_to_markdown, plain_to_markdown
from quiz.banks.interchange import EPSILON, Draft, NumericDraft, meta_tags, parse_meta_tags
from quiz.banks.model import Bank, Tolerance
from quiz.banks.numbers import canonical


def _case(quiz: ET.Element, case) -> None:
    node = ET.SubElement(quiz, "question", {"type": "description"})
    _text(node, "name", case.title, None)
    _text(node, "questiontext", case.text)
    _text(node, "generalfeedback", "")
    ET.SubElement(node, "defaultgrade").text = "0"
    ET.SubElement(node, "penalty").text = "0"
    ET.SubElement(node, "hidden").text = "0"
    ET.SubElement(node, "idnumber").text = case.id
    ET.SubElement(ET.SubElement(ET.SubElement(node, "tags"), "tag"), "text").text = "case"


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "markdown") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def _fraction(value: Decimal) -> str:
    return canonical(value.quantize(Decimal("0.00001")))


MOODLE_DATASET_ITEMS = 100  # Moodle keeps at most 100 values per dataset


def _calculated(node: ET.Element, q) -> list[str]:
    """A calculated question as Moodle's: the formula in its syntax, synchronised datasets holding
    valid instances (so the constraints hold), the tolerance and its type, the key's decimals."""
    assert q.tolerance is not None and q.formula is not None
    losses = []
    ET.SubElement(node, "synchronize").text = "1"
    ET.SubElement(node, "single").text = "0"
    ET.SubElement(node, "answernumbering").text = "abc"
    ET.SubElement(node, "shuffleanswers").text = "0"
    answer = _text(node, "answer", moodle_formula(q.formula), "moodle_auto_format")
    answer.set("fraction", "100")
    ET.SubElement(answer, "tolerance").text = canonical(q.tolerance.value / 100 if q.tolerance.relative
                                                        else q.tolerance.value)
    ET.SubElement(answer, "tolerancetype").text = "1" if q.tolerance.relative else "2"  # relative, nominal
    ET.SubElement(answer, "correctanswerformat").text = "1"  # decimals
    ET.SubElement(answer, "correctanswerlength").text = str(q.decimals)
    _text(answer, "feedback", "")
    if q.unit:
        units = ET.SubElement(node, "units")
        unit = ET.SubElement(units, "unit")
        ET.SubElement(unit, "multiplier").text = "1"
        ET.SubElement(unit, "unit_name").text = q.unit
        ET.SubElement(node, "showunits").text = "3"
        ET.SubElement(node, "unitsleft").text = "0"
    instances = valid_instances(q.to_payload())
    kept = instances[:: max(1, -(-len(instances) // MOODLE_DATASET_ITEMS))][:MOODLE_DATASET_ITEMS]
    if len(kept) < len(instances):
        losses.append(f"{q.id} : {len(kept)} instances exportées sur {len(instances)} (Moodle garde au plus "
                      f"{MOODLE_DATASET_ITEMS} valeurs par jeu de données)")
    if q.constraints:
        losses.append(f"{q.id} : contraintes gardées par des jeux de données synchronisés (Moodle n'a pas de "
                      "contraintes : ne régénérez pas les valeurs dans Moodle)")
    definitions = ET.SubElement(node, "dataset_definitions")
    for index, variable in enumerate(q.variables):
        definition = ET.SubElement(definitions, "dataset_definition")
        ET.SubElement(ET.SubElement(definition, "status"), "text").text = "private"
        ET.SubElement(ET.SubElement(definition, "name"), "text").text = variable.name
        ET.SubElement(definition, "type").text = "calculated"
        ET.SubElement(ET.SubElement(definition, "distribution"), "text").text = "uniform"
        ET.SubElement(ET.SubElement(definition, "minimum"), "text").text = canonical(variable.min)
        ET.SubElement(ET.SubElement(definition, "maximum"), "text").text = canonical(variable.max)
        ET.SubElement(ET.SubElement(definition, "decimals"), "text").text = str(variable.decimals)
        ET.SubElement(definition, "itemcount").text = str(len(kept))
        items = ET.SubElement(definition, "dataset_items")
        for number, instance in enumerate(kept, start=1):
            item = ET.SubElement(items, "dataset_item")
            ET.SubElement(item, "number").text = str(number)
            ET.SubElement(item, "value").text = instance[index]
        ET.SubElement(definition, "number_of_items").text = str(len(kept))
    return losses


def export_moodle(bank: Bank) -> tuple[str, list[str]]:
    """(XML text, losses) for one bank."""
    losses: list[str] = []
    quiz = ET.Element("quiz")
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", f"$course$/top/{bank.title}", None)
    _text(category, "info", f"thematic:{bank.thematic} prefix:{bank.prefix}", "moodle_auto_format")
    cases: set[str] = set()
    for q in bank.questions:
        if q.case is not None and q.case.id not in cases:
            cases.add(q.case.id)
            _case(quiz, q.case)
            losses.append(f"{q.case.id} : cas exporté en question « description » suivie de ses questions (étiquette "
                          f"case:{q.case.id}) — un tirage aléatoire Moodle les séparerait")
        qtype = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical",
                 "short": "shortanswer"}.get(q.type, q.type)
        node = ET.SubElement(quiz, "question", {"type": qtype})
        _text(node, "name", q.title, None)
        if q.type == "calculated":
            stem, cut = moodle_text(q.stem, q.formula or "")
            explanation, cut_too = moodle_text(q.explanation, q.formula or "")
            if cut or cut_too:
                losses.append(f"{q.id} : décimales des {{=expression:N}} non exportées (Moodle les calcule sans "
                              "arrondi fixé)")
        else:
            stem, explanation = q.stem, q.explanation
        _text(node, "questiontext", stem)
        _text(node, "generalfeedback", explanation)
        ET.SubElement(node, "defaultgrade").text = "1"
        ET.SubElement(node, "penalty").text = "0"
        ET.SubElement(node, "hidden").text = "0"
        ET.SubElement(node, "idnumber").text = q.id
        if q.type in ("single", "multiple"):
            ET.SubElement(node, "single").text = "true" if q.type == "single" else "false"
            ET.SubElement(node, "shuffleanswers").text = "1" if q.shuffle else "0"
            ET.SubElement(node, "answernumbering").text = "abc"
            right = len(q.correct_ids)
            for choice in q.choices:
                weight = Decimal(100) / right if choice.correct else Decimal(0)
                if q.type == "multiple" and not choice.correct:
                    weight = -Decimal(100) / right
                if q.weighted:
                    weight = choice.weight or Decimal(0)
                answer = _text(node, "answer", choice.text)
                answer.set("fraction", _fraction(weight))
                _text(answer, "feedback", choice.feedback or "")
            if q.type == "multiple" and not q.weighted and q.scoring == "all-or-nothing":
                losses.append(f"{q.id} : notation tout-ou-rien exportée en notation partielle Moodle "
                              "(l'étiquette scoring:all-or-nothing la garde pour un retour)")
        elif q.type == "short":
            ET.SubElement(node, "usecase").text = "0" if "case" in q.normalise else "1"
            for choice in q.choices:
                answer = _text(node, "answer", choice.text, "moodle_auto_format")
                answer.set("fraction", _fraction(choice.weight or Decimal(0)))
                _text(answer, "feedback", choice.feedback or "")
            if set(q.normalise) - {"case"}:
                losses.append(f"{q.id} : Moodle ne compare que sans la casse — normalisation "
                              f"{', '.join(sorted(set(q.normalise) - {'case'}))} non exportée")
        elif q.type == "truefalse":
            for value in (True, False):
                answer = _text(node, "answer", "true" if value else "false", "moodle_auto_format")
                answer.set("fraction", "100" if q.answer is value else "0")
                _text(answer, "feedback", "")
        elif q.type == "numeric":
            assert isinstance(q.answer, Decimal) and q.tolerance is not None
            answer = _text(node, "answer", canonical(q.answer), "moodle_auto_format")
            answer.set("fraction", "100")
            ET.SubElement(answer, "tolerance").text = canonical(q.tolerance.margin(q.answer))
            for extra in q.partial:
                more = _text(node, "answer", canonical(extra.answer), "moodle_auto_format")
                more.set("fraction", _fraction(extra.credit))
                ET.SubElement(more, "tolerance").text = canonical(extra.tolerance.margin(extra.answer))
            if q.tolerance.relative:
                losses.append(f"{q.id} : tolérance relative {q.tolerance} convertie en écart absolu "
                              f"{canonical(q.tolerance.margin(q.answer))}")
            if q.unit:
                units = ET.SubElement(node, "units")
                unit = ET.SubElement(units, "unit")
                ET.SubElement(unit, "multiplier").text = "1"
                ET.SubElement(unit, "unit_name").text = q.unit
                ET.SubElement(node, "showunits").text = "3"
                ET.SubElement(node, "unitsleft").text = "0"
        elif q.type == "calculated":
            losses.extend(_calculated(node, q))
        elif q.type == "matching":
            ET.SubElement(node, "shuffleanswers").text = "true"
            for pair in q.pairs:
                sub = _text(node, "subquestion", pair.left)
                ET.SubElement(ET.SubElement(sub, "answer"), "text").text = pair.right
            losses.append(f"{q.id} : en-têtes de colonnes gardés seulement en étiquette (columns:…)")
            if q.scoring != "partial":
                losses.append(f"{q.id} : Moodle note l'appariement paire par paire (tout-ou-rien gardé en étiquette)")
        elif q.type == "ordering":
            ET.SubElement(node, "layouttype").text = "VERTICAL"
            ET.SubElement(node, "selecttype").text = "ALL"
            ET.SubElement(node, "gradingtype").text = "ALL_OR_NOTHING"
            for number, item in enumerate(q.items, start=1):
                _text(node, "answer", item.text).set("fraction", str(number))
            losses.append(f"{q.id} : type « ordering » lu par Moodle 4.4 et suivants (qtype_ordering, désormais en "
                          "standard) ou par le plugin sur les versions plus anciennes")
        tags = ET.SubElement(node, "tags")
        for tag in meta_tags(q):
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n", losses


IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
UNSUPPORTED = {
    "essay": "question ouverte (essay) : la plateforme ne corrige que des réponses fermées",
    "multianswer": "question cloze (multianswer) : plusieurs réponses dans le texte, non prises en charge",
    "calculatedmulti": "question calculée à choix multiple non prise en charge",
    "randomsamatch": "appariement aléatoire de réponses courtes non pris en charge",
}
SUPPORTED = ("multichoice", "truefalse", "numerical", "shortanswer", "matching", "ordering", "description",
             "calculated", "calculatedsimple")


class _Reader:
    """One Moodle file: its embedded files become assets, its questions drafts."""

    def __init__(self) -> None:
        self.assets: dict[str, bytes] = {}

    def files(self, element: ET.Element, draft: Draft) -> dict[str, str]:
        """Embedded base64 files of a text: written to assets/ under a name unique to their content."""
        names: dict[str, str] = {}
        for file in element.findall("file"):
            name = file.get("name") or "fichier"
            suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
            try:
                data = base64.b64decode(re.sub(r"\s+", "", file.text or ""), validate=True)
            except (binascii.Error, ValueError):
                draft.losses.append(f"fichier joint « {name} » illisible (base64 invalide)")
                continue
            if suffix not in IMAGE_TYPES:
                draft.losses.append(f"fichier joint « {name} » (pas une image) non repris")
                continue
            stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name.rsplit(".", 1)[0]).strip("-")[:40] or "image"
            target = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
            self.assets[target] = data
            names[name] = f"assets/{target}"
        return names

    def text(self, node: ET.Element | None, tag: str, draft: Draft) -> str:
        element = node.find(tag) if node is not None else None
        if element is None:
            return ""
        raw = element.findtext("text") or ""
        fmt = element.get("format", "html")
        assets = self.files(element, draft)
        if fmt == "markdown":
            return raw.strip()
        if fmt in ("html", "moodle_auto_format") and (fmt == "html" or re.search(r"<[A-Za-z/!][^>]*>", raw)):
            if fmt == "moodle_auto_format":
                raw = raw.replace("\n", "<br>")
            converted, lost = html_to_markdown(raw, assets)
            draft.losses.extend(lost)
            return converted
        return plain_to_markdown(raw)


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _answer_fraction(answer: ET.Element) -> Decimal:
    return _decimal(answer.get("fraction")) or Decimal(0)


def _flag(node: ET.Element, tag: str, default: str) -> bool:
    return (node.findtext(tag) or default).strip().lower() in ("1", "true")


def _extras(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    """What Moodle shows or counts outside the answers: listed when it is not carried over."""
    grade = _decimal(node.findtext("defaultgrade"))
    if grade is not None and grade != 1 and node.get("type") != "description":
        draft.losses.append(f"note par défaut {canonical(grade)} : chaque question compte pour 1 ici")
    for tag, label in (("correctfeedback", "commentaire pour toute réponse juste"),
                       ("partiallycorrectfeedback", "commentaire pour toute réponse partiellement juste"),
                       ("incorrectfeedback", "commentaire pour toute réponse fausse")):
        draft.note(label, reader.text(node, tag, draft))
    hints = [h for h in node.findall("hint") if (h.findtext("text") or "").strip()]
    if hints:
        draft.losses.append(f"{len(hints)} indice(s) du mode interactif non repris (une seule tentative ici)")
    image = node.findtext("image") or ""
    if image.strip() or node.find("image_base64") is not None:
        draft.losses.append(f"ancienne balise <image> « {image.strip() or 'base64'} » : ajoutez l'image à l'énoncé")


def _multichoice(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    single = _flag(node, "single", "true")
    draft.type = "single" if single else "multiple"
    draft.meta.setdefault("shuffle", _flag(node, "shuffleanswers", "1"))
    for answer in node.findall("answer"):
        text = reader.text(answer, ".", draft)
        if not text:
            continue
        draft.choices.append((text, _answer_fraction(answer), reader.text(answer, "feedback", draft) or None))


def _numerical(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    draft.type = "numeric"
    for answer in node.findall("answer"):
        raw = (answer.findtext("text") or "").strip()
        feedback = reader.text(answer, "feedback", draft)
        tolerance = abs(_decimal(answer.findtext("tolerance")) or Decimal(0))
        if raw in ("*", ""):
            draft.numbers.append(NumericDraft(None, Decimal(0), _answer_fraction(answer), feedback))
            continue
        value = _decimal(raw.replace(",", "."))
        if value is None:
            draft.refuse(f"réponse numérique « {raw} » illisible")
            return
        draft.numbers.append(NumericDraft(value, tolerance, _answer_fraction(answer), feedback))
    units = node.findall("units/unit")
    base = [u for u in units if _decimal(u.findtext("multiplier")) == 1]
    if base:
        draft.meta.setdefault("unit", (base[0].findtext("unit_name") or "").strip())
    others = [u.findtext("unit_name") or "" for u in units if _decimal(u.findtext("multiplier")) != 1]
    if others:
        draft.refuse(f"unités à multiplicateur ({', '.join(o.strip() for o in others)}) : la plateforme n'a qu'une "
                     "unité, sans conversion")
    grading = (node.findtext("unitgradingtype") or "0").strip()
    penalty = _decimal(node.findtext("unitpenalty")) or Decimal(0)
    if grading not in ("", "0") and penalty > 0:
        draft.refuse(f"pénalité d'unité (unitgradingtype {grading}, unitpenalty {canonical(penalty)}) : la "
                     "plateforme ne retire rien pour une unité absente")


def _shortanswer(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    draft.type = "short"
    draft.meta.setdefault("normalise", () if _flag(node, "usecase", "0") else ("case",))
    for answer in node.findall("answer"):
        text = (answer.findtext("text") or "").strip()
        if text:
            draft.choices.append((text, _answer_fraction(answer), reader.text(answer, "feedback", draft) or None))


def _matching(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    draft.type = "matching"
    draft.meta.setdefault("scoring", "partial")
    for sub in node.findall("subquestion"):
        left = reader.text(sub, ".", draft)
        right = (sub.findtext("answer/text") or "").strip()
        if left:
            draft.pairs.append((left, plain_to_markdown(right)))
        elif right:
            draft.losses.append(f"réponse distractrice « {right} » sans élément (non reprise)")


_MOODLE_TEXT_FORMULA = re.compile(r"\{=((?:[^{}]|\{[A-Za-z_][A-Za-z0-9_]*\})*)\}")


def _read_calculated(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    """A Moodle calculated question: its datasets become grids (min…max at the step of their
    decimals), its formula this format's; what Moodle grades otherwise is refused."""
    draft.type = "calculated"
    answers = node.findall("answer")
    right = [a for a in answers if _answer_fraction(a) >= 100 - EPSILON]
    if not right:
        draft.refuse("question calculée sans réponse à 100 %")
        return
    if any(_answer_fraction(a) > 0 for a in answers if a is not right[0]):
        draft.refuse("question calculée à plusieurs réponses créditées : la plateforme n'a qu'une formule")
        return
    answer = right[0]
    kind = (answer.findtext("tolerancetype") or "1").strip()
    tolerance = abs(_decimal(answer.findtext("tolerance")) or Decimal(0))
    if kind == "3":
        draft.refuse("tolérance géométrique (tolerancetype 3) : la plateforme a un écart absolu ou relatif")
        return
    variables = []
    for definition in node.findall("dataset_definitions/dataset_definition"):
        name = (definition.findtext("name/text") or "").strip()
        low, high = _decimal(definition.findtext("minimum/text")), _decimal(definition.findtext("maximum/text"))
        digits = int(_decimal(definition.findtext("decimals/text")) or 0)
        if not NAME_RE.match(name) or low is None or high is None or low > high or not 0 <= digits <= 10:
            draft.refuse(f"jeu de données « {name} » illisible (nom, minimum, maximum, décimales)")
            return
        step = _decimal(draft.meta.get("steps", {}).get(name)) or Decimal(1).scaleb(-digits)
        variables.append(Variable(name, low, high, step if step > 0 else Decimal(1).scaleb(-digits)))
    if not variables:
        draft.refuse("question calculée sans jeu de données")
        return
    size = 1
    for variable in variables:
        size *= variable.count
    if size > MAX_GRID:
        draft.refuse(f"jeux de données de {size} combinaisons (au plus {MAX_GRID}) : resserrez les bornes ou les "
                     "décimales dans Moodle avant l'export")
        return
    names = frozenset(v.name for v in variables)
    try:
        formula = from_moodle_formula(answer.findtext("text") or "", names)

        def translate(match: re.Match) -> str:  # the key's formula is written {=answer}
            expression = from_moodle_formula(match.group(1), names)
            return "{=" + ("answer" if expression == formula else expression) + "}"

        def literal(match: re.Match) -> str:  # braces that name no dataset are text here
            return match.group(0) if match.group(1) in names else "{{" + match.group(1) + "}}"

        for field in ("stem", "explanation"):
            text = re.sub(r"(?<!\{)\{([^{}=\n][^{}\n]*)\}(?!\})", literal, getattr(draft, field))
            setattr(draft, field, _MOODLE_TEXT_FORMULA.sub(translate, text))
    except ExprError as exc:
        draft.refuse(f"formule de question calculée sans équivalent : {exc}")
        return
    if (answer.findtext("correctanswerformat") or "1").strip() == "2":
        draft.losses.append("réponse affichée en chiffres significatifs dans Moodle : affichée ici en décimales")
    steps = draft.meta.pop("steps", {})
    if node.findall("dataset_definitions/dataset_definition/dataset_items/dataset_item") and \
            set(steps) != set(names):
        draft.losses.append("valeurs tirées par Moodle (dataset items) remplacées par la grille minimum…maximum "
                            "au pas des décimales de chaque jeu de données")
    units = node.findall("units/unit")
    base = [u for u in units if _decimal(u.findtext("multiplier")) == 1]
    if any(_decimal(u.findtext("multiplier")) != 1 for u in units):
        draft.refuse("unités à multiplicateur : la plateforme n'a qu'une unité, sans conversion")
        return
    draft.note("réponse", reader.text(answer, "feedback", draft))
    bounds = draft.meta.pop("answer_range", None)
    draft.answer = {
        "variables": tuple(variables), "formula": formula, "constraints": tuple(draft.meta.pop("constraints", ())),
        "answer_range": (Decimal(bounds[0]), Decimal(bounds[1])) if bounds and all(map(_decimal, bounds)) else None,
        "tolerance": Tolerance(tolerance * 100, relative=True) if kind == "1" else Tolerance(tolerance),
        "decimals": min(10, int(length if (length := _decimal(answer.findtext("correctanswerlength"))) is not None
                                else 2)),
        "unit": (base[0].findtext("unit_name") or "").strip() or None if base else None,
    }


def _ordering(node: ET.Element, draft: Draft, reader: _Reader) -> None:
    draft.type = "ordering"
    answers = node.findall("answer")
    ordered = sorted(enumerate(answers), key=lambda ia: (_decimal(ia[1].get("fraction")) or ia[0], ia[0]))
    draft.items = [reader.text(a, ".", draft) for _, a in ordered]
    select = (node.findtext("selecttype") or "RANDOM").strip().upper()
    count = int(_decimal(node.findtext("selectcount")) or 0)
    if select not in ("ALL", "EXACT") and 0 < count < len(answers):
        draft.refuse(f"ordering : selecttype {select} ({count} éléments sur {len(answers)}) — la plateforme montre "
                     "tous les éléments")
    grading = (node.findtext("gradingtype") or "RELATIVE").strip().upper()
    if grading not in ("ALL_OR_NOTHING", "0"):
        draft.refuse(f"ordering : gradingtype {grading} (crédit partiel de Moodle) — la plateforme note l'ordre en "
                     "tout-ou-rien")
    if (node.findtext("layouttype") or "VERTICAL").strip().upper() in ("HORIZONTAL", "1"):
        draft.losses.append("ordering : layouttype HORIZONTAL non repris (éléments montrés en colonne)")


_READERS = {"calculated": _read_calculated, "calculatedsimple": _read_calculated, "multichoice": _multichoice,
            "numerical": _numerical, "shortanswer": _shortanswer, "matching": _matching, "ordering": _ordering}


def _question(node: ET.Element, qtype: str, category: str | None, reader: _Reader) -> Draft:
    name = (node.findtext("name/text") or "").strip() or "Sans titre"
    draft = Draft(title=name, source_id=(node.findtext("idnumber") or "").strip() or None)
    draft.meta = parse_meta_tags([t.text or "" for t in node.iterfind("tags/tag/text")])
    if category:
        draft.meta["tags"].append(f"catégorie:{category}")
    if qtype not in SUPPORTED:
        return draft.refuse(UNSUPPORTED.get(qtype, f"type Moodle « {qtype} » non pris en charge"))
    draft.stem = reader.text(node, "questiontext", draft)
    draft.explanation = reader.text(node, "generalfeedback", draft)
    _extras(node, draft, reader)
    if qtype == "description":
        return draft.as_description()
    if qtype == "truefalse":
        draft.type = "truefalse"
        answers = node.findall("answer")
        right = next((a for a in answers if _answer_fraction(a) >= 100), None)
        if right is None or any(0 < _answer_fraction(a) < 100 for a in answers):
            return draft.refuse("vrai/faux sans réponse à 100 %")
        draft.answer = (right.findtext("text") or "").strip().lower() == "true"
        for answer in answers:
            label = "vrai" if (answer.findtext("text") or "").strip().lower() == "true" else "faux"
            draft.note(f"après la réponse « {label} »", reader.text(answer, "feedback", draft))
    else:
        _READERS[qtype](node, draft, reader)
    return draft


def read_moodle(xml_text: str) -> tuple[str | None, list[Draft], list[str], dict[str, bytes]]:
    """(category title, drafts, errors, embedded images) from a Moodle XML file."""
    try:
        root = fromstring(xml_text.encode("utf-8"))
    except (ET.ParseError, DefusedXmlException) as exc:
        return None, [], [f"XML illisible : {exc}"], {}
    if root.tag != "quiz":
        return None, [], [f"élément racine « {root.tag} » : un fichier Moodle XML commence par <quiz>"], {}
    reader = _Reader()
    category: str | None = None
    drafts: list[Draft] = []
    for node in root.iter("question"):
        qtype = node.get("type", "")
        if qtype == "category":
            path = (node.findtext("category/text") or "").strip().strip("/")
            path = re.sub(r"^\$(course|system|module|cat\d*)\$/(top/?)?", "", path)
            path = re.sub(r"^top/?", "", path)
            category = path or category
            continue
        drafts.append(_question(node, qtype, category, reader))
    title = category.rsplit("/", 1)[-1] if category else None
    return title, drafts, [], reader.assets


def import_moodle(xml_text: str) -> tuple[str | None, list[Draft], list[str]]:
    """(category title, drafts, errors), without the embedded images."""
    title, drafts, errors, _ = read_moodle(xml_text)
    return title, drafts, errors

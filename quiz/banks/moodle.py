"""Moodle XML: export a bank (id -> idnumber, metadata as tags) and import a Moodle file.

Texts travel in Moodle's `markdown` format, so nothing is lost on the way out; on the way in,
HTML texts are converted to Markdown and whatever cannot be converted is listed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from quiz.banks.htmltext import html_to_markdown
from quiz.banks.interchange import Draft, meta_tags, parse_meta_tags
from quiz.banks.model import Bank
from quiz.banks.numbers import canonical


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "markdown") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def _fraction(value: Decimal) -> str:
    return canonical(value.quantize(Decimal("0.00001")))


def export_moodle(bank: Bank) -> tuple[str, list[str]]:
    """(XML text, losses) for one bank."""
    losses: list[str] = []
    quiz = ET.Element("quiz")
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", f"$course$/top/{bank.title}", None)
    _text(category, "info", f"thematic:{bank.thematic} prefix:{bank.prefix}", "moodle_auto_format")
    for q in bank.questions:
        qtype = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical"}.get(q.type, q.type)
        node = ET.SubElement(quiz, "question", {"type": qtype})
        _text(node, "name", q.title, None)
        _text(node, "questiontext", q.stem)
        _text(node, "generalfeedback", q.explanation)
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
                answer = _text(node, "answer", choice.text)
                answer.set("fraction", _fraction(weight))
                _text(answer, "feedback", choice.feedback or "")
            if q.type == "multiple" and q.scoring == "all-or-nothing":
                losses.append(f"{q.id} : notation tout-ou-rien exportée en notation partielle Moodle "
                              "(l'étiquette scoring:all-or-nothing la garde pour un retour)")
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
        elif q.type == "matching":
            ET.SubElement(node, "shuffleanswers").text = "true"
            for pair in q.pairs:
                sub = _text(node, "subquestion", pair.left)
                ET.SubElement(ET.SubElement(sub, "answer"), "text").text = pair.right
            losses.append(f"{q.id} : en-têtes de colonnes gardés seulement en étiquette (columns:…)")
        elif q.type == "ordering":
            ET.SubElement(node, "layouttype").text = "VERTICAL"
            ET.SubElement(node, "selecttype").text = "ALL"
            ET.SubElement(node, "gradingtype").text = "ALL_OR_NOTHING"
            for number, item in enumerate(q.items, start=1):
                _text(node, "answer", item.text).set("fraction", str(number))
            losses.append(f"{q.id} : type « ordering » lisible seulement par le plugin Moodle qtype_ordering")
        tags = ET.SubElement(node, "tags")
        for tag in meta_tags(q):
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n", losses


def _field(node: ET.Element, tag: str, losses: list[str], where: str) -> str:
    element = node.find(tag)
    if element is None:
        return ""
    text = element.findtext("text") or ""
    fmt = element.get("format", "html")
    if element.find("file") is not None:
        losses.append(f"{where} : fichiers joints (images) de « {tag} » à recopier dans question_banks/assets/")
    if fmt == "html":
        converted, lost = html_to_markdown(text)
        losses.extend(f"{where} : {loss}" for loss in lost)
        return converted
    return text.strip()


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def import_moodle(xml_text: str) -> tuple[str | None, list[Draft], list[str]]:
    """(category title, question drafts, losses) from a Moodle XML file."""
    losses: list[str] = []
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        return None, [], [f"XML invalide : {exc}"]
    title: str | None = None
    drafts: list[Draft] = []
    for node in root.iter("question"):
        qtype = node.get("type", "")
        if qtype == "category":
            path = (node.findtext("category/text") or "").strip().rstrip("/")
            title = path.rsplit("/", 1)[-1] or title
            continue
        name = (node.findtext("name/text") or "").strip() or "Sans titre"
        where = f"« {name} »"
        draft = Draft(title=name, source_id=(node.findtext("idnumber") or "").strip() or None)
        tags = parse_meta_tags([t.text or "" for t in node.iterfind("tags/tag/text")])
        draft.meta = tags
        draft.stem = _field(node, "questiontext", losses, where)
        draft.explanation = _field(node, "generalfeedback", losses, where)
        answers = node.findall("answer")
        if qtype == "multichoice":
            single = (node.findtext("single") or "true").strip().lower() in ("true", "1")
            draft.type = "single" if single else "multiple"
            shuffle = (node.findtext("shuffleanswers") or "1").strip().lower() in ("1", "true")
            draft.meta.setdefault("shuffle", shuffle)
            for answer in answers:
                fraction = _decimal(answer.get("fraction")) or Decimal(0)
                if single and 0 < fraction < 100:
                    losses.append(f"{where} : réponse à crédit partiel ({fraction} %) comptée fausse")
                text = _field(answer, ".", losses, where)
                feedback = _field(answer, "feedback", losses, where) or None
                draft.choices.append((text, fraction >= 100 if single else fraction > 0, feedback))
            if not single:
                draft.meta.setdefault("scoring", "partial")
        elif qtype == "truefalse":
            draft.type = "truefalse"
            right = next((a for a in answers if (_decimal(a.get("fraction")) or 0) >= 100), None)
            draft.answer = (right.findtext("text") or "").strip().lower() == "true" if right is not None else None
        elif qtype == "numerical":
            draft.type = "numeric"
            right = next((a for a in answers if (_decimal(a.get("fraction")) or 0) >= 100), None)
            if right is not None:
                draft.answer = _decimal(right.findtext("text"))
                draft.meta.setdefault("tolerance", canonical(_decimal(right.findtext("tolerance")) or Decimal(0)))
            if len(answers) > 1:
                losses.append(f"{where} : seule la réponse à 100 % est gardée")
            unit = node.findtext("units/unit/unit_name")
            if unit:
                draft.meta.setdefault("unit", unit.strip())
        elif qtype == "matching":
            draft.type = "matching"
            for sub in node.findall("subquestion"):
                left = _field(sub, ".", losses, where)
                right = (sub.findtext("answer/text") or "").strip()
                if left:
                    draft.pairs.append((left, right))
                else:
                    losses.append(f"{where} : réponse distractrice « {right} » sans élément (non reprise)")
        elif qtype == "ordering":
            draft.type = "ordering"
            ordered = sorted(enumerate(answers), key=lambda ia: (_decimal(ia[1].get("fraction")) or ia[0], ia[0]))
            draft.items = [_field(a, ".", losses, where) for _, a in ordered]
        else:
            losses.append(f"{where} : type Moodle « {qtype} » non pris en charge (question non convertie)")
            continue
        drafts.append(draft)
    return title, drafts, losses


"""QTI 3.0: one item file per question and an imsmanifest.xml, zipped as a content package."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

from quiz.banks.calculated import placeholders, qti_expression
from quiz.banks.htmltext import html_to_xml
from quiz.banks.model import Bank, Case, Question
from quiz.banks.numbers import canonical
from quiz.banks.render import render_markdown

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


def _body(parent: ET.Element, md: str, tag: str = "div") -> ET.Element:
    element = ET.SubElement(parent, tag)
    html_to_xml(render_markdown(md), element)
    return element


def _declaration(item: ET.Element, cardinality: str, base_type: str, values: list[str]) -> ET.Element:
    declaration = ET.SubElement(item, "qti-response-declaration",
                                {"identifier": "RESPONSE", "cardinality": cardinality, "base-type": base_type})
    correct = ET.SubElement(declaration, "qti-correct-response")
    for value in values:
        ET.SubElement(correct, "qti-value").text = value
    return declaration


def _mapping(declaration: ET.Element, entries: list[tuple[str, Decimal]], **extra: str) -> ET.Element:
    """A qti-mapping whose total is clipped to [0, 1], as the platform and Moodle score."""
    mapping = ET.SubElement(declaration, "qti-mapping", {"lower-bound": "0", "upper-bound": "1", "default-value": "0"})
    for key, value in entries:
        ET.SubElement(mapping, "qti-map-entry", {
            "map-key": key, "mapped-value": canonical(value.quantize(Decimal("0.000001"))), **extra})
    return mapping


def stimulus_xml(case: Case) -> str:
    """A case context as a QTI 3.0 shared stimulus, referenced by each of its items."""
    stimulus = ET.Element("qti-assessment-stimulus", {"xmlns": NS, "identifier": case.id, "title": case.title,
                                                       "xml:lang": "fr"})
    _body(ET.SubElement(stimulus, "qti-stimulus-body"), case.text)
    ET.indent(stimulus)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(stimulus, encoding="unicode") + "\n"


def item_xml(q: Question) -> tuple[str, list[str]]:
    """(XML of one assessment item, losses)."""
    losses: list[str] = []
    item = ET.Element("qti-assessment-item", {
        "xmlns": NS, "identifier": q.id, "title": q.title, "adaptive": "false", "time-dependent": "false",
        "xml:lang": "fr",
    })
    template = "match_correct"
    if q.type in ("single", "multiple") and q.weighted:
        best = [c.id for c in q.choices if c.weight == 100] or [c.id for c in q.choices if (c.weight or 0) > 0]
        declaration = _declaration(item, "single" if q.type == "single" else "multiple", "identifier",
                                   best[:1] if q.type == "single" else best)
        template = "map_response"
        _mapping(declaration, [(c.id, (c.weight or Decimal(0)) / 100) for c in q.choices])
    elif q.type in ("single", "multiple"):
        declaration = _declaration(item, "single" if q.type == "single" else "multiple", "identifier",
                                   list(q.correct_ids))
        if q.type == "multiple" and q.scoring == "partial":
            template = "map_response"
            right = len(q.correct_ids)
            _mapping(declaration, [(c.id, Decimal(1) / right * (1 if c.correct else -1)) for c in q.choices])
    elif q.type == "short":
        full = [c.text for c in q.choices if c.weight == 100]
        declaration = _declaration(item, "single", "string", full[:1])
        template = "map_response"
        sensitive = "false" if "case" in q.normalise else "true"
        seen: set[str] = set()
        entries = []
        for answer in q.choices:  # the first accepted answer that matches gives the credit
            key = answer.text.lower() if sensitive == "false" else answer.text
            if key not in seen and "*" not in answer.text:
                seen.add(key)
                entries.append((answer.text, (answer.weight or Decimal(0)) / 100))
        _mapping(declaration, entries, **{"case-sensitive": sensitive})
        if set(q.normalise) - {"case"} or any("*" in c.text for c in q.choices):
            losses.append(f"{q.id} : QTI compare la réponse telle quelle (hors casse) — normalisation "
                          f"{', '.join(q.normalise)} et jokers * non exportés")
    elif q.type == "truefalse":
        _declaration(item, "single", "identifier", ["true" if q.answer else "false"])
    elif q.type == "numeric":
        assert isinstance(q.answer, Decimal) and q.tolerance is not None
        _declaration(item, "single", "float", [canonical(q.answer)])
    elif q.type == "ordering":
        _declaration(item, "ordered", "identifier", [i.id for i in q.items])
    else:
        declaration = _declaration(item, "multiple", "directedPair",
                                   [f"L_{p.left_id} R_{p.right_id}" for p in q.pairs])
        if q.scoring == "partial":
            template = "map_response"
            _mapping(declaration, [(f"L_{p.left_id} R_{p.right_id}", Decimal(1) / len(q.pairs)) for p in q.pairs])
    ET.SubElement(item, "qti-outcome-declaration",
                  {"identifier": "SCORE", "cardinality": "single", "base-type": "float"})
    if q.case is not None:
        ET.SubElement(item, "qti-assessment-stimulus-ref",
                      {"identifier": q.case.id, "href": f"../stimuli/{q.case.id}.xml", "title": q.case.title})
    body = ET.SubElement(item, "qti-item-body")
    _body(body, q.stem)
    if q.type in ("single", "multiple", "truefalse"):
        interaction = ET.SubElement(body, "qti-choice-interaction", {
            "response-identifier": "RESPONSE", "shuffle": "true" if q.shuffle and q.type != "truefalse" else "false",
            "max-choices": "1" if q.type != "multiple" else "0",
        })
        if q.type == "truefalse":
            for identifier, label in (("true", "Vrai"), ("false", "Faux")):
                ET.SubElement(interaction, "qti-simple-choice", {"identifier": identifier}).text = label
        for choice in q.choices:
            _body(interaction, choice.text, "qti-simple-choice").set("identifier", choice.id)
        if any(c.feedback for c in q.choices):
            losses.append(f"{q.id} : commentaires par réponse non exportés en QTI")
    elif q.type == "short":
        ET.SubElement(ET.SubElement(body, "p"), "qti-text-entry-interaction",
                      {"response-identifier": "RESPONSE", "expected-length": "30"})
    elif q.type == "numeric":
        paragraph = ET.SubElement(body, "p")
        ET.SubElement(paragraph, "qti-text-entry-interaction",
                      {"response-identifier": "RESPONSE", "expected-length": "12"})
        if q.unit:
            ET.SubElement(paragraph, "span").text = f" {q.unit}"
        template = ""
    elif q.type == "ordering":
        interaction = ET.SubElement(body, "qti-order-interaction",
                                    {"response-identifier": "RESPONSE", "shuffle": "true"})
        for order_item in q.items:
            _body(interaction, order_item.text, "qti-simple-choice").set("identifier", order_item.id)
    else:
        interaction = ET.SubElement(body, "qti-match-interaction", {
            "response-identifier": "RESPONSE", "shuffle": "true", "max-associations": str(len(q.pairs))})
        left_set = ET.SubElement(interaction, "qti-simple-match-set")
        right_set = ET.SubElement(interaction, "qti-simple-match-set")
        for pair in q.pairs:
            _body(left_set, pair.left, "qti-simple-associable-choice").attrib.update(
                {"identifier": f"L_{pair.left_id}", "match-max": "1"})
        for pair in sorted(q.pairs, key=lambda p: p.right_id):
            _body(right_set, pair.right, "qti-simple-associable-choice").attrib.update(
                {"identifier": f"R_{pair.right_id}", "match-max": "1"})
    if template:
        ET.SubElement(item, "qti-response-processing", {"template": f"{TEMPLATES}{template}.xml"})
    else:
        _numeric_processing(item, q)
    losses.append(f"{q.id} : explication non exportée en QTI (pas de retour d'information)")
    ET.indent(item)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(item, encoding="unicode") + "\n", losses


def _numeric_processing(item: ET.Element, q: Question) -> None:
    """The main answer, then each further answer in order: the first that matches gives its credit."""
    assert q.tolerance is not None and isinstance(q.answer, Decimal)
    processing = ET.SubElement(item, "qti-response-processing")
    condition = ET.SubElement(processing, "qti-response-condition")
    accepted = [(q.answer, q.tolerance, Decimal(1))] + [(p.answer, p.tolerance, p.credit / 100) for p in q.partial]
    for index, (answer, tolerance, credit) in enumerate(accepted):
        branch = ET.SubElement(condition, "qti-response-if" if index == 0 else "qti-response-else-if")
        margin = canonical(tolerance.value)
        equal = ET.SubElement(branch, "qti-equal", {
            "tolerance-mode": "relative" if tolerance.relative else "absolute",
            "tolerance": f"{margin} {margin}", "include-lower-bound": "true", "include-upper-bound": "true",
        })
        ET.SubElement(equal, "qti-variable", {"identifier": "RESPONSE"})
        if index == 0:
            ET.SubElement(equal, "qti-correct", {"identifier": "RESPONSE"})
        else:
            ET.SubElement(equal, "qti-base-value", {"base-type": "float"}).text = canonical(answer)
        setter = ET.SubElement(branch, "qti-set-outcome-value", {"identifier": "SCORE"})
        ET.SubElement(setter, "qti-base-value", {"base-type": "float"}).text = canonical(credit)
    otherwise = ET.SubElement(condition, "qti-response-else")
    setter = ET.SubElement(otherwise, "qti-set-outcome-value", {"identifier": "SCORE"})
    ET.SubElement(setter, "qti-base-value", {"base-type": "float"}).text = "0"


def manifest_xml(bank: Bank) -> str:
    manifest = ET.Element("manifest", {"xmlns": CP_NS, "identifier": f"MANIFEST-{bank.prefix}"})
    metadata = ET.SubElement(manifest, "metadata")
    ET.SubElement(metadata, "schema").text = "QTI Package"
    ET.SubElement(metadata, "schemaversion").text = "3.0.0"
    ET.SubElement(manifest, "organizations")
    resources = ET.SubElement(manifest, "resources")
    for case in bank.cases:
        href = f"stimuli/{case.id}.xml"
        resource = ET.SubElement(resources, "resource",
                                 {"identifier": case.id, "type": "imsqti_stimulus_xmlv3p0", "href": href})
        ET.SubElement(resource, "file", {"href": href})
    for q in bank.questions:
        href = f"items/{q.id}.xml"
        resource = ET.SubElement(resources, "resource",
                                 {"identifier": q.id, "type": "imsqti_item_xmlv3p0", "href": href})
        ET.SubElement(resource, "file", {"href": href})
        if q.case is not None:
            ET.SubElement(resource, "dependency", {"identifierref": q.case.id})
    ET.indent(manifest)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(manifest, encoding="unicode") + "\n"


def export_qti(bank: Bank) -> tuple[bytes, list[str]]:
    """(zip bytes of the content package, losses)."""
    losses: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest_xml(bank))
        for case in bank.cases:
            archive.writestr(f"stimuli/{case.id}.xml", stimulus_xml(case))
        for q in bank.questions:
            text, lost = calculated_item_xml(q) if q.type == "calculated" else item_xml(q)
            archive.writestr(f"items/{q.id}.xml", text)
            losses += lost
    return buffer.getvalue(), losses


ANSWER = "ANSWER"


def _template(item: ET.Element, identifier: str, base_type: str) -> None:
    ET.SubElement(item, "qti-template-declaration", {
        "identifier": identifier, "cardinality": "single", "base-type": base_type, "math-variable": "true",
        "param-variable": "true"})


def calculated_item_xml(q: Question) -> tuple[str, list[str]]:
    """A calculated question with QTI 3.0 template variables: each variable drawn on its grid
    (qti-random-integer, or an integer index times the step), the constraints as a
    qti-template-constraint, the key as a template variable and the correct response."""
    assert q.tolerance is not None and q.formula is not None
    losses = [f"{q.id} : nombres affichés par qti-printed-variable (format %.Nf, sans espaces ni virgule à la "
              "française)", f"{q.id} : explication non exportée en QTI (pas de retour d'information)"]
    item = ET.Element("qti-assessment-item", {
        "xmlns": NS, "identifier": q.id, "title": q.title, "adaptive": "false", "time-dependent": "false",
        "xml:lang": "fr",
    })
    ET.SubElement(item, "qti-response-declaration",
                  {"identifier": "RESPONSE", "cardinality": "single", "base-type": "float"})
    ET.SubElement(item, "qti-outcome-declaration",
                  {"identifier": "SCORE", "cardinality": "single", "base-type": "float"})
    expressions: dict[str, str] = {}
    tokens: dict[str, str] = {}
    decimals = {v.name: v.decimals for v in q.variables}
    stem = q.stem
    for found in placeholders(q.stem):
        if isinstance(found, str):
            continue
        if found.name is not None:
            token = f"QTIVAR{len(tokens)}X"
            tokens[token] = (f'<qti-printed-variable identifier="{found.name}" '
                             f'format="%.{decimals.get(found.name, 0)}f"/>')
        else:
            identifier = f"EXPR{len(expressions) + 1}"
            expressions[identifier] = found.expression or ""
            token = f"QTIVAR{len(tokens)}X"
            shown = found.decimals if found.decimals is not None else q.decimals
            tokens[token] = f'<qti-printed-variable identifier="{identifier}" format="%.{shown}f"/>'
        stem = stem.replace(found.text, token, 1)
    stem = stem.replace("{{", "{").replace("}}", "}")
    for variable in q.variables:
        whole = variable.min == variable.min.to_integral_value() and variable.step == variable.step.to_integral_value()
        _template(item, variable.name, "integer" if whole else "float")
        if not whole:
            _template(item, f"{variable.name}_index", "integer")
    for identifier in (ANSWER, *expressions):
        _template(item, identifier, "float")
    processing = ET.SubElement(item, "qti-template-processing")
    for variable in q.variables:
        whole = variable.min == variable.min.to_integral_value() and variable.step == variable.step.to_integral_value()
        if whole:
            target = ET.SubElement(processing, "qti-set-template-value", {"identifier": variable.name})
            ET.SubElement(target, "qti-random-integer", {
                "min": canonical(variable.min), "max": canonical(variable.min + (variable.count - 1) * variable.step),
                "step": canonical(variable.step)})
            continue
        index = ET.SubElement(processing, "qti-set-template-value", {"identifier": f"{variable.name}_index"})
        ET.SubElement(index, "qti-random-integer", {"min": "0", "max": str(variable.count - 1)})
        value = ET.SubElement(ET.SubElement(processing, "qti-set-template-value", {"identifier": variable.name}),
                              "qti-sum")
        ET.SubElement(value, "qti-base-value", {"base-type": "float"}).text = canonical(variable.min)
        product = ET.SubElement(value, "qti-product")
        ET.SubElement(product, "qti-variable", {"identifier": f"{variable.name}_index"})
        ET.SubElement(product, "qti-base-value", {"base-type": "float"}).text = canonical(variable.step)
    if q.constraints:
        constraint = ET.SubElement(processing, "qti-template-constraint")
        holder = ET.SubElement(constraint, "qti-and") if len(q.constraints) > 1 else constraint
        for text in q.constraints:
            qti_expression(text, holder, str)
    qti_expression(q.formula, ET.SubElement(processing, "qti-set-template-value", {"identifier": ANSWER}), str)
    for identifier, text in expressions.items():
        qti_expression(text, ET.SubElement(processing, "qti-set-template-value", {"identifier": identifier}),
                       lambda name: ANSWER if name == "answer" else name)
    correct = ET.SubElement(processing, "qti-set-correct-response", {"identifier": "RESPONSE"})
    ET.SubElement(correct, "qti-variable", {"identifier": ANSWER})
    if q.case is not None:
        ET.SubElement(item, "qti-assessment-stimulus-ref",
                      {"identifier": q.case.id, "href": f"../stimuli/{q.case.id}.xml", "title": q.case.title})
    body = ET.SubElement(item, "qti-item-body")
    _body(body, stem)
    paragraph = ET.SubElement(body, "p")
    ET.SubElement(paragraph, "qti-text-entry-interaction", {"response-identifier": "RESPONSE", "expected-length": "12"})
    if q.unit:
        ET.SubElement(paragraph, "span").text = f" {q.unit}"
    rules = ET.SubElement(ET.SubElement(item, "qti-response-processing"), "qti-response-condition")
    branch = ET.SubElement(rules, "qti-response-if")
    margin = canonical(q.tolerance.value)
    equal = ET.SubElement(branch, "qti-equal", {
        "tolerance-mode": "relative" if q.tolerance.relative else "absolute", "tolerance": f"{margin} {margin}",
        "include-lower-bound": "true", "include-upper-bound": "true"})
    ET.SubElement(equal, "qti-variable", {"identifier": "RESPONSE"})
    ET.SubElement(equal, "qti-variable", {"identifier": ANSWER})
    score = ET.SubElement(branch, "qti-set-outcome-value", {"identifier": "SCORE"})
    ET.SubElement(score, "qti-base-value", {"base-type": "float"}).text = "1"
    otherwise = ET.SubElement(ET.SubElement(rules, "qti-response-else"), "qti-set-outcome-value",
                              {"identifier": "SCORE"})
    ET.SubElement(otherwise, "qti-base-value", {"base-type": "float"}).text = "0"
    ET.indent(item)
    text = ET.tostring(item, encoding="unicode")
    for token, element in tokens.items():
        text = text.replace(token, element)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n", losses

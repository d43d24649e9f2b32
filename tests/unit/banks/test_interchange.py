"""Round trips through Moodle XML and GIFT, and QTI packages that carry the right answers."""

import io
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from quiz.banks import parse_bank
from quiz.banks.exporting import convert_text
from quiz.banks.gift import export_gift, import_gift
from quiz.banks.model import Question
from quiz.banks.moodle import export_moodle, import_moodle
from quiz.banks.qti import export_qti
from quiz.banks.render import render_markdown
from quiz.referential import load_referential
from tests.helpers import FIXTURES
from tests.unit.banks.banktext import VALID
from tests.unit.banks.strategies import banks

REF = load_referential()
BANK = parse_bank(VALID, "01-analyse-financiere.md", REF)[0]
QTI = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"


def back(text: str, kind: str):
    conversion = convert_text(text, kind, prefix="AF", thematic=1, referential=REF)
    bank, problems = parse_bank(conversion.markdown, "01-analyse-financiere.md", REF)
    assert problems == [], conversion.markdown
    return bank, [loss for e in conversion.entries for loss in e.losses]


def rendered(q: Question) -> Question:
    """The question with its texts as rendered HTML: equal when candidates would see the same."""
    return replace(
        q, stem=render_markdown(q.stem), explanation=render_markdown(q.explanation),
        choices=tuple(replace(c, text=render_markdown(c.text), feedback=c.feedback and render_markdown(c.feedback))
                      for c in q.choices),
    )


def test_moodle_round_trip_keeps_every_type_exactly():
    bank, losses = back(export_moodle(BANK)[0], "xml")
    assert losses == []
    assert bank.questions == BANK.questions


def test_gift_round_trip_keeps_every_type_gift_holds():
    text, losses = export_gift(BANK)
    assert any("AF-005" in loss and "ordering" in loss for loss in losses)
    bank, losses = back(text, "gift")
    assert losses == []
    expected = [q for q in BANK.questions if q.type != "ordering"]
    assert [rendered(q) for q in bank.questions] == [rendered(q) for q in expected]


def test_gift_exports_tables_as_html_and_escapes_special_characters():
    text, _ = export_gift(BANK)
    assert "[html]<table>" in text
    assert "850 / 2 000 \\= 42,5 %." in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks(max_questions=4))
def test_generated_banks_survive_moodle_and_gift(bank):
    moodle, _ = back(export_moodle(bank)[0], "xml")
    assert moodle.questions == bank.questions
    exported = [q for q in bank.questions if q.type != "ordering"]  # GIFT cannot hold ordering
    members = Counter(q.case.id for q in exported if q.case)
    seen: Counter[str] = Counter()
    expected = []
    for q in exported:  # a case's remaining questions are numbered again from 1 (its ordering ones are left out)
        if q.case and members[q.case.id] > 1:
            seen[q.case.id] += 1
            expected.append(rendered(replace(q, case_position=seen[q.case.id])))
        else:
            expected.append(rendered(q if not q.case else
                                     replace(q, case=None, case_position=0, stem=q.case.text + "\n\n" + q.stem)))
    if expected:
        gift, _ = back(export_gift(bank)[0], "gift")
        assert [rendered(q) for q in gift.questions] == expected


def test_moodle_import_converts_html_and_lists_what_it_cannot():
    xml = """<?xml version="1.0"?><quiz>
    <question type="category"><category><text>$course$/top/Flux</text></category></question>
    <question type="multichoice"><name><text>Q1</text></name>
      <questiontext format="html"><text><![CDATA[<p>Quel <strong>moyen</strong> ?</p>
      <img src="@@PLUGINFILE@@/a.png" alt="">]]></text></questiontext>
      <single>true</single>
      <answer fraction="100" format="html"><text>Virement</text></answer>
      <answer fraction="0" format="html"><text>Chèque</text></answer>
    </question>
    <question type="essay"><name><text>Libre</text></name>
      <questiontext format="html"><text>x</text></questiontext></question>
    </quiz>"""
    conversion = convert_text(xml, "xml", prefix="FL", thematic=2, referential=REF)
    markdown = conversion.markdown
    assert "## FL-001 · Q1" in markdown and "Quel **moyen** ?" in markdown
    q1, essay = conversion.entries
    assert essay.status == "refused" and "essay" in essay.losses[0]
    assert q1.status == "lossy" and any("a.png" in loss for loss in q1.losses)
    assert any("sans texte alternatif" in loss for loss in q1.losses)
    assert any("explication absente" in item for item in q1.todo)
    assert conversion.summary() == "2 questions read, 1 converted, 1 refused, 1 converted with losses"


def test_gift_import_of_hand_written_questions():
    gift = """// [id:FL-010] [tag:difficulty:3]
::Capitale::Quelle est la capitale ? {=Paris ~Lyon#Non ~Marseille}

::Vrai::Le ciel est bleu.{T}

::Nombre::Combien ?{#12:0.5}

::Mot manquant::Le {=chat} dort.
"""
    _title, drafts, errors = import_gift(gift)
    assert errors == []
    assert [d.type for d in drafts] == ["single", "truefalse", "numeric", "short"]
    assert drafts[0].source_id == "FL-010" and drafts[0].meta["difficulty"] == 3
    assert drafts[0].choices[1] == ("Lyon", 0, "Non")
    assert drafts[3].stem == r"Le \_\_\_\_\_ dort." and drafts[3].choices == [("chat", 100, None)]


def test_broken_inputs_are_reported_not_raised():
    assert import_moodle("<quiz><question")[2][0].startswith("XML illisible")
    conversion = convert_text("::Q:: Unclosed {=a ~b", "gift", prefix="AF", thematic=1, referential=REF)
    assert conversion.markdown is None and conversion.entries[0].status == "refused"
    assert conversion.exit_code == 1


def test_qti_package_is_well_formed_with_the_right_correct_responses():
    data, losses = export_qti(BANK)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert "imsmanifest.xml" in names
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    hrefs = [r.get("href") for r in manifest.iter() if r.tag.endswith("resource")]
    assert hrefs == [f"items/{q.id}.xml" for q in BANK.questions] and set(hrefs) <= names
    correct = {}
    for q in BANK.questions:
        item = ET.fromstring(archive.read(f"items/{q.id}.xml"))
        assert item.get("identifier") == q.id
        correct[q.id] = [v.text for v in item.iter(f"{QTI}qti-value")]
    assert correct["AF-001"] == ["b"]
    assert correct["AF-002"] == ["a", "b"]
    assert correct["AF-003"] == ["true"]
    assert correct["AF-004"] == ["42.5"]
    assert correct["AF-005"] == [i.id for i in BANK.question("AF-005").items]
    assert correct["AF-006"] == [f"L_{p.left_id} R_{p.right_id}" for p in BANK.question("AF-006").pairs]
    assert any("explication" in loss for loss in losses)


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_exports_are_deterministic(fmt):
    export = export_moodle if fmt == "moodle" else export_gift
    assert export(BANK) == export(BANK)


NEW_TYPES = parse_bank((FIXTURES / "case-bank.md").read_text(encoding="utf-8"), "01-analyse-financiere.md")[0]


def test_qti_holds_weights_short_answers_further_values_and_shared_stimuli():
    data, losses = export_qti(NEW_TYPES)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    resources = {r.get("identifier"): r for r in manifest.iter() if r.tag.endswith("resource")}
    assert resources["AF-050"].get("type") == "imsqti_stimulus_xmlv3p0"
    assert [d.get("identifierref") for d in resources["AF-051"] if d.tag.endswith("dependency")] == ["AF-050"]
    stimulus = ET.fromstring(archive.read("stimuli/AF-050.xml"))
    assert stimulus.tag == f"{QTI}qti-assessment-stimulus" and "Dupont" in ET.tostring(stimulus, encoding="unicode")
    item = ET.fromstring(archive.read("items/AF-051.xml"))
    ref = item.find(f"{QTI}qti-assessment-stimulus-ref")
    children = [c.tag.removeprefix(QTI) for c in item]
    assert ref.get("href") == "../stimuli/AF-050.xml"
    assert children.index("qti-assessment-stimulus-ref") < children.index("qti-item-body")
    short = ET.fromstring(archive.read("items/AF-052.xml"))
    entries = {e.get("map-key"): e.get("mapped-value") for e in short.iter(f"{QTI}qti-map-entry")}
    assert entries == {"cycle": "1", "vélo": "0.5"}
    assert short.find(f".//{QTI}qti-text-entry-interaction") is not None
    weighted = ET.fromstring(archive.read("items/AF-053.xml"))
    assert [e.get("mapped-value") for e in weighted.iter(f"{QTI}qti-map-entry")] == ["0", "0.5", "1"]
    assert any("AF-052" in loss and "normalisation" in loss for loss in losses)


def test_moodle_and_gift_round_trip_the_new_types():
    for export, kind in ((export_moodle, "xml"), (export_gift, "gift")):
        conversion = convert_text(export(NEW_TYPES)[0], kind, prefix="AF", thematic=1, referential=REF)
        assert conversion.exit_code == 0, conversion.lines()
        bank, problems = parse_bank(conversion.markdown, "01-analyse-financiere.md", REF)
        assert problems == [] and bank.questions == NEW_TYPES.questions

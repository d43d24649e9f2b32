"""Moodle XML import: embedded images, settings that change grading, and what is never silent."""

import base64

from quiz.banks import parse_bank
from quiz.banks.exporting import convert_text

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


def convert(questions: str):
    xml = ('<?xml version="1.0" encoding="UTF-8"?><quiz><question type="category"><category><text>'
           "$course$/top/Finance/Ratios</text></category></question>" + questions + "</quiz>")
    return convert_text(xml, "xml", prefix="AF", thematic=1)


def question(qtype: str, body: str, stem: str = "Énoncé ?", extra: str = "") -> str:
    return (f'<question type="{qtype}"><name><text>Q</text></name><questiontext format="html"><text><![CDATA['
            f"{stem}]]></text>{extra}</questiontext><generalfeedback format=\"html\"><text>Parce que.</text>"
            f"</generalfeedback><idnumber>moodle-7</idnumber>{body}</question>")


CHOICES = ('<single>true</single><answer fraction="100"><text>Oui</text></answer>'
           '<answer fraction="0"><text>Non</text></answer>')


def test_embedded_images_are_written_to_assets_with_their_alt_text():
    conversion = convert(question("multichoice", CHOICES, '<p>Bilan :</p><img src="@@PLUGINFILE@@/bilan%20simple.png" '
                                  'alt="Bilan simplifié">', f'<file name="bilan simple.png" path="/" encoding="base64">'
                                  f"{PNG}</file>"))
    (name,) = conversion.assets
    assert conversion.assets[name].startswith(b"\x89PNG") and name.startswith("bilan-simple-")
    assert f"![Bilan simplifié](assets/{name})" in conversion.markdown
    assert conversion.entries[0].status == "converted"


def test_an_image_without_alt_text_is_reported():
    conversion = convert(question("multichoice", CHOICES, '<img src="@@PLUGINFILE@@/a.png">',
                                  f'<file name="a.png" path="/" encoding="base64">{PNG}</file>'))
    entry = conversion.entries[0]
    assert entry.status == "lossy" and any("sans texte alternatif" in loss for loss in entry.losses)


def test_idnumber_category_and_tags_are_kept():
    conversion = convert(question("multichoice", CHOICES + "<tags><tag><text>bfr</text></tag></tags>"))
    bank, problems = parse_bank(conversion.markdown, "01-analyse-financiere.md")
    assert problems == []
    q = bank.questions[0]
    assert q.source_id == "moodle-7" and q.tags == ("bfr", "catégorie:Finance/Ratios")


def test_settings_that_change_grading_are_refused_naming_the_setting():
    units = ('<answer fraction="100"><text>3</text><tolerance>0</tolerance></answer><units><unit><multiplier>1'
             "</multiplier><unit_name>m</unit_name></unit><unit><multiplier>0.001</multiplier><unit_name>km"
             "</unit_name></unit></units>")
    ordering = ('<layouttype>VERTICAL</layouttype><selecttype>ALL</selecttype><selectcount>0</selectcount>'
                '<gradingtype>ABSOLUTE_POSITION</gradingtype><answer fraction="1"><text>A</text></answer>'
                '<answer fraction="2"><text>B</text></answer><answer fraction="3"><text>C</text></answer>')
    conversion = convert(question("numerical", units) + question("ordering", ordering)
                         + question("calculated", "") + question("multichoice", '<single>true</single><answer '
                                                             'fraction="50"><text>a</text></answer><answer '
                                                             'fraction="0"><text>b</text></answer>'))
    reasons = [e.losses[0] for e in conversion.entries]
    assert [e.status for e in conversion.entries] == ["refused"] * 4
    assert "km" in reasons[0] and "ABSOLUTE_POSITION" in reasons[1] and "calculée" in reasons[2]
    assert "100 %" in reasons[3]
    assert conversion.markdown is None and conversion.exit_code == 1


def test_what_is_not_carried_over_is_listed():
    body = (CHOICES + "<defaultgrade>2</defaultgrade><hint><text>Relisez.</text></hint>"
            "<correctfeedback><text>Bravo</text></correctfeedback><image>vieux.gif</image>")
    entry = convert(question("multichoice", body)).entries[0]
    losses = " | ".join(entry.losses)
    assert entry.status == "lossy"
    assert "note par défaut 2" in losses and "indice" in losses and "vieux.gif" in losses


def test_truefalse_feedback_goes_to_the_explanation():
    body = ('<answer fraction="100"><text>true</text><feedback><text>Exact.</text></feedback></answer>'
            '<answer fraction="0"><text>false</text><feedback><text>Non.</text></feedback></answer>')
    conversion = convert(question("truefalse", body))
    assert "Exact." in conversion.markdown and "Non." in conversion.markdown
    assert conversion.exit_code == 0


def test_unreadable_files_exit_2_and_an_xml_bomb_is_refused():
    assert convert_text("<quiz><question", "xml", prefix="AF", thematic=1).exit_code == 2
    bomb = ('<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
            "<quiz><question type=\"shortanswer\"><name><text>&b;</text></name></question></quiz>")
    conversion = convert_text(bomb, "xml", prefix="AF", thematic=1)
    assert conversion.exit_code == 2 and conversion.errors


def test_a_flat_category_is_the_title_or_else_a_tag():
    xml = ('<?xml version="1.0"?><quiz><question type="category"><category><text>$course$/top/Bilan</text>'
           "</category></question>" + question("multichoice", CHOICES) + "</quiz>")
    alone = convert_text(xml, "xml", prefix="AF", thematic=1)
    assert "title: Bilan" in alone.markdown and "catégorie:" not in alone.markdown
    into = convert_text(xml, "xml", prefix="AF", thematic=1, title="Analyse financière")
    assert 'tags: ["catégorie:Bilan"]' in into.markdown

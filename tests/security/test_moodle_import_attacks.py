"""Hostile Moodle files: entity bombs, external entities, markup in names and texts."""

from __future__ import annotations

import io

from quiz.banks import parse_bank
from quiz.banks.exporting import convert_text
from quiz.banks.render import render_markdown

XXE = ('<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<quiz><question type="shortanswer"><name><text>&x;</text></name></question></quiz>')
HOSTILE = """<?xml version="1.0"?><quiz><question type="multichoice">
<name><text>&lt;script&gt;alert(1)&lt;/script&gt;</text></name>
<questiontext format="html"><text><![CDATA[<p onclick="alert(2)">Quel <script>alert(3)</script> ratio ?</p>
<a href="javascript:alert(4)">lien</a><img src="https://evil.example/x.png" alt="x">]]></text></questiontext>
<generalfeedback format="html"><text>Parce que.</text></generalfeedback>
<single>true</single>
<answer fraction="100"><text><![CDATA[<iframe src="https://evil.example"></iframe>Oui]]></text></answer>
<answer fraction="0"><text>Non</text></answer></question></quiz>"""


def test_external_entities_are_never_resolved():
    conversion = convert_text(XXE, "xml", prefix="AF", thematic=1)
    assert conversion.exit_code == 2 and conversion.markdown is None
    assert "root:" not in " ".join(conversion.errors)


def test_markup_in_a_moodle_file_never_reaches_a_page_as_markup():
    conversion = convert_text(HOSTILE, "xml", prefix="AF", thematic=1)
    assert parse_bank(conversion.markdown, "01-analyse-financiere.md")[1] == []
    html = render_markdown(conversion.markdown.split("```", 2)[2])
    for needle in ("<script", "onclick", "javascript:", "<iframe", "evil.example"):
        assert needle not in html


def test_the_workshop_report_escapes_what_the_file_says(client, login, make_user, app, tmp_path):
    app.config["QUESTION_BANKS_DIR"] = str(tmp_path)
    login(client, make_user(roles=("trainer",)))
    page = client.post("/atelier/import-moodle", data={"file": (io.BytesIO(HOSTILE.encode()), "x.xml")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

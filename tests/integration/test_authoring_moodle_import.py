"""The workshop's Moodle import: upload, read the report, choose the bank, find the questions in
its draft with new ids (never one already used)."""

from __future__ import annotations

import base64
import io
import re

from quiz.authoring.service import draft_of
from quiz.banks import parse_bank
from tests.integration.test_authoring_workshop import FILE, banks_dir, trainer  # noqa: F401 (fixtures)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8).decode()
XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Finance/Ratios</text></category></question>
  <question type="multichoice">
    <name><text>Ratio de liquidité</text></name>
    <questiontext format="html"><text><![CDATA[<p>Le ratio de <b>liquidité générale</b> rapporte :</p>
      <img src="@@PLUGINFILE@@/ratio.png" alt="Formule du ratio">]]></text>
      <file name="ratio.png" path="/" encoding="base64">{PNG}</file></questiontext>
    <generalfeedback format="html"><text>Actif circulant / dettes à court terme.</text></generalfeedback>
    <idnumber>AF-001</idnumber>
    <single>true</single>
    <answer fraction="100"><text>l'actif circulant aux dettes à court terme</text></answer>
    <answer fraction="50"><text>l'actif circulant au passif</text></answer>
    <answer fraction="0"><text>les capitaux propres au total du bilan</text></answer>
  </question>
  <question type="essay"><name><text>Rédaction</text></name>
    <questiontext format="html"><text>Commentez.</text></questiontext></question>
</quiz>
"""


def upload(client, data: bytes, name: str):
    return client.post("/atelier/import-moodle", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_report_then_destination(client, login, trainer, banks_dir):  # noqa: F811
    login(client, trainer)
    assert "Importer une banque Moodle" in client.get("/atelier/banques").get_data(as_text=True)
    page = upload(client, XML.encode(), "export.xml").get_data(as_text=True)
    assert "2 questions lues" in page and "1 convertie" in page and "1 refusée" in page
    assert "question ouverte (essay)" in page and "AF-001" in page
    source = re.search(r'<textarea name="source" hidden aria-hidden="true">(.*?)</textarea>', page, re.S)[1]
    response = client.post("/atelier/import-moodle/destination",
                           data={"kind": "xml", "filename": "export.xml", "source": _unescape(source), "thematic": 1})
    assert response.status_code == 302 and response.headers["Location"].endswith("/atelier/banques/1")
    draft = draft_of(1)
    bank, problems = parse_bank(draft.text, FILE)
    assert problems == [], draft.text
    *before, imported = bank.questions
    highest = max(int(q.id.split("-")[1]) for q in before)
    assert imported.id == f"AF-{highest + 1:03d}", "an id in use is never given again"
    assert imported.source_id == "AF-001"
    assert imported.weighted and imported.title == "Ratio de liquidité"
    (image,) = (banks_dir / "assets").iterdir()
    assert f"assets/{image.name}" in imported.stem


def test_upload_refusals(client, login, trainer):  # noqa: F811
    login(client, trainer)
    assert "export Moodle" in upload(client, b"x", "banque.md").get_data(as_text=True)
    assert "non UTF-8" in upload(client, "é".encode("latin-1"), "a.gift").get_data(as_text=True)
    page = upload(client, b"<quiz><question", "a.xml").get_data(as_text=True)
    assert "XML illisible" in page and "Ajouter" not in page


def _unescape(text: str) -> str:
    import html
    return html.unescape(text)

"""What a hostile bank author tries: a YAML bomb, a page-wide overlay, images reaching other
URLs, raw HTML hidden from the checker, Markdown that takes seconds to render."""

from __future__ import annotations

import json

import pytest

from quiz.banks import parser as bank_parser
from quiz.banks.checker import MAX_BANK_CHARS, check_banks
from quiz.banks.parser import parse_bank
from quiz.banks.render import render_inline, render_markdown
from quiz.referential import load_referential
from tests.security.conftest import active_content, parse_html
from tests.unit.banks.banktext import SINGLE, TRUEFALSE, bank, line_of

FILE = "01-analyse-financiere.md"
LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
tags: *g"""


def problems_of(text: str):
    return parse_bank(text, FILE, load_referential())[1]


def with_stem(stem: str) -> str:
    return bank(SINGLE.replace("Quel est le BFRE ?", stem), TRUEFALSE)


# -- 2. YAML « billion laughs » ---------------------------------------------------------------------


def test_anchors_and_aliases_are_refused_in_question_metadata_at_their_line():
    text = bank(SINGLE.replace("tags: [bfr]", "tags: [bfr]\n" + LAUGHS.replace("tags: *g", "")), TRUEFALSE)
    problems = problems_of(text)
    assert [p for p in problems if "alias" in p.message and p.line == line_of(text, 'a: &a ["lol"')], problems
    assert all(len(p.message) < 700 for p in problems)


def test_anchors_and_aliases_are_refused_in_the_front_matter():
    text = bank(SINGLE, TRUEFALSE).replace("prefix: AF\n", "prefix: &p AF\nalias: *p\n", 1)
    problems = problems_of(text)
    assert [p for p in problems if "alias" in p.message and p.line == 3], problems


def test_a_quoted_value_is_cut_in_messages():
    text = bank(SINGLE.replace("type: single", "type: " + "x" * 200_000), TRUEFALSE)
    problems = problems_of(text)
    assert problems and all(len(p.message) < 700 for p in problems), [len(p.message) for p in problems]
    assert any("x" * 60 + "…" in p.message for p in problems)


def test_a_bank_too_long_is_refused_before_it_is_parsed(monkeypatch):
    calls = []
    monkeypatch.setattr("quiz.banks.checker.BankParser", lambda *a: calls.append(a))
    checked = check_banks({FILE: "x" * (MAX_BANK_CHARS + 1)}, load_referential(), require_all_thematics=False)
    assert not calls and [p.line for p in checked.problems] == [1] and "trop longue" in checked.problems[0].message


def test_a_text_full_of_problems_lists_a_bounded_number_of_them():
    from quiz.banks.checker import MAX_PROBLEMS_PER_FILE

    text = bank(SINGLE, TRUEFALSE) + "\n".join(f"## AF-{n:03d} titre sans séparateur\n" for n in range(100, 2000))
    problems = check_banks({FILE: text}, load_referential(), require_all_thematics=False).problems
    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    assert any("autres problèmes" in p.message for p in problems)


@pytest.fixture
def trainer_client(app, client, login, make_user, tmp_path):
    directory = tmp_path / "question_banks"
    directory.mkdir()
    app.config["QUESTION_BANKS_DIR"] = str(directory)
    login(client, make_user(roles=("trainer",)))
    return client


def test_the_live_validation_answers_a_yaml_bomb_briefly(trainer_client):
    text = bank(SINGLE.replace("tags: [bfr]", LAUGHS), TRUEFALSE)
    response = trainer_client.post("/atelier/banques/1/validation", json={"text": text})
    assert response.status_code == 200
    assert len(response.data) < 5_000, len(response.data)
    assert any("alias" in p["message"] for p in response.get_json()["problems"])


def test_a_saved_bomb_does_not_slow_the_bank_list(trainer_client):
    text = bank(SINGLE.replace("tags: [bfr]", LAUGHS), TRUEFALSE)
    assert trainer_client.post("/atelier/banques/1", data={"text": text, "action": "save"}).status_code in (200, 302)
    page = trainer_client.get("/atelier/banques")
    assert page.status_code == 200 and len(page.data) < 200_000


def test_the_live_validation_of_a_huge_text_is_refused_in_one_line(trainer_client):
    body = json.dumps({"text": "## AF-001 · x\n" + "y" * (MAX_BANK_CHARS + 10)})
    response = trainer_client.post("/atelier/banques/1/validation", data=body, content_type="application/json")
    problems = response.get_json()["problems"]
    assert len(problems) == 1 and "trop longue" in problems[0]["message"]


# -- 5. classes that cover the page ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    '<code class="language-x position-fixed top-0 start-0 w-100 h-100 z-3">x</code>',
    '<code class="language-x&#32;position-fixed">x</code>',
    "```python position-fixed\ncode\n```",
    '<code class="language-">x</code>',
    '<code class="language-x\tz-3">x</code>',
])
def test_only_a_single_language_class_survives(payload):
    for tag, attrs in parse_html(render_markdown(payload)).tags:
        if "class" in attrs:
            assert tag == "code" and bank_parser.re.fullmatch(r"language-[A-Za-z0-9_-]+", attrs["class"]), attrs


def test_a_fenced_block_keeps_its_language_class():
    assert '<code class="language-python">' in render_markdown("```python\nx = 1\n```")


# -- 6. images pointing elsewhere on the site -----------------------------------------------------------------

HOSTILE_SOURCES = [
    "assets/%2e%2e/%2e%2e/attempts/28?mode=all",
    "assets/%2E%2E/admin/users",
    "assets/..%2f..%2fadmin",
    "assets/&#46;&#46;/&#46;&#46;/attempts/28",
    "assets/a.png?mode=all",
    "assets/a.png#x",
    "assets/./../x.png",
    "assets/../attempts/1",
    "assets//attempts",
    "assets/%2fattempts",
    "assets/a%00.png",
    "assets/a.png%3fmode=all",
    "assets\\..\\x.png",
    "/attempts/28",
    "//evil.example/x.png",
]


@pytest.mark.parametrize("src", HOSTILE_SOURCES)
def test_an_image_source_that_is_not_a_plain_asset_path_is_refused_by_the_checker(src):
    problems = problems_of(with_stem(f"Quel est le BFRE ? ![graphique]({src})"))
    assert [p for p in problems if "non permise" in p.message], (src, problems)


@pytest.mark.parametrize("src", HOSTILE_SOURCES)
@pytest.mark.parametrize("form", ["![graphique]({src})", '<img src="{src}" alt="graphique">'])
def test_the_renderer_drops_it_in_markdown_and_in_html(src, form):
    html = render_markdown(form.format(src=src))
    images = [attrs for tag, attrs in parse_html(html).tags if tag == "img"]
    assert not images, (src, html)


def test_a_plain_asset_path_is_kept_in_markdown_and_in_html():
    for form in ("![graphique](assets/bilan-2024.png)", '<img src="assets/bilan-2024.png" alt="graphique">'):
        assert 'src="/banks/assets/bilan-2024.png"' in render_markdown(form)
    assert 'src="/banks/assets/sub/x_1.png"' in render_inline("![a](assets/sub/x_1.png)")


# -- 7. raw HTML hidden from the checker's pattern ----------------------------------------------------------------

HIDDEN_HTML = [
    r"\`<b onclick=alert(1)>gras</b>\`",
    r"Voir \`<img src=x onerror=alert(1)>\` ici",
    "Texte <span\nclass=x>coupé</span>",
    "<details open>\n<summary>voir</summary>\n</details>",
]


@pytest.mark.parametrize("stem", HIDDEN_HTML)
def test_the_raw_html_rule_sees_what_the_renderer_sees(stem):
    text = with_stem(stem)
    problems = [p for p in problems_of(text) if "HTML brut" in p.message]
    first_line = line_of(text, stem.splitlines()[0])
    assert problems and problems[0].line == first_line, problems


@pytest.mark.parametrize("stem", [
    "Un code `<b>` en ligne est permis, et `a < b` aussi.",
    "Les entités &amp; et &eacute; sont du texte, comme <https://example.org>.",
    "```html\n<b>bloc de code</b>\n```",
])
def test_code_entities_and_autolinks_are_not_raw_html(stem):
    assert not [p for p in problems_of(with_stem(stem)) if "HTML brut" in p.message]


# -- 8. Markdown whose rendering is quadratic ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["[" * 9000, "![" * 3000, "<a " * 3000, "[x](" * 2000, "*_" * 20000,
                                     "<http://a" * 2000, "![" * 60 + "x" * 200_000, ">" * 5000])
def test_markup_too_costly_to_render_is_refused_before_rendering(payload, monkeypatch):
    rendered = []
    real = bank_parser.raw_html
    monkeypatch.setattr(bank_parser, "raw_html", lambda md: rendered.append(md) or real(md))
    text = with_stem(payload)
    problems = [p for p in problems_of(text) if "trop coûteux" in p.message]
    assert problems and problems[0].line == line_of(text, payload[:30]), problems
    assert str(problems[0]).startswith(f"{FILE}:{problems[0].line}: AF-001: ")
    assert not [md for md in rendered if payload[:300] in md]  # the checker never renders it


def test_ordinary_brackets_and_comparisons_are_fine():
    stem = " ".join(["[lien](https://example.org) a < b"] * 50)
    assert not [p for p in problems_of(with_stem(stem)) if "trop coûteux" in p.message]


def test_no_hostile_payload_of_this_file_renders_active_content():
    for payload in [*HIDDEN_HTML, *(f"![a]({s})" for s in HOSTILE_SOURCES)]:
        assert not active_content(render_markdown(payload), allowed_image_prefixes=("/banks/assets/",))

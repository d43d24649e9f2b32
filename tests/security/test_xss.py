"""Cross-site scripting: bank Markdown, assessor comments and people's names are rendered inert."""

from __future__ import annotations

import html

import pytest

from quiz.banks.render import render_inline, render_markdown
from tests.security.conftest import active_content, client_as, page_scripts_are_external

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<img src=assets/ok.png onerror=alert(1)>",
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">survol</div>',
    '<a href="javascript:alert(1)">clic</a>',
    '<a href="JaVaScRiPt:alert(1)">clic</a>',
    '<a href="jav&#x09;ascript:alert(1)">clic</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entités</a>',
    '<a href="  javascript:alert(1)">espaces</a>',
    "[lien](javascript:alert(1))",
    "[lien](JAVASCRIPT:alert(1))",
    "[lien](javascript&#58;alert(1))",
    '[lien](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    "![image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![image](javascript:alert(1))",
    "![image](https://evil.example/pixel.png)",
    "![image](assets/../../etc/passwd)",
    '<svg onload="alert(1)"><circle r="10"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<form action="https://evil.example"><input name=mdp></form>',
    '<style>body { display: none }</style>',
    '<p style="background:url(javascript:alert(1))">style</p>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '<details open ontoggle="alert(1)">x</details>',
    '<input autofocus onfocus="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "<!--<img src=x onerror=alert(1)>-->",
    '```html\n<script>alert(1)</script>\n```',
    "`<script>alert(1)</script>`",
    '| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |',
    "> <a href='javascript:alert(1)'>citation</a>",
    '<a href="vbscript:msgbox(1)">vb</a>',
    '"><script>alert(1)</script>',
    "<a href=\"java\nscript:alert(1)\">saut</a>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("render", [render_markdown, render_inline])
def test_bank_markdown_is_rendered_inert(payload, render):
    out = render(f"Énoncé avant.\n\n{payload}\n\nÉnoncé après.")
    assert active_content(out, allowed_image_prefixes=("/banks/assets/",)) == [], out
    assert "Énoncé après." in out  # the rest of the text survives


def test_local_images_and_ordinary_links_still_work():
    out = render_markdown("![Bilan](assets/bilan.png) et [la source](https://www.legifrance.gouv.fr/)")
    assert '<img alt="Bilan" src="/banks/assets/bilan.png"' in out or 'src="/banks/assets/bilan.png"' in out
    assert 'href="https://www.legifrance.gouv.fr/"' in out and 'rel="noopener noreferrer"' in out


NAME = '<img src=x onerror=alert("nom")>'
COMMENT = '<script>alert("commentaire")</script><a href="javascript:alert(2)">x</a>'


@pytest.fixture
def hostile(app, make_user, clock):
    from tests.security.world import build_world, grade_with_evidence

    world = build_world(make_user, clock)
    candidate = make_user(first_name=NAME, last_name='"><svg onload=alert(1)>', cohort="Promotion <b>XSS</b>")
    grade_with_evidence(candidate, world.users["assessor"], comment=COMMENT)
    return world, candidate


def test_hostile_names_and_comments_are_escaped_on_every_page_that_shows_them(app, hostile):
    world, candidate = hostile
    admin = client_as(app, world.users["admin"])
    assessor = client_as(app, world.users["assessor"])
    pages = [
        (admin, "/admin/users"), (admin, f"/admin/users/{candidate.id}"), (admin, "/admin/audit/"),
        (admin, "/manage/accommodations"), (assessor, "/registre/jury"),
        (assessor, f"/registre/candidats/{candidate.id}"), (assessor, f"/evaluation/candidats/{candidate.id}/E5"),
        (client_as(app, candidate), "/"), (client_as(app, candidate), "/registre/"),
    ]
    failures = []
    for client, path in pages:
        try:
            response = client.get(path)
        except Exception as exc:  # report every page at once
            failures.append(f"{path}: raised {type(exc).__name__}: {exc}")
            continue
        body = response.get_data(as_text=True)
        if response.status_code != 200:
            failures.append(f"{path}: {response.status_code}")
            continue
        failures += [f"{path}: {p}" for p in page_scripts_are_external(body)]
        for raw in (NAME, "<svg onload", "<script>alert(\"commentaire\")", "<b>XSS</b>"):
            if raw in body:
                failures.append(f"{path}: raw {raw!r}")
    assert not failures, failures
    ledger = assessor.get(f"/registre/candidats/{candidate.id}").get_data(as_text=True)
    assert COMMENT not in ledger and COMMENT in html.unescape(ledger)  # shown as text, not as markup

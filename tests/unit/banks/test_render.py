from quiz.banks.render import render_inline, render_markdown


def test_tables_lists_and_code_render():
    html = render_markdown("| a | b |\n|--:|---|\n| 1 | 2 |\n\n1. un\n2. deux\n\n```python\nx = 1\n```")
    assert '<th align="right">a</th>' in html and "<ol>" in html
    assert '<code class="language-python">x = 1' in html


def test_dangerous_html_is_removed():
    html = render_markdown('<script>alert(1)</script><b onclick="x()">gras</b> [l](javascript:alert(1))')
    assert "script" not in html and "onclick" not in html and "javascript" not in html
    assert "<b>gras</b>" in html


def test_images_only_local_assets_with_alt():
    html = render_markdown("![Bilan](assets/bilan.png) ![x](https://e.org/x.png) ![y](assets/../secret.png)")
    assert '<img alt="Bilan" src="/banks/assets/bilan.png">' in html
    assert "e.org" not in html and "secret" not in html
    assert 'src="/static/b.png"' in render_markdown("![B](assets/b.png)", asset_base="/static/")


def test_inline_drops_the_single_paragraph():
    assert render_inline("240 **k€**") == "240 <strong>k€</strong>"

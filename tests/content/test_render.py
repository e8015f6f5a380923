"""Rendering lesson markdown: headings and contents, callouts, tables, footnotes, pictures, glossary."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from literacy.content import render_inline, render_markdown
from literacy.content.render import CALLOUT_KINDS


def html(text: str, **kwargs: object) -> str:
    return render_markdown(text, **kwargs).html  # type: ignore[arg-type]


def test_headings_get_ids_and_a_table_of_contents_for_h2_and_h3() -> None:
    rendered = render_markdown("## Rules\n\ntext\n\n### Fixed rules\n\n#### Detail\n\n## Rules\n")
    assert '<h2 id="rules">Rules</h2>' in rendered.html
    assert '<h3 id="fixed-rules">Fixed rules</h3>' in rendered.html
    assert '<h4 id="detail">Detail</h4>' in rendered.html
    assert '<h2 id="rules_1">Rules</h2>' in rendered.html  # unique ids
    assert 'href="#fixed-rules"' in rendered.toc_html and "#detail" not in rendered.toc_html
    assert rendered.toc_html.startswith('<div class="toc">')
    assert "¶" not in rendered.html  # no permalinks


def test_a_level_one_heading_moves_every_heading_down() -> None:
    rendered = render_markdown("# Top\n\n## Sub\n\nSetext\n======\n")
    assert "<h1" not in rendered.html
    assert '<h2 id="top">Top</h2>' in rendered.html and '<h3 id="sub">Sub</h3>' in rendered.html
    assert '<h2 id="setext">Setext</h2>' in rendered.html


def test_no_headings_no_table_of_contents() -> None:
    assert render_markdown("Just a paragraph.").toc_html == ""


def test_callouts_with_default_and_own_titles() -> None:
    out = html('!!! practice\n    Do it.\n\n!!! tip "Remember"\n    This.\n\n!!! note ""\n    No title.\n')
    assert '<div class="admonition practice">\n<p class="admonition-title">In practice</p>' in out
    assert '<p class="admonition-title">Remember</p>' in out
    assert '<div class="admonition note">\n<p>No title.</p>' in out
    for kind in CALLOUT_KINDS:
        assert f'<div class="admonition {kind}">' in html(f"!!! {kind}\n    Text.\n")


def test_callout_titles_in_welsh() -> None:
    out = html("!!! warning\n    Gofal.\n\n!!! practice\n    Gwnewch.\n", language="cy")
    assert "<p class=\"admonition-title\">Rhybudd</p>" in out and "Yn ymarferol" in out
    assert "Warning" in html("!!! warning\n    Careful.\n", language="fr")  # unknown language: English


def test_unknown_callouts_are_problems_with_lines() -> None:
    rendered = render_markdown("Text.\n\n!!! danger\n    Careful.\n\n!!! note warning\n    Two kinds.\n\n"
                               "```\n!!! shown-not-parsed\n```\n")
    assert [line for line, _ in rendered.problems] == [3, 6]
    assert 'unknown callout "danger"' in rendered.problems[0][1]


def test_tables_footnotes_definitions_and_code() -> None:
    out = html("| A | B |\n|:--|--:|\n| 1 | 2 |\n\nFact.[^1]\n\nTerm\n:   Meaning\n\n```python\nx = '<b>'\n```\n\n"
               "[^1]: Source.\n")
    assert '<th align="left">A</th>' in out and '<td align="right">2</td>' in out
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in out
    assert '<div class="footnote">' in out and '<li id="fn:1">' in out and 'class="footnote-backref"' in out
    assert "<dl>\n<dt>Term</dt>\n<dd>Meaning</dd>\n</dl>" in out
    assert "<pre><code>x = '&lt;b&gt;'\n</code></pre>" in out
    assert "style=" not in out


def test_lists_and_quotes() -> None:
    out = html("1. one\n2. two\n\n- a\n- b\n\n> quoted\n")
    assert "<ol>" in out and "<ul>" in out and "<blockquote>" in out


def test_pictures_are_rewritten_and_reported() -> None:
    rendered = render_markdown(
        "![A chart](images/chart.png)\n\n![](./images/dot.png)\n\n![Gone](images/gone.png)\n\n![Ext](https://x/y.png)\n",
        image_url=lambda name: f"/m/images/{name}", known_images={"chart.png", "dot.png"})
    assert '<img alt="A chart" src="/m/images/chart.png">' in rendered.html
    assert 'src="/m/images/dot.png"' in rendered.html
    assert "https://x/y.png" not in rendered.html
    assert rendered.images_used == ("chart.png", "dot.png", "gone.png")
    assert sorted(rendered.problems) == [
        (3, 'picture "images/dot.png" has no alt text: write ![what it shows](images/dot.png)'),
        (5, 'picture "images/gone.png" does not exist'),
        (7, 'picture "https://x/y.png" must be a file in the images/ folder, written as images/NAME'),
    ]


def test_glossary_links() -> None:
    rendered = render_markdown("[ML](glossary:machine-learning), [b](glossary:bias), [M](glossary:machine-learning)",
                               glossary_url=lambda term: f"/glossary#{term}", known_terms={"machine-learning"})
    assert '<a href="/glossary#machine-learning">ML</a>' in rendered.html
    assert rendered.glossary_terms_used == ("machine-learning", "bias")
    assert rendered.problems == ((1, 'glossary link to unknown term "bias"'),)
    assert render_markdown("[b](glossary:bias)").problems == ()  # known_terms None: not checked


def test_render_inline_drops_the_paragraph() -> None:
    assert render_inline("Just *this*").html == "Just <em>this</em>"
    assert render_inline("One.\n\nTwo.").html == "<p>One.</p>\n<p>Two.</p>"
    assert render_inline("").html == ""


def test_smart_punctuation() -> None:
    assert html('"Quoted" -- it\'s') == "<p>&ldquo;Quoted&rdquo; &ndash; it&rsquo;s</p>"


def test_rendering_is_the_same_from_several_threads() -> None:
    texts = [f"## Heading {i}\n\nText [^1] {i}.\n\n[^1]: Note {i}.\n" for i in range(40)]
    expected = [render_markdown(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(render_markdown, texts)) == expected


def test_rendering_state_does_not_leak_between_calls() -> None:
    render_markdown("Fact.[^1]\n\n[^1]: Hidden note.\n\n## Old heading\n")
    out = render_markdown("Plain.")
    assert out.html == "<p>Plain.</p>" and out.toc_html == ""

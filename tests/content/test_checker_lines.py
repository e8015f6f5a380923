"""The checker points each refused picture or glossary link at the line of its own element.

Before, a problem went to the first line holding ``![`` or ``](src``, so a raw ``<img>`` further down (or a
second copy of the same picture) was reported on the wrong line. Hostile markup that is not refused
(scripts, event handlers, ``javascript:`` links, iframes) is still simply removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from literacy.content.__main__ import main
from literacy.content.render import render_markdown

from .support import LABEL, LESSON, parse, problems
from .test_command import write_module

HELLO_LINE = LESSON[: LESSON.index("Hello.")].count("\n") + 1  # the lesson's body starts on this line


def lesson(body: str) -> str:
    return LESSON.replace("Hello.\n", body)


def body_line(number: int) -> int:
    """The file line of line ``number`` of a lesson's body."""
    return HELLO_LINE + number - 1


def test_a_raw_img_is_reported_on_its_own_line() -> None:
    body = ("A fine picture: ![A chart](images/a.png)\n\n"  # line 1 holds "![" and "](images/"
            "Text that mentions ](http://evil.example/x.png in passing.\n\n"
            '<img src="http://evil.example/x.png" alt="x">\n')
    found = problems({"first.md": lesson(body), "images/a.png": b"\x89PNG\r\n\x1a\n"})
    assert found == [f'{LABEL}/first.md:{body_line(5)}: picture "http://evil.example/x.png" must be a file in the '
                     "images/ folder, written as images/NAME"]


def test_each_copy_of_the_same_picture_points_at_its_own_line() -> None:
    body = "![A chart](images/a.png)\n\nText.\n\n![](images/a.png)\n\nMore.\n\n<img src=images/a.png>\n"
    found = problems({"first.md": lesson(body), "images/a.png": b"\x89PNG\r\n\x1a\n"})
    message = 'picture "images/a.png" has no alt text: write ![what it shows](images/a.png)'
    assert found == [f"{LABEL}/first.md:{body_line(5)}: {message}", f"{LABEL}/first.md:{body_line(9)}: {message}"]


def test_a_picture_without_an_address_is_not_pinned_to_the_first_markdown_picture() -> None:
    body = "![A chart](images/a.png)\n\nText.\n\n<img alt=\"nothing\">\n"
    found = problems({"first.md": lesson(body), "images/a.png": b"\x89PNG\r\n\x1a\n"})
    assert found == [f"{LABEL}/first.md:{body_line(5)}: a picture without an allowed address was removed: "
                     "write ![what it shows](images/NAME)"]


def test_an_img_tag_over_several_lines_points_at_where_it_opens() -> None:
    rendered = render_markdown("Text.\n\n<div>\n<img\n  src=x\n  onerror=alert(1)>\n</div>\n")
    assert [line for line, _message in rendered.problems] == [4]
    assert "onerror" not in rendered.html and "<img" not in rendered.html


def test_code_is_not_taken_for_the_element() -> None:
    text = ("Write `<img src=x>` like this:\n\n```\n<img src=x>\n```\n\n"
            "But not <img src=x alt=y> here.\n")
    rendered = render_markdown(text)
    assert [line for line, _message in rendered.problems] == [7]
    assert "&lt;img src=x&gt;" in rendered.html  # the code is still shown as code


def test_a_reference_picture_points_at_its_use() -> None:
    text = "Intro.\n\n![Tracker][pixel]\n\nMore text.\n\n[pixel]: https://track.example/p.png\n"
    assert [line for line, _message in render_markdown(text).problems] == [3]


def test_glossary_links_point_at_their_own_lines() -> None:
    text = ('[AI](glossary:ai) is fine.\n\nThis one is not: <a href="glossary:Not_An_Id">x</a>\n\n'
            "[y](glossary:ghost)\n")
    rendered = render_markdown(text, known_terms={"ai"})
    assert rendered.problems == (
        (3, 'glossary link "glossary:Not_An_Id" must be glossary:ID with the ID of a term'),
        (5, 'glossary link to unknown term "ghost"'),
    )


@pytest.mark.parametrize("hostile", [
    '<img src="http://evil.example/x.png" alt="x">',
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)" alt="x">',
    "![x](data:image/png;base64,AAA)",
    "![x](https://evil.example/track.png)",
])
def test_each_refused_picture_has_its_own_line_among_removed_markup(hostile: str) -> None:
    removed = ["<script>alert(1)</script>", "<iframe src=https://evil.example></iframe>",
               "[x](javascript:alert(1))", '<a href="https://ok.example" onclick="alert(1)">ok</a>',
               "<svg onload=alert(1)>x</svg>"]
    lines = [*removed[:3], hostile, *removed[3:], hostile]
    text = "\n\n".join(lines) + "\n"
    rendered = render_markdown(text)
    # the picture, twice, each on its own line (lines 7 and 13); the rest is removed without a problem
    assert [line for line, _message in rendered.problems] == [7, 13]
    for needle in ("<script", "<iframe", "javascript:", "onclick", "onload", "<svg", "onerror", "evil.example"):
        assert needle not in rendered.html.lower()


def test_questions_report_the_line_in_quiz_md() -> None:
    quiz = ("::: question q1\ntype: single\n\nPick one.\n\n- [x] Yes\n- [ ] No <img src=http://evil.example/x.png>\n"
            ":::\n")
    found = problems({"quiz.md": quiz})
    assert found == [f'{LABEL}/quiz.md:7: picture "http://evil.example/x.png" must be a file in the images/ folder, '
                     "written as images/NAME"]


def test_courses_check_prints_the_element_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "![A chart](images/a.png)\n\nText.\n\n<p><img src=\"http://evil.example/x.png\" alt=\"x\"></p>\n"
    write_module(tmp_path / "demo", {"first.md": lesson(body), "images/a.png": b"\x89PNG\r\n\x1a\n"})
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f'{tmp_path.as_posix()}/demo/first.md:{body_line(5)}: picture "http://evil.example/x.png" '
                   "must be a file in the images/ folder, written as images/NAME",
                   "1 module checked, 1 problem"]


def test_a_clean_module_still_parses() -> None:
    result = parse({"first.md": lesson("![A chart](images/a.png)\n\n<b onclick=x>bold</b>\n"),
                    "images/a.png": b"\x89PNG\r\n\x1a\n"})
    assert result.module is not None, result.problems
    assert "onclick" not in result.module.lessons[0].primary.html

"""Writes small module folders for tests, in the format of docs/authoring.md."""

from __future__ import annotations

from pathlib import Path

QUESTION = """::: question {key}
type: single

Which answer is right for {key}?

- [ ] A wrong answer
  > Feedback for the wrong answer of {key}.
- [x] The right answer
  > Feedback for the right answer of {key}.

Explanation:
Explanation of {key}.
:::
"""

CHECK = """::: check check-{slug}
type: single

Knowledge check in {slug}?

- [x] Yes, right
  > Secret right feedback for {slug}.
- [ ] No, wrong
  > Secret wrong feedback for {slug}.
:::
"""


def write_module(
    root: Path,
    slug: str = "test-module",
    *,
    lessons: int = 3,
    edition: int = 1,
    title: str = "Test module",
    questions: int = 2,
    welsh: bool = False,
    body_suffix: str = "",
    image: bool = False,
) -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    lesson_slugs = [f"lesson-{number}" for number in range(1, lessons + 1)]
    (folder / "module.yaml").write_text(
        f"""slug: {slug}
title: {title}
summary: A module written by the tests.
audience: Test learners
level: introductory
edition: {edition}
language: en
pass_mark: 50
outcomes:
  - Pass the tests
lessons:
"""
        + "".join(f"  - {lesson}\n" for lesson in lesson_slugs)
        + """further_reading:
  - title: A reading
    publisher: A publisher
    year: 2025
""",
        encoding="utf-8",
    )
    for number, lesson in enumerate(lesson_slugs, start=1):
        picture = "\n![A test picture of a square](images/square.png)\n" if image and number == 1 else ""
        (folder / f"{lesson}.md").write_text(
            f"---\ntitle: Lesson {number} title\nminutes: 5\n---\n\nBody of lesson {number}.{body_suffix}\n{picture}\n"
            f"## A heading in lesson {number}\n\nMore text.\n\n" + CHECK.format(slug=lesson),
            encoding="utf-8",
        )
    if questions:
        (folder / "quiz.md").write_text(
            "---\ntitle: Test assessment\n---\n\n"
            + "\n".join(QUESTION.format(key=f"q{n}") for n in range(1, questions + 1)),
            encoding="utf-8",
        )
    if welsh:
        (folder / "module.cy.yaml").write_text(
            f"title: Modiwl prawf {slug}\nsummary: Modiwl a ysgrifennwyd gan y profion.\n", encoding="utf-8"
        )
        (folder / "lesson-1.cy.md").write_text(
            "---\ntitle: Teitl gwers 1\nminutes: 5\n---\n\nCorff gwers 1 yn Gymraeg.\n\n"
            + CHECK.format(slug="lesson-1").replace("Knowledge check in", "Gwiriad gwybodaeth yn"),
            encoding="utf-8",
        )
    if image:
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / "square.png").write_bytes(PNG)
    return folder


# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

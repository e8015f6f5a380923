"""The curriculum in courses/: it passes the checker and meets the editorial rules of the issue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from literacy import content
from literacy.extensions import db
from literacy.models import Module

COURSES = Path(__file__).resolve().parent.parent / "courses"
EXPECTED = {
    "ai-basics",
    "managing-bias",
    "procuring-ai",
    "transparency-and-accountability",
    "generative-ai-at-work",
    "ai-law-and-rights",
    "ai-in-health-and-care",
    "ai-and-the-workforce",
}


@pytest.fixture(scope="module")
def curriculum() -> content.CoursesResult:
    return content.load_courses(COURSES)


def test_every_module_passes_the_checker(curriculum):
    assert curriculum.problems == []
    assert {module.slug for module in curriculum.modules} == EXPECTED


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_module_shape(curriculum, slug):
    module = next(m for m in curriculum.modules if m.slug == slug)
    assert 4 <= module.lesson_count <= 6
    for lesson in module.lessons:
        assert 5 <= lesson.primary.minutes <= 11, (lesson.slug, lesson.primary.minutes)
        assert lesson.primary.checks, f"{lesson.slug} has no knowledge check"
    assert len(module.text("en").outcomes) >= 3
    readings = module.text("en").further_reading
    assert readings and all(r.title and r.publisher and r.year for r in readings)


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_assessment_has_at_least_ten_questions_with_feedback_on_every_option(curriculum, slug):
    module = next(m for m in curriculum.modules if m.slug == slug)
    for language, variant in module.quiz.variants.items():
        assert len(variant.questions) >= 10, language
        for question in variant.questions:
            assert question.explanation_html, (language, question.key)
            if question.has_options:
                assert question.correct_keys, question.key
                for option in question.options:
                    assert option.feedback_html.strip(), (language, question.key, option.key)
            else:
                assert question.if_correct_html and question.if_wrong_html, question.key


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_each_module_has_a_worked_scenario_and_links_the_glossary(slug):
    folder = COURSES / slug
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md")))
    assert re.search(r"^!!! (scenario|example)", text, re.M), "no worked scenario"
    assert "](glossary:" in text


def test_correct_answers_are_not_always_the_longest_option(curriculum):
    for module in curriculum.modules:
        singles = [q for q in module.quiz.questions if q.kind == "single" and len(q.options) > 2]
        longest = sum(1 for q in singles if max(q.options, key=lambda o: len(o.html)).is_correct)
        assert longest <= len(singles) * 0.6, f"{module.slug}: correct option longest in {longest}/{len(singles)}"


def test_ai_basics_is_in_english_welsh_and_swedish(curriculum):
    module = next(m for m in curriculum.modules if m.slug == "ai-basics")
    assert module.languages == ("en", "cy", "sv")
    english_keys = [q.key for q in module.quiz.variant("en").questions]
    for language in ("cy", "sv"):
        assert all(language in lesson.variants for lesson in module.lessons)
        assert language in module.quiz.variants
        assert module.text(language).title != module.text("en").title
        assert [q.key for q in module.quiz.variant(language).questions] == english_keys


def test_every_module_is_complete_in_welsh(curriculum):
    """Issue 20: every shipped module has every lesson and its assessment in Welsh."""
    for module in curriculum.modules:
        assert "cy" in module.languages, module.slug
        assert all("cy" in lesson.variants for lesson in module.lessons), module.slug
        assert module.quiz is None or "cy" in module.quiz.variants, module.slug


def test_the_glossary_is_in_swedish(curriculum):
    assert all("sv" in term.texts for term in curriculum.glossary.terms)


def test_the_glossary_is_bilingual_and_covers_every_link(curriculum):
    glossary = curriculum.glossary
    assert glossary is not None and len(glossary.terms) >= 30
    assert all("cy" in term.texts for term in glossary.terms)


def test_dates_that_writers_often_get_wrong():
    """Guards against the errors listed in the fact sheet: high-risk duties do not start in August 2026."""
    for path in COURSES.rglob("*.md"):
        # Question blocks may quote a misconception on purpose (as a wrong option), so only prose is read.
        text = re.sub(r"^::: .*?^:::$", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
        for match in re.finditer(r"high-risk[^.]{0,120}2 August 2026|2 August 2026[^.]{0,80}high-risk", text):
            sentence = match.group(0)
            assert "original" in sentence or "before" in sentence or "was" in sentence, f"{path}: {sentence}"
        assert "Data (Use and Access) Act 2026" not in text, path


def test_the_demo_command_publishes_every_module(app, runner):
    app.config["COURSES_DIR"] = str(COURSES)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    published = set(db.session.scalars(select(Module.slug).where(Module.status == "published")))
    assert published == EXPECTED
    from literacy.models import CohortAssignment

    assert db.session.scalar(select(func.count(CohortAssignment.id))) == 2  # the demo cohort's assignments
    runner.invoke(args=["demo"])
    assert db.session.scalar(select(func.count(CohortAssignment.id))) == 2


def test_the_documented_example_module_is_valid():
    result = content.check_paths([COURSES.parent / "docs" / "example-courses"])
    assert result.problems == [] and len(result.modules) == 1
    module = result.modules[0]
    assert {q.kind for q in module.quiz.questions} == {"single", "multiple", "true-false", "text", "number"}

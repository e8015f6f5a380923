"""Publishing modules from files: versions, idempotent sync, refusing invalid modules, the commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from literacy import content
from literacy.extensions import db
from literacy.models import GlossaryTerm, Lesson, Module, ModuleVersion, Question
from literacy.publishing import PublishError, publish, question_from_row, sync_courses

from .support.modules import write_module

VERSIONS_OF_MODULE = select(ModuleVersion).join(Module, Module.id == ModuleVersion.module_id)


def versions(slug: str) -> list[int]:
    return list(
        db.session.scalars(
            select(ModuleVersion.number)
            .join(Module, Module.id == ModuleVersion.module_id)
            .where(Module.slug == slug)
            .order_by(ModuleVersion.number)
        )
    )


def test_sync_publishes_and_is_idempotent(courses):
    write_module(courses, "first")
    write_module(courses, "second", welsh=True)
    report = sync_courses(courses)
    assert sorted(r.module.slug for r in report.published) == ["first", "second"]
    assert not report.problems
    again = sync_courses(courses)
    assert again.published == [] and len(again.unchanged) == 2
    assert versions("first") == [1] and versions("second") == [1]


def test_a_changed_module_becomes_a_new_immutable_version(courses):
    folder = write_module(courses, "changing")
    sync_courses(courses)
    first = db.session.scalar(VERSIONS_OF_MODULE.where(Module.slug == "changing"))
    first_html = db.session.scalar(select(Lesson.html).where(Lesson.version_id == first.id, Lesson.slug == "lesson-1"))
    (folder / "lesson-1.md").write_text((folder / "lesson-1.md").read_text().replace("Body of", "Changed body of"))
    report = sync_courses(courses)
    assert [r.version.number for r in report.published] == [2]
    assert versions("changing") == [1, 2]
    module = db.session.scalar(select(Module).where(Module.slug == "changing"))
    assert module.current_version.number == 2
    # the old version is untouched
    assert db.session.scalar(select(Lesson.html).where(Lesson.version_id == first.id, Lesson.slug == "lesson-1")) == (
        first_html
    )


def test_an_invalid_module_is_refused_and_its_live_version_stays(courses):
    folder = write_module(courses, "fragile")
    write_module(courses, "healthy")
    sync_courses(courses)
    (folder / "quiz.md").write_text("::: question broken\ntype: riddle\n\nWhat?\n:::\n")
    (courses / "healthy" / "lesson-2.md").write_text(
        (courses / "healthy" / "lesson-2.md").read_text().replace("More text", "Newer text")
    )
    report = sync_courses(courses)
    assert report.refused == ["fragile"]
    messages = [str(problem) for problem in report.problems]
    assert any(message.startswith(f"{courses.as_posix()}/fragile/quiz.md:2: ") for message in messages), messages
    assert versions("fragile") == [1]
    assert versions("healthy") == [1, 2]  # one bad module does not hold the others back


def test_a_slug_owned_by_another_organisation_is_not_overwritten(courses, make_organisation):
    organisation = make_organisation("owner")
    write_module(courses, "taken")
    source = content.load_module(courses / "taken").module
    publish(source, organisation_id=organisation.id, origin="browser")
    db.session.commit()
    with pytest.raises(PublishError):
        publish(source)


def test_answers_are_stored_apart_from_what_the_browser_sees(courses):
    write_module(courses, "secrets")
    sync_courses(courses)
    row = db.session.scalar(select(Question).where(Question.key == "q1"))
    assert row.options == [{"key": "a", "html": "A wrong answer"}, {"key": "b", "html": "The right answer"}]
    assert "right" not in json.dumps(row.options).replace("The right answer", "")
    assert row.answer["correct"] == ["b"]
    question = question_from_row(row)
    assert content.grade(question, "b") and not content.grade(question, "a")
    assert "Feedback for the right answer of q1" in question.option("b").feedback_html


def test_lessons_and_questions_are_stored_per_language(courses):
    write_module(courses, "bilingual", welsh=True)
    sync_courses(courses)
    languages = db.session.execute(select(Lesson.slug, Lesson.language).order_by(Lesson.slug, Lesson.language)).all()
    assert ("lesson-1", "cy") in languages and ("lesson-2", "cy") not in languages
    version = db.session.scalar(select(ModuleVersion))
    assert version.languages == ["en", "cy"]
    assert version.text("title", "cy") == "Modiwl prawf bilingual"
    assert version.text("audience", "cy") == "Test learners"  # falls back to English


def test_the_glossary_is_published(courses):
    (courses / "glossary.yaml").write_text(
        "terms:\n  - id: bias\n    term: Bias\n    definition: Unfair *skew*.\n"
        "    cy:\n      term: Rhagfarn\n      definition: Gogwydd annheg.\n"
    )
    report = sync_courses(courses)
    assert report.glossary_terms == 1
    assert db.session.scalar(select(func.count(GlossaryTerm.id))) == 2


def test_check_command_lists_every_problem_and_fails(runner, courses):
    folder = write_module(courses, "bad")
    (folder / "module.yaml").write_text((folder / "module.yaml").read_text().replace("title: Test module\n", ""))
    (folder / "lesson-2.md").unlink()
    result = runner.invoke(args=["courses", "check", str(courses)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"{courses.as_posix()}/bad/module.yaml:") and "title" in line for line in lines)
    assert any("lesson-2" in line for line in lines)
    assert lines[-1].endswith("problems")


def test_check_command_passes_on_valid_modules(runner, courses):
    write_module(courses, "good")
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert "1 module checked, 0 problems" in result.output


def test_sync_command(runner, courses):
    write_module(courses, "cli")
    first = runner.invoke(args=["courses", "sync"])
    assert first.exit_code == 0 and "published cli version 1" in first.output
    second = runner.invoke(args=["courses", "sync"])
    assert "unchanged cli version 1" in second.output


def test_list_json(runner, courses):
    write_module(courses, "listed", lessons=4, questions=3, welsh=True)
    result = runner.invoke(args=["courses", "list", "--json"])
    assert result.exit_code == 0
    [item] = json.loads(result.output)
    assert item["slug"] == "listed" and item["title"] == "Test module" and item["edition"] == 1
    assert item["languages"] == ["en", "cy"] and item["lesson_count"] == 4 and item["question_count"] == 3


def test_the_real_curriculum_passes_the_checker(runner):
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output


def test_an_unchanged_module_is_not_parsed_again(courses, monkeypatch):
    write_module(courses, "steady")
    sync_courses(courses)

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged module was parsed again")

    monkeypatch.setattr(content, "parse_module", refuse)
    report = sync_courses(courses)
    assert [r.module.slug for r in report.unchanged] == ["steady"] and report.published == []


def test_two_folders_with_one_slug_are_refused(courses):
    write_module(courses, "twin")
    twin = write_module(courses, "twin-copy")
    (twin / "module.yaml").write_text((twin / "module.yaml").read_text().replace("slug: twin-copy", "slug: twin"))
    report = sync_courses(courses)
    assert report.refused == ["twin-copy"]
    assert any('slug "twin" is also used by' in problem.message for problem in report.problems)

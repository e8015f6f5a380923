"""Publishing: a parsed module (``content.ModuleSource``) becomes an immutable ``ModuleVersion``.

Used by ``flask courses sync`` and, later, by the browser editor. Markdown was already rendered and
sanitised by the course engine; this only stores it. A module whose content hash matches its live version
is left alone, so syncing is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import delete, func, select

from . import content, summaries
from .content.problems import N_
from .extensions import db, writing
from .models import GlossaryTerm, Lesson, Module, ModuleImage, ModuleVersion, Question, User, utcnow


class PublishError(Exception):
    """The module cannot be published here (for example its slug belongs to another module)."""


@dataclass(frozen=True)
class PublishResult:
    module: Module
    version: ModuleVersion
    created: bool  # False when the content was unchanged and nothing was written


@dataclass(frozen=True)
class SyncReport:
    published: list[PublishResult]
    unchanged: list[PublishResult]
    problems: list[content.Problem]
    refused: list[str]  # slugs or folders whose module stayed as it was because of problems
    glossary_terms: int


def question_row(
    question: content.Question,
    *,
    version_id: int,
    purpose: str,
    language: str,
    position: int,
    lesson_slug: str | None = None,
) -> Question:
    """A question row: what the browser may see (``options``) apart from the answer and feedback."""
    return Question(
        version_id=version_id,
        key=question.key,
        language=language,
        purpose=purpose,
        lesson_slug=lesson_slug,
        position=position,
        kind=question.kind,
        prompt_html=question.prompt_html,
        options=[{"key": option.key, "html": option.html} for option in question.options],
        answer={
            "correct": sorted(question.correct_keys),
            "accept": list(question.accept),
            "pattern": question.pattern,
            "answer": question.answer,
            "tolerance": question.tolerance,
        },
        feedback={
            "options": {option.key: option.feedback_html for option in question.options},
            "explanation_html": question.explanation_html,
            "if_correct_html": question.if_correct_html,
            "if_wrong_html": question.if_wrong_html,
        },
        ask_confidence=question.ask_confidence,
        shuffle=question.shuffle,
    )


def question_from_row(row: Question) -> content.Question:
    """Rebuild the engine's question from a row, to grade a response and show its feedback."""
    correct = set(row.answer.get("correct", []))
    feedback = row.feedback.get("options", {})
    return content.Question(
        key=row.key,
        kind=row.kind,
        prompt_html=row.prompt_html,
        options=tuple(
            content.Option(
                key=o["key"], html=o["html"], is_correct=o["key"] in correct, feedback_html=feedback.get(o["key"], "")
            )
            for o in row.options
        ),
        explanation_html=row.feedback.get("explanation_html", ""),
        accept=tuple(row.answer.get("accept", [])),
        pattern=row.answer.get("pattern"),
        answer=row.answer.get("answer"),
        tolerance=row.answer.get("tolerance") or 0.0,
        ask_confidence=row.ask_confidence,
        shuffle=row.shuffle,
        if_correct_html=row.feedback.get("if_correct_html", ""),
        if_wrong_html=row.feedback.get("if_wrong_html", ""),
    )


def _text_files(files: dict[str, bytes]) -> dict[str, str]:
    """The text sources of a module (markdown and YAML); images are stored as their own rows."""
    return {path: data.decode("utf-8") for path, data in files.items() if path.endswith((".md", ".yaml", ".yml"))}


def _texts(source: content.ModuleSource) -> dict[str, dict]:
    texts = {}
    for language in source.languages:
        text = source.text(language)
        texts[language] = {
            "title": text.title,
            "summary": text.summary,
            "audience": text.audience,
            "outcomes": list(text.outcomes),
            "further_reading": [
                {"title": r.title, "publisher": r.publisher, "year": r.year, "url": r.url} for r in text.further_reading
            ],
        }
    return texts


def _quizzes(source: content.ModuleSource) -> list[tuple[str, content.Quiz]]:
    """The module's quizzes by purpose: the assessment and the precheck, where it has them."""
    return [
        (purpose, quiz)
        for purpose, quiz in (("assessment", source.quiz), ("precheck", source.precheck))
        if quiz is not None
    ]


def _quiz_texts(source: content.ModuleSource) -> dict[str, dict]:
    return {
        purpose: {
            language: {"title": variant.title, "intro_html": variant.intro_html}
            for language, variant in quiz.variants.items()
        }
        for purpose, quiz in _quizzes(source)
    }


def publish(
    source: content.ModuleSource,
    *,
    organisation_id: int | None = None,
    origin: str = "files",
    published_by: User | None = None,
) -> PublishResult:
    """Store ``source`` as the module's next version and make it live, unless nothing changed.

    The caller commits; nothing is flushed half-way if this raises.
    """
    module = _module_for(source.slug, organisation_id=organisation_id, origin=origin)
    current = module.current_version
    if current is not None and current.content_hash == source.content_hash:
        return PublishResult(module, current, created=False)
    live = (current.edition, module.status) if current is not None else None
    version = _add_version(module, source, published_by)
    db.session.add_all(_content_rows(source, version.id))
    module.current_version = version
    module.status = "published"
    db.session.flush()
    if live is not None and live != (version.edition, module.status):
        summaries.live_edition_changed(module.id)  # completions of the older edition are due for renewal
    return PublishResult(module, version, created=True)


def _module_for(slug: str, *, organisation_id: int | None, origin: str) -> Module:
    """The module with ``slug``, added as a draft when it is new; a slug is never taken over by another
    organisation or another origin (files or the browser editor)."""
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        module = Module(slug=slug, organisation_id=organisation_id, origin=origin, status="draft")
        db.session.add(module)
        db.session.flush()
    elif module.origin != origin or module.organisation_id != organisation_id:
        raise PublishError(N_('the slug "%(slug)s" already belongs to another module', slug=slug))
    return module


def _add_version(module: Module, source: content.ModuleSource, published_by: User | None) -> ModuleVersion:
    """The module's next numbered version, holding everything the pages show of the module as a whole;
    flushed, so that its rows can point at it."""
    number = (
        db.session.scalar(select(func.max(ModuleVersion.number)).where(ModuleVersion.module_id == module.id)) or 0
    ) + 1
    version = ModuleVersion(
        module_id=module.id,
        number=number,
        edition=source.edition,
        content_hash=source.content_hash,
        language=source.language,
        languages=list(source.languages),
        texts=_texts(source),
        level=source.level,
        minutes=source.minutes,
        pass_mark=source.pass_mark,
        max_attempts=source.max_attempts,
        valid_for=source.valid_for,
        shuffle=source.shuffle,
        quiz_texts=_quiz_texts(source),
        lesson_count=source.lesson_count,
        question_count=source.question_count,
        source=_text_files(source.files),
        published_at=utcnow(),
        published_by_id=published_by.id if published_by else None,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _content_rows(source: content.ModuleSource, version_id: int) -> list[object]:
    """A row for each lesson variant, knowledge check, quiz question and image of the version, so pages
    read only what they show."""
    return [*_lesson_rows(source, version_id), *_quiz_rows(source, version_id), *_image_rows(source, version_id)]


def _lesson_rows(source: content.ModuleSource, version_id: int) -> Iterator[Lesson | Question]:
    """Each lesson in each of its languages, followed by that variant's knowledge checks."""
    for lesson in source.lessons:
        for language, variant in lesson.variants.items():
            yield Lesson(
                version_id=version_id,
                slug=lesson.slug,
                language=language,
                position=lesson.position,
                title=variant.title,
                minutes=variant.minutes,
                html=variant.html,
                toc_html=variant.toc_html,
            )
            for position, check in enumerate(variant.checks, start=1):
                yield question_row(
                    check,
                    version_id=version_id,
                    purpose="check",
                    language=language,
                    position=position,
                    lesson_slug=lesson.slug,
                )


def _quiz_rows(source: content.ModuleSource, version_id: int) -> Iterator[Question]:
    """The questions of the assessment and the precheck, in each language, numbered from 1."""
    for purpose, quiz in _quizzes(source):
        for language, variant in quiz.variants.items():
            for position, question in enumerate(variant.questions, start=1):
                yield question_row(  # lesson_slug: the lesson the question is about ("Lessons to revisit")
                    question, version_id=version_id, purpose=purpose, language=language, position=position,
                    lesson_slug=question.lesson,
                )


def _image_rows(source: content.ModuleSource, version_id: int) -> Iterator[ModuleImage]:
    for image in source.images.values():
        yield ModuleImage(version_id=version_id, name=image.name, media_type=image.media_type, data=image.data)


def publish_glossary(glossary: content.Glossary | None) -> int:
    """Replace the published glossary with ``glossary``; returns the number of terms."""
    db.session.execute(delete(GlossaryTerm))
    if glossary is None:
        return 0
    rows = [
        GlossaryTerm(
            term_id=term.id, language=language, position=position, term=text.term, definition_html=text.definition_html
        )
        for position, term in enumerate(glossary.terms, start=1)
        for language, text in term.texts.items()
    ]
    db.session.add_all(rows)
    return len(glossary.terms)


def _live_file_versions() -> dict[str, tuple[Module, ModuleVersion]]:
    """Live versions of modules managed in files, by content hash."""
    rows = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(Module.origin == "files")
    ).all()
    return {version.content_hash: (module, version) for module, version in rows}


def sync_courses(root: Path) -> SyncReport:
    """Publish every valid module of a courses folder whose content changed, and the glossary.

    A module whose files hash the same as its live version is not parsed again, so syncing an unchanged
    folder is quick. Each module is published in its own savepoint: a module with problems, or one that
    cannot be published, is refused and its live version stays as it was; the others still go out.
    """
    with writing():  # a command, outside any request: its transaction starts as a writer (extensions.py)
        return _sync_courses(root)


def _sync_courses(root: Path) -> SyncReport:
    from .content.courses import load_glossary_file, module_folders, read_folder

    glossary, problems = load_glossary_file(root)
    live = _live_file_versions()
    published: list[PublishResult] = []
    unchanged: list[PublishResult] = []
    refused: list[str] = []
    seen: dict[str, str] = {}  # slug: the folder that has it
    for folder in module_folders(root):
        files = read_folder(folder)
        if content.content_hash(files) in live:
            module, version = live[content.content_hash(files)]
            outcome: PublishResult | None = PublishResult(module, version, created=False)
            seen[module.slug] = folder.as_posix()
        else:
            outcome = _publish_folder(folder, files, glossary, seen, problems)
        if outcome is None:
            refused.append(folder.name)
        else:
            (published if outcome.created else unchanged).append(outcome)
    glossary_problems = [p for p in problems if p.path.endswith("glossary.yaml")]
    terms = publish_glossary(glossary) if glossary is not None and not glossary_problems else -1
    db.session.commit()
    return SyncReport(published, unchanged, problems, sorted(refused), terms)


def question_limit() -> int:
    """LITERACY_MAX_QUESTIONS when a site is running (the default outside one)."""
    if has_app_context():
        return int(current_app.config.get("MAX_QUESTIONS") or content.MAX_QUESTIONS)
    return content.MAX_QUESTIONS


def _publish_folder(
    folder: Path,
    files: dict[str, bytes],
    glossary: content.Glossary | None,
    seen: dict[str, str],
    problems: list[content.Problem],
) -> PublishResult | None:
    """Parse a changed module folder and publish it in a savepoint of its own; None when it is refused
    (its problems are added to ``problems``). Its slug goes into ``seen``, so no later folder may take it."""
    label = folder.as_posix()
    parsed = content.parse_module(files, label=label, glossary=glossary, max_questions=question_limit())
    problems.extend(parsed.problems)
    source = parsed.module
    if source is None:
        return None
    if source.slug in seen:
        problems.append(_module_problem(label, f'slug "{source.slug}" is also used by {seen[source.slug]}'))
        return None
    seen[source.slug] = label
    try:
        with db.session.begin_nested():
            outcome = publish(source)
    except PublishError as error:
        problems.append(_module_problem(label, str(error)))
        return None
    return outcome


def _module_problem(label: str, message: str) -> content.Problem:
    """A problem with the folder as a whole, reported against its ``module.yaml``."""
    return content.Problem(f"{label}/module.yaml", 1, message)

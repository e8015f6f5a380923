"""What a parsed module is: frozen dataclasses holding everything needed to publish a version.

A :class:`ModuleSource` is built once from the files, already rendered and sanitized, so publishing
and the learner pages never read or render markdown again. Per-language parts are dicts keyed by
language code with the module's primary language first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kinds import Kind

#: The question kinds by name. :mod:`literacy.content.kinds` describes and registers them; the table
#: is kept here, below the graders, so that grading and :attr:`Question.has_options` can look a kind up
#: without an import circle.
KINDS: dict[str, Kind] = {}


@dataclass(frozen=True)
class Option:
    """An answer option; ``key`` is its ``{#id}`` or its position letter (a, b, c ...)."""

    key: str
    html: str  # inline HTML (no wrapping <p>)
    is_correct: bool
    feedback_html: str = ""


@dataclass(frozen=True)
class Question:
    """A question of the assessment, the pre-check or a knowledge check, ready to show and grade."""

    key: str
    kind: str  # a name in the kinds registry (literacy.content.kinds.KINDS)
    prompt_html: str
    options: tuple[Option, ...] = ()
    explanation_html: str = ""
    accept: tuple[str, ...] = ()  # text: accepted answers (already merged across languages)
    pattern: str | None = None  # text: regular expression the whole answer must match
    answer: float | None = None  # number
    tolerance: float = 0.0  # number
    ask_confidence: bool = False
    shuffle: bool = True  # may the options be shuffled (the module's shuffle setting also applies)
    if_correct_html: str = ""
    if_wrong_html: str = ""
    line: int = 0  # line of the ``::: question`` opening in its file
    lesson: str | None = None  # assessment and pre-check: the slug of the lesson the question is about

    @property
    def has_options(self) -> bool:
        kind = KINDS.get(self.kind)
        return kind is not None and kind.has_options

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(o.key for o in self.options if o.is_correct)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Reading:
    """An entry of ``further_reading``."""

    title: str
    publisher: str | None = None
    year: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class ModuleText:
    """The module's words in one language (a translation falls back field by field to the primary)."""

    title: str
    summary: str
    audience: str
    outcomes: tuple[str, ...]
    further_reading: tuple[Reading, ...] = ()


@dataclass(frozen=True)
class LessonVariant:
    """A lesson in one language. ``html`` holds ``<div class="knowledge-check" data-check="ID"></div>``
    where each knowledge check goes; the checks themselves are in ``checks``."""

    title: str
    minutes: int
    html: str
    toc_html: str  # "" when the lesson has no ## or ### headings
    checks: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Lesson:
    """A lesson of the module, known by its stable slug; ``variants`` has the primary language first."""

    slug: str
    position: int  # 1-based
    variants: dict[str, LessonVariant]
    language: str  # the module's primary language

    def variant(self, language: str) -> LessonVariant:
        """The lesson in ``language``, or in the primary language when it is not translated."""
        return self.variants.get(language) or self.variants[self.language]

    @property
    def primary(self) -> LessonVariant:
        return self.variants[self.language]


@dataclass(frozen=True)
class QuizVariant:
    """The assessment or pre-check in one language. ``title`` is "" when the file sets none."""

    title: str
    intro_html: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Quiz:
    """The assessment (``quiz.md``) or the pre-check (``precheck.md``) in every language it has.

    Every variant has the same question keys, kinds and options (the parser checks this), and each
    text question's ``accept`` already holds the accepted answers of every language, so grading
    with any variant's question gives the same result.
    """

    variants: dict[str, QuizVariant]
    language: str

    def variant(self, language: str) -> QuizVariant:
        return self.variants.get(language) or self.variants[self.language]

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions in the primary language (the reference for keys and grading)."""
        return self.variants[self.language].questions

    def question(self, key: str, language: str | None = None) -> Question | None:
        variant = self.variant(language or self.language)
        return next((q for q in variant.questions if q.key == key), None)

    def accepted_answers(self, key: str) -> tuple[str, ...]:
        """The accepted answers of a text question across every language."""
        question = self.question(key)
        return question.accept if question else ()


@dataclass(frozen=True)
class Image:
    """A picture from the module's ``images/`` folder, served by the app at ``image_url(name)``."""

    name: str
    media_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ModuleSource:
    """A valid module, parsed, rendered and sanitized: everything needed to publish a version."""

    slug: str
    edition: int
    language: str  # primary language
    languages: tuple[str, ...]  # primary first
    level: str
    minutes: int
    pass_mark: int
    max_attempts: int | None
    shuffle: bool
    texts: dict[str, ModuleText]
    lessons: tuple[Lesson, ...]
    quiz: Quiz | None
    precheck: Quiz | None
    images: dict[str, Image]
    content_hash: str  # sha256 of the source files; unchanged source means nothing to publish
    files: dict[str, bytes] = field(repr=False)  # the source, by path inside the module folder
    valid_for: str | None = None  # how long a certificate stays valid, ISO 8601 ("P12M"); None: for ever

    def text(self, language: str) -> ModuleText:
        return self.texts.get(language) or self.texts[self.language]

    @property
    def title(self) -> str:
        return self.texts[self.language].title

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def question_count(self) -> int:
        """Assessment questions (each worth one mark)."""
        return len(self.quiz.questions) if self.quiz else 0

    @property
    def check_count(self) -> int:
        """Knowledge checks across the lessons (primary language)."""
        return sum(len(lesson.primary.checks) for lesson in self.lessons)

    @property
    def precheck_question_count(self) -> int:
        return len(self.precheck.questions) if self.precheck else 0

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def all_questions(self) -> Iterator[tuple[str, Question]]:
        """Every question in the primary language with where it lives: "quiz", "precheck" or a
        lesson slug."""
        if self.quiz:
            for q in self.quiz.questions:
                yield "quiz", q
        if self.precheck:
            for q in self.precheck.questions:
                yield "precheck", q
        for lesson in self.lessons:
            for q in lesson.primary.checks:
                yield lesson.slug, q

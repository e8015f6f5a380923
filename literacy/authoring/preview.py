"""Checking a draft with the one parser, and what the editor shows: its problems and a file's preview."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import get_translations
from sqlalchemy import select

from .. import content
from ..content.problems import N_, translate
from ..extensions import db
from ..models import GlossaryTerm
from .files import DraftFiles


def published_glossary() -> content.Glossary:
    """The published glossary's terms, so drafts' glossary links are checked against what learners see."""
    rows = db.session.execute(
        select(GlossaryTerm.term_id, GlossaryTerm.language, GlossaryTerm.term, GlossaryTerm.definition_html)
        .order_by(GlossaryTerm.position)
    ).all()
    texts: dict[str, dict[str, content.TermText]] = {}
    for term_id, language, term, definition_html in rows:
        texts.setdefault(term_id, {})[language] = content.TermText(term, "", definition_html)
    terms = tuple(content.Term(term_id, variants, next(iter(variants))) for term_id, variants in texts.items())
    return content.Glossary(terms)


def check(
    files: DraftFiles,
    slug: str,
    *,
    image_url: Callable[[str], str] | None = None,
    glossary: content.Glossary | None = None,
) -> content.ParseResult:
    """Parse a draft with the one parser; a slug in module.yaml that is not the draft's is a problem.

    A draft over LITERACY_MAX_QUESTIONS gets that one problem without being rendered, so it opens fast
    and the trainer can cut it down."""
    result = content.parse_module(
        files.as_bytes(),
        glossary=glossary if glossary is not None else published_glossary(),
        image_url=image_url,
        glossary_url=lambda term: f"/glossary#{term}",
        max_questions=int(current_app.config.get("MAX_QUESTIONS") or content.MAX_QUESTIONS),
    )
    if result.slug and result.slug != slug:
        lines = files.text.get("module.yaml", "").split("\n")
        line = next((n for n, text in enumerate(lines, 1) if text.startswith("slug:")), 1)
        message = N_("the slug must stay \"%(slug)s\" (the module's web address)", slug=slug)
        problem = content.Problem("module.yaml", line, message)
        return content.ParseResult(None, sorted([*result.problems, problem]), result.content_hash, result.slug)
    return result


def shown_message(message: str) -> str:
    """A checker problem's or GIFT note's message in the reader's language, for pages (a Jinja filter,
    ``checker_message``). The course engine reports in English (the command line shows that); the message
    remembers its msgid and parameters, so it is translated here, at display time, with this request's
    translations: a parse cached or stored in one language serves readers of any."""
    return str(translate(message, get_translations().gettext))


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the editor shows it: the file, the line and the offending line quoted."""

    path: str
    line: int
    message: str  # English; templates show it with the checker_message filter
    quote: str


def shown_problems(files: DraftFiles, problems: Iterable[content.Problem]) -> list[ShownProblem]:
    shown = []
    for problem in problems:
        lines = files.text.get(problem.path, "").split("\n")
        quote = lines[problem.line - 1].strip() if 0 < problem.line <= len(lines) else ""
        shown.append(ShownProblem(problem.path, problem.line, problem.message, quote[:200]))
    return shown


@dataclass(frozen=True)
class Preview:
    """What the preview pane shows for one file."""

    kind: str  # "lesson", "quiz", "module" or "none"
    title: str = ""
    html: str = ""
    toc_html: str = ""
    questions: tuple[content.Question, ...] = ()
    source: content.ModuleSource | None = None
    language: str = "en"


def _language_of(name: str, source: content.ModuleSource | None) -> tuple[str, str]:
    stem, _, _ = name.rpartition(".")
    base, _, language = stem.partition(".")
    return base, language or (source.language if source else "en")


def preview(files: DraftFiles, name: str, result: content.ParseResult, image_url: Callable[[str], str]) -> Preview:
    """The preview of one file: from the parsed module when the draft is valid, otherwise the file's
    markdown rendered on its own by the same renderer and sanitizer (so a lesson still shows)."""
    base, language = _language_of(name, result.module)
    parsed = _parsed_preview(result.module, name, base, language) if result.module is not None else None
    return parsed or _plain_preview(files.text.get(name, ""), name, base, language, image_url)


def _parsed_preview(source: content.ModuleSource, name: str, base: str, language: str) -> Preview | None:
    if name.startswith("module."):
        return Preview("module", source=source, language=language)
    lesson = source.lesson(base)
    if lesson is not None:
        variant = lesson.variant(language)
        return Preview("lesson", variant.title, variant.html, variant.toc_html, variant.checks, language=language)
    quiz = source.quiz if base == "quiz" else source.precheck if base == "precheck" else None
    if quiz is not None:
        variant_q = quiz.variant(language)
        return Preview("quiz", variant_q.title, variant_q.intro_html, questions=variant_q.questions, language=language)
    return None


def _plain_preview(text: str, name: str, base: str, language: str, image_url: Callable[[str], str]) -> Preview:
    if not name.endswith(".md") or base in ("quiz", "precheck"):
        return Preview("none")
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    # Knowledge checks need the whole module parsed; until then the lesson shows without them.
    body = re.sub(r"^::: *(?:question|check)\b.*?^:::[ \t]*$", "", body, flags=re.DOTALL | re.MULTILINE)
    rendered = content.render_markdown(body, image_url=image_url, language=language)
    return Preview("lesson", "", rendered.html, rendered.toc_html, language=language)

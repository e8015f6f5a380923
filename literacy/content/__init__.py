"""The course engine: parse, validate, render and grade modules. Pure Python, no Flask.

The format is described in docs/authoring.md. The main entry points:

- :func:`parse_module` (files as a mapping) and :func:`load_module` (a folder) give a
  :class:`ParseResult`: a rendered, sanitized :class:`ModuleSource` or every :class:`Problem`.
- :func:`load_courses` / :func:`check_paths` read a courses folder (glossary.yaml and module folders).
- :func:`render_markdown` is the one markdown-to-safe-HTML function.
- :func:`grade` marks a response to a :class:`Question`; question kinds live in :data:`KINDS`.
"""

from .courses import CASES_FOLDER, CoursesResult, check_paths, load_courses, load_module, module_summary, summary_line
from .glossary import Glossary, Term, TermText, load_glossary, parse_glossary
from .grading import grade, merge_accepts, normalise_text, parse_number
from .kinds import KINDS, Kind
from .model import (
    Image,
    Lesson,
    LessonVariant,
    ModuleSource,
    ModuleText,
    Option,
    Question,
    Quiz,
    QuizVariant,
    Reading,
)
from .parse import MAX_QUESTIONS, RESERVED_LESSON_SLUGS, ParseResult, content_hash, parse_module, question_limit_problem
from .problems import Message, Problem, translate
from .render import Rendered, render_inline, render_markdown

__all__ = [
    "CASES_FOLDER",
    "KINDS", "MAX_QUESTIONS", "RESERVED_LESSON_SLUGS", "CoursesResult", "Glossary", "Image", "Kind", "Lesson",
    "LessonVariant", "Message", "ModuleSource", "ModuleText", "Option", "ParseResult", "Problem", "Question", "Quiz",
    "QuizVariant", "Reading", "Rendered", "Term", "TermText", "check_paths", "content_hash", "grade",
    "load_courses", "load_glossary", "load_module", "merge_accepts", "module_summary", "normalise_text",
    "parse_glossary", "parse_module", "parse_number", "question_limit_problem", "render_inline", "render_markdown",
    "summary_line", "translate",
]

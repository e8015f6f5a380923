"""The self-assessment questionnaire: parts, sections and questions read from a versioned file under courses/.

``courses/self-assessment/v<N>.yaml`` holds the questionnaire in English; ``v<N>.cy.yaml`` (and any other
``v<N>.<language>.yaml``) holds only its texts, under the same ids. Every problem is reported as
``file:line: problem``, like the course checker's, and all of them at once. An assessment keeps the version it
started with: a published version's ids never change, a changed questionnaire is a new file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context

from ...config import PACKAGE_ROOT
from ...content.problems import Problem, Problems
from ...content.yamlfields import Fields, compose

FOLDER = "self-assessment"
TYPES = ("text", "long_text", "single", "multiple")
CHOICE_TYPES = ("single", "multiple")
ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    risk: str = ""  # shown in the report when chosen
    modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    section: str
    help: str = ""
    choices: tuple[Choice, ...] = ()
    modules: tuple[str, ...] = ()

    def choice(self, choice_id: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.id == choice_id), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    part: str
    questions: tuple[Question, ...]
    intro: str = ""


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    sections: tuple[Section, ...]
    intro: str = ""


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: str
    intro: str
    parts: tuple[Part, ...]
    language: str = "en"
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def sections(self) -> list[Section]:
        return [section for part in self.parts for section in part.sections]

    @property
    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in section.questions]

    def section(self, section_id: str) -> Section | None:
        return next((section for section in self.sections if section.id == section_id), None)

    def question(self, question_id: str) -> Question | None:
        if not self._by_id:
            self._by_id.update({question.id: question for question in self.questions})
        return self._by_id.get(question_id)

    def part_of(self, section: Section) -> Part:
        return next(part for part in self.parts if part.id == section.part)


class QuestionnaireError(Exception):
    """The file has problems: ``problems`` lists them (``str(problem)`` is ``file:line: message``)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def folder() -> Path:
    root = Path(current_app.config["COURSES_DIR"]) if has_app_context() else PACKAGE_ROOT / "courses"
    return root / FOLDER


def available_versions(where: Path | None = None) -> list[str]:
    where = where or folder()
    found = [path.name[1:-5] for path in where.glob("v*.yaml") if path.name.count(".") == 1]
    return sorted(found, key=lambda version: int(version) if version.isdigit() else 0)


def current_version() -> str:
    versions = available_versions()
    if not versions:
        raise LookupError("no self-assessment questionnaire")
    return versions[-1]


def _id(fields: Fields, problems: Problems, name: str, seen: set[str], what: str) -> str | None:
    value = fields.text("id")
    if value is None:
        return None
    if not set(value) <= ID_CHARS or not value[0].isalpha():
        problems.add(name, fields.line("id"), f'{what} id "{value}" must be lower-case letters, digits and _')
        return None
    if value in seen:
        problems.add(name, fields.line("id"), f'{what} id "{value}" is used twice')
        return None
    seen.add(value)
    return value


def _modules(fields: Fields, problems: Problems, name: str, known: set[str] | None) -> tuple[str, ...]:
    if not fields.has("modules"):
        return ()
    slugs = fields.text_list("modules")
    if known is not None:
        for slug, line in slugs:
            if slug not in known:
                problems.add(name, line, f'no module "{slug}" under courses/')
    return tuple(slug for slug, _ in slugs)


def parse(text: str, name: str, problems: Problems, *, known_modules: set[str] | None = None) -> Questionnaire | None:
    """The questionnaire in ``text`` (the English file), every problem added to ``problems``."""
    before = len(problems)
    top = Fields.of(compose(text, name, problems), name, problems, what=name)
    if top is None:
        return None
    top.unknown(("version", "title", "intro", "parts"))
    version = top.text("version")
    title = top.text("title") or ""
    intro = top.text("intro", required=False) or ""
    parts, part_ids, section_ids, question_ids = [], set(), set(), set()
    part_list = top.mappings("parts", what="a part")
    if not part_list:
        problems.add(name, top.line("parts"), "the questionnaire needs at least one part")
    for part in part_list:
        part.unknown(("id", "title", "intro", "sections"))
        part_id = _id(part, problems, name, part_ids, "part")
        sections = []
        section_list = part.mappings("sections", what="a section")
        if not section_list:
            problems.add(name, part.line("sections"), "a part needs at least one section")
        for section in section_list:
            section.unknown(("id", "title", "intro", "questions"))
            section_id = _id(section, problems, name, section_ids, "section")
            questions = []
            question_list = section.mappings("questions", what="a question")
            if not question_list:
                problems.add(name, section.line("questions"), "a section needs at least one question")
            for raw in question_list:
                raw.unknown(("id", "type", "text", "help", "choices", "modules"))
                question_id = _id(raw, problems, name, question_ids, "question")
                kind = raw.text("type")
                if kind is not None and kind not in TYPES:
                    problems.add(name, raw.line("type"), f'type "{kind}" must be one of {", ".join(TYPES)}')
                choices, choice_ids = [], set()
                choice_list = raw.mappings("choices", what="a choice")
                if kind in CHOICE_TYPES and len(choice_list) < 2:
                    problems.add(name, raw.line("choices"), "a choice question needs at least two choices")
                if kind in ("text", "long_text") and choice_list:
                    problems.add(name, raw.line("choices"), f"a {kind} question has no choices")
                for choice in choice_list:
                    choice.unknown(("id", "text", "risk", "modules"))
                    choice_id = _id(choice, problems, name, choice_ids, "choice")
                    choices.append(
                        Choice(
                            choice_id or "",
                            choice.text("text") or "",
                            choice.text("risk", required=False) or "",
                            _modules(choice, problems, name, known_modules),
                        )
                    )
                questions.append(
                    Question(
                        question_id or "",
                        kind or "text",
                        raw.text("text") or "",
                        section_id or "",
                        raw.text("help", required=False) or "",
                        tuple(choices),
                        _modules(raw, problems, name, known_modules),
                    )
                )
            sections.append(
                Section(section_id or "", section.text("title") or "", part_id or "", tuple(questions),
                        section.text("intro", required=False) or "")
            )
        part_intro = part.text("intro", required=False) or ""
        parts.append(Part(part_id or "", part.text("title") or "", tuple(sections), part_intro))
    if len(problems) > before:
        return None
    return Questionnaire(str(version), title, intro, tuple(parts))


def translate(base: Questionnaire, text: str, name: str, problems: Problems, language: str) -> Questionnaire | None:
    """``base`` with the texts of a translation file (same ids; only texts; a text left out stays English)."""
    before = len(problems)
    top = Fields.of(compose(text, name, problems), name, problems, what=name)
    if top is None:
        return None
    top.unknown(("version", "title", "intro", "parts"))
    if top.has("version") and top.text("version") != base.version:
        problems.add(name, top.line("version"), f"version must be {base.version}, as in the English file")

    def texts(fields: Fields, keys: tuple[str, ...], original: object) -> dict[str, str]:
        found = {}
        for key in keys:
            if fields.has(key):
                value = fields.text(key)
                if value is not None:
                    if not getattr(original, key):
                        problems.add(name, fields.line(key), f'"{key}" has no English text to translate')
                    found[key] = value
        return found

    def matched(fields: Fields, known: dict[str, object], what: str) -> object | None:
        wanted = fields.text("id")
        if wanted is None:
            return None
        if wanted not in known:
            problems.add(name, fields.line("id"), f'no {what} "{wanted}" in the English file')
            return None
        return known[wanted]

    parts = {part.id: part for part in base.parts}
    new_parts = {part.id: part for part in base.parts}
    for raw_part in top.mappings("parts", what="a part"):
        raw_part.unknown(("id", "title", "intro", "sections"))
        part = matched(raw_part, parts, "part")
        if part is None:
            continue
        sections = {section.id: section for section in part.sections}
        new_sections = dict(sections)
        for raw_section in raw_part.mappings("sections", what="a section"):
            raw_section.unknown(("id", "title", "intro", "questions"))
            section = matched(raw_section, sections, "section")
            if section is None:
                continue
            questions = {question.id: question for question in section.questions}
            new_questions = dict(questions)
            for raw_question in raw_section.mappings("questions", what="a question"):
                raw_question.unknown(("id", "text", "help", "choices"))
                question = matched(raw_question, questions, "question")
                if question is None:
                    continue
                choices = {choice.id: choice for choice in question.choices}
                new_choices = dict(choices)
                for raw_choice in raw_question.mappings("choices", what="a choice"):
                    raw_choice.unknown(("id", "text", "risk"))
                    choice = matched(raw_choice, choices, "choice")
                    if choice is not None:
                        new_choices[choice.id] = replace(choice, **texts(raw_choice, ("text", "risk"), choice))
                new_questions[question.id] = replace(
                    question, choices=tuple(new_choices[c.id] for c in question.choices),
                    **texts(raw_question, ("text", "help"), question),
                )
            new_sections[section.id] = replace(
                section, questions=tuple(new_questions[q.id] for q in section.questions),
                **texts(raw_section, ("title", "intro"), section),
            )
        new_parts[part.id] = replace(
            part, sections=tuple(new_sections[s.id] for s in part.sections), **texts(raw_part, ("title", "intro"), part)
        )
    if len(problems) > before:
        return None
    return replace(
        base, parts=tuple(new_parts[p.id] for p in base.parts), language=language, _by_id={},
        **texts(top, ("title", "intro"), base),
    )


def module_slugs(where: Path) -> set[str]:
    courses = where.parent
    return {path.parent.name for path in courses.glob("*/module.yaml")}


def check(where: Path | None = None) -> list[Problem]:
    """Every problem in every questionnaire file of ``where`` (default: courses/self-assessment)."""
    where = where or folder()
    problems = Problems(where.as_posix())
    known = module_slugs(where)
    for version in available_versions(where):
        name = f"v{version}.yaml"
        base = parse((where / name).read_text(encoding="utf-8"), name, problems, known_modules=known)
        for path in sorted(where.glob(f"v{version}.*.yaml")):
            if base is not None:
                language = path.name.split(".")[1]
                translate(base, path.read_text(encoding="utf-8"), path.name, problems, language)
    return problems.sorted()


@cache
def _load(where: str, version: str, language: str) -> Questionnaire:
    folder_path = Path(where)
    problems = Problems(folder_path.as_posix())
    name = f"v{version}.yaml"
    path = folder_path / name
    if not path.is_file():
        raise LookupError(f"no self-assessment questionnaire version {version}")
    base = parse(path.read_text(encoding="utf-8"), name, problems, known_modules=module_slugs(folder_path))
    if base is None:
        raise QuestionnaireError(problems.sorted())
    translated = folder_path / f"v{version}.{language}.yaml"
    if language == "en" or not translated.is_file():
        return base
    result = translate(base, translated.read_text(encoding="utf-8"), translated.name, problems, language)
    if result is None:
        raise QuestionnaireError(problems.sorted())
    return result


def load(version: str | None = None, language: str = "en") -> Questionnaire:
    """The questionnaire of ``version`` (default: the newest) in ``language`` (English where it has no file)."""
    return _load(str(folder()), version or current_version(), language)

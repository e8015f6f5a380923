"""One parser for a module's files, whether they come from a folder or from a draft in the browser.

:func:`parse_module` takes the files as a mapping of paths (relative to the module folder) to bytes
and returns either a complete :class:`~literacy.content.model.ModuleSource` (rendered, sanitized and
ready to publish) or every problem found, each with the file and line to fix.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from html import unescape

from . import validity
from .frontmatter import Document, decode, split
from .glossary import LANGUAGE_RE, Glossary
from .grading import parse_number
from .kinds import KINDS
from .model import (
    Image,
    Lesson,
    LessonVariant,
    ModuleSource,
    ModuleText,
    Question,
    Quiz,
    QuizVariant,
    Reading,
)
from .problems import N_, Message, Problem, Problems
from .questions import (
    MAX_QUESTION_CHARS,
    QuestionBlock,
    Scan,
    build_question,
    prompt_parts,
    question_label,
    scan,
    text_length,
    validate_block,
)
from .render import SLUG_RE, SLUG_RULE, Rendered, render_inline, render_markdown, url_scheme
from .yamlfields import Fields, compose

#: Lesson slugs that would collide with the words in a module's web addresses.
RESERVED_LESSON_SLUGS = frozenset({"quiz", "precheck", "images", "glossary", "certificate"})
LEVELS = ("introductory", "intermediate", "advanced")
MODULE_KEYS = frozenset({
    "slug", "title", "summary", "audience", "level", "minutes", "edition", "language", "pass_mark",
    "max_attempts", "shuffle", "outcomes", "lessons", "further_reading", "valid_for",
})
TRANSLATED_MODULE_KEYS = frozenset({"title", "summary", "audience", "outcomes", "further_reading"})
READING_KEYS = frozenset({"title", "publisher", "year", "url"})
IMAGE_TYPES = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "svg": "image/svg+xml",
}
QUIZ_FILES = ("quiz", "precheck")
#: Minutes added to the lessons' minutes when module.yaml gives none (for the assessment).
QUIZ_MINUTES = 10

_IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MARKDOWN_RE = re.compile(r"^([^/.]+)(?:\.([^/.]+))?\.md$")
_MODULE_YAML_RE = re.compile(r"^module(?:\.([^/.]+))?\.yaml$")
_SVG_DANGER_RE = re.compile(
    r"<\s*script|<\s*foreignobject|<!\s*entity|<\s*iframe|<\s*embed|<\s*object|javascript:|\bon[a-z]+\s*=",
    re.IGNORECASE,
)
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


@dataclass(frozen=True)
class ParseResult:
    """``module`` is None when there are problems (a module is published whole or not at all)."""

    module: ModuleSource | None
    problems: list[Problem]
    content_hash: str = ""
    slug: str | None = None  # from module.yaml when it could be read, even if the module is invalid

    @property
    def ok(self) -> bool:
        return self.module is not None


def is_ignored(path: str) -> bool:
    """Files and folders whose names start with ``_`` or ``.`` are authors' notes, not the module."""
    return any(part.startswith(("_", ".")) for part in path.split("/") if part)


def content_hash(files: Mapping[str, bytes]) -> str:
    """sha256 over the sorted (path, bytes) pairs: the same files give the same hash in any order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        digest.update(path.encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


#: questions (and knowledge checks) a module may have in one language; LITERACY_MAX_QUESTIONS on the site
MAX_QUESTIONS = 500
_QUESTION_LINE_RE = re.compile(rb"^ {0,3}::: *(?:question|check)\b", re.MULTILINE)
# One line of words and plain punctuation (no markup, no character HTML escapes, nothing smarty would curl or
# join, not starting like a list): markdown would only wrap it in <p>. Options and feedback are mostly this.
_PLAIN_TEXT_RE = re.compile(r"^(?!.*\.\.)(?!.*--)[^\W\d_][^\W_]*(?:[ ,.;:?!()%-]+[^\W_]+)*[.?!:)%]?$")
_SLUG_LINE_RE = re.compile(r"^slug:[ \t]*(\S+)", re.MULTILINE)


def question_limit_problem(files: Mapping[str, bytes], limit: int, label: str = "") -> Problem | None:
    """The first question over ``limit`` in one language, found by a quick scan of the markdown files.

    Counting is per language (``quiz.md`` and ``quiz.cy.md`` hold the same questions twice); the
    problem names the file and line of the first question too many.
    """
    counts: dict[str, int] = {}
    for path in sorted(files):
        match = _MARKDOWN_RE.match(path)
        if match is None:
            continue
        language = match.group(2) or ""
        for found in _QUESTION_LINE_RE.finditer(files[path]):
            counts[language] = counts.get(language, 0) + 1
            if counts[language] > limit:
                line = files[path].count(b"\n", 0, found.start()) + 1
                where = f"{label.rstrip('/')}/{path}" if label else path
                return Problem(where, line, N_("a module may have at most %(limit)s questions (knowledge checks "
                                               "included); this is question %(number)s: split the module in two",
                                               limit=limit, number=limit + 1))
    return None


def parse_module(
    files: Mapping[str, bytes],
    *,
    label: str = "",
    glossary: Glossary | None = None,
    image_url: Callable[[str], str] | None = None,
    glossary_url: Callable[[str], str] | None = None,
    max_questions: int | None = MAX_QUESTIONS,
) -> ParseResult:
    """Parse, validate and render a module's files.

    ``files`` maps paths inside the module folder ("module.yaml", "what-ai-is.cy.md",
    "images/flow.png") to their bytes; ``label`` is the folder as the author knows it
    ("courses/ai-basics") and prefixes every problem's path. Glossary links are checked against
    ``glossary`` (no glossary: every glossary link is a problem). ``image_url(name)`` and
    ``glossary_url(id)`` give the addresses written into the HTML; by default
    ``/modules/<slug>/images/<name>`` and ``/glossary#<id>``.
    """
    kept: dict[str, bytes] = {}
    for path, data in files.items():
        clean = path.replace("\\", "/").removeprefix("./")
        if not is_ignored(clean):
            kept[clean] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    too_many = question_limit_problem(kept, max_questions, label) if max_questions is not None else None
    if too_many is not None:  # refused before the (costly) rendering, so an oversized draft still opens fast
        slug = _SLUG_LINE_RE.search(kept.get("module.yaml", b"").decode("utf-8", "replace"))
        return ParseResult(None, [too_many], content_hash(kept), slug.group(1).strip("'\"") if slug else None)
    parser = _ModuleParser(kept, Problems(label), glossary, image_url, glossary_url)
    module = parser.run()
    problems = parser.problems.sorted()
    return ParseResult(None if problems else module, problems, parser.hash, parser.meta.slug or None)


# --- The parser -----------------------------------------------------------------------------------------


@dataclass
class _Meta:
    slug: str = ""
    edition: int = 1
    language: str = "en"
    level: str = ""
    minutes: int | None = None
    pass_mark: int = 0
    max_attempts: int | None = None
    shuffle: bool = True
    valid_for: str | None = None  # ISO 8601 period ("P12M"); None: certificates never expire
    text: ModuleText | None = None
    lessons: list[tuple[str, int]] = field(default_factory=list)  # (slug, line in module.yaml)
    valid_lessons: bool = False  # the lessons list could be read (so unlisted files can be reported)


@dataclass
class _Partial:
    """Module texts as written in one module(.LANG).yaml, None where the file leaves them out."""

    title: str | None = None
    summary: str | None = None
    audience: str | None = None
    outcomes: tuple[str, ...] | None = None
    further_reading: tuple[Reading, ...] | None = None


@dataclass
class _MarkdownFile:
    name: str
    slug: str
    language: str
    text: str | None  # None when it could not be decoded


class _ModuleParser:
    def __init__(
        self,
        files: dict[str, bytes],
        problems: Problems,
        glossary: Glossary | None,
        image_url: Callable[[str], str] | None,
        glossary_url: Callable[[str], str] | None,
    ) -> None:
        self.files = files
        self.problems = problems
        self.glossary = glossary
        self.known_terms = glossary.ids if glossary else frozenset()
        self._image_url = image_url
        self.glossary_url = glossary_url or (lambda term: f"/glossary#{term}")
        self.hash = content_hash(files)
        self.meta = _Meta()
        self.images: dict[str, Image] = {}
        self.image_names = {p.removeprefix("images/") for p in files if p.startswith("images/")}
        self.question_files: list[_ParsedBlocks] = []

    # The steps ------------------------------------------------------------------------------------------

    def run(self) -> ModuleSource | None:
        """Read every file, reporting all their problems; the module only when there are none."""
        translations, markdown, image_files = self._sort_files()
        if "module.yaml" in self.files:
            self._read_meta()
        else:
            self.problems.add("module.yaml", 1, N_("module.yaml is missing: every module folder needs one"))
        texts = self._read_translations(translations)
        languages = tuple(texts)
        self._read_images(image_files)
        for item in markdown:
            item.language = item.language or self.meta.language
        markdown = [m for m in markdown if self._check_markdown_name(m, languages)]

        lessons = self._read_lessons(markdown, languages)
        quiz = self._read_quiz("quiz", markdown)
        precheck = self._read_quiz("precheck", markdown)
        self._check_question_ids()

        if self.problems.items:
            return None
        return self._module(texts, lessons, quiz, precheck)

    def _sort_files(self) -> tuple[dict[str, str], list[_MarkdownFile], dict[str, bytes]]:
        """The module's files by what they hold: module.LANG.yaml by language, the markdown files (decoded)
        and the pictures; any other file is reported."""
        translations: dict[str, str] = {}  # language -> file name
        markdown: list[_MarkdownFile] = []
        image_files: dict[str, bytes] = {}
        for path in sorted(self.files):
            if path.startswith("images/"):
                image_files[path] = self.files[path]
            elif module_yaml := _MODULE_YAML_RE.match(path):
                if module_yaml.group(1):
                    translations[module_yaml.group(1)] = path
            elif md := _MARKDOWN_RE.match(path):
                text = decode(self.files[path], path, self.problems)
                markdown.append(_MarkdownFile(path, md.group(1), md.group(2) or "", text))
            else:
                self._unexpected(path)
        return translations, markdown, image_files

    def _module(
        self, texts: dict[str, ModuleText], lessons: list[Lesson], quiz: Quiz | None, precheck: Quiz | None
    ) -> ModuleSource:
        """The module from its valid parts; with no minutes in module.yaml, the lessons' and the quiz's."""
        meta = self.meta
        minutes = meta.minutes
        if minutes is None:
            minutes = sum(lesson.primary.minutes for lesson in lessons) + QUIZ_MINUTES
        return ModuleSource(
            slug=meta.slug,
            edition=meta.edition,
            language=meta.language,
            languages=tuple(texts),
            level=meta.level,
            minutes=minutes,
            pass_mark=meta.pass_mark,
            max_attempts=meta.max_attempts,
            shuffle=meta.shuffle,
            valid_for=meta.valid_for,
            texts=texts,
            lessons=tuple(lessons),
            quiz=quiz,
            precheck=precheck,
            images=dict(self.images),
            content_hash=self.hash,
            files=dict(self.files),
        )

    def _unexpected(self, path: str) -> None:
        if path.endswith((".yml", ".markdown")):
            hint = N_("use the extension .yaml or .md")
        elif "/" in path:
            hint = N_("only the images/ folder is part of a module; start a folder's name with _ to keep notes")
        else:
            hint = N_("a module holds module.yaml, NAME.md files and images/; start a file's name with _ to keep "
                      "notes")
        self.problems.add(path, 1, N_("unexpected file %(path)s: %(hint)s", path=path, hint=hint))

    def image_url(self, name: str) -> str:
        if self._image_url is not None:
            return self._image_url(name)
        return f"/modules/{self.meta.slug}/images/{name}"

    # module.yaml and module.LANG.yaml ---------------------------------------------------------------

    def _yaml(self, name: str) -> Fields | None:
        text = decode(self.files[name], name, self.problems)
        if text is None:
            return None
        before = len(self.problems)
        node = compose(text, name, self.problems)
        if len(self.problems) > before:
            return None
        if node is None:
            self.problems.add(name, 1, N_("%(name)s is empty", name=name))
            return None
        return Fields.of(node, name, self.problems, line=1)

    def _read_meta(self) -> None:
        """module.yaml: the module's settings, its texts in the main language and its list of lessons."""
        fields = self._yaml("module.yaml")
        if fields is None:
            return
        meta = self.meta
        fields.unknown(MODULE_KEYS)
        self._read_settings(fields)
        partial = self._read_texts(fields, "module.yaml", required=True)
        if None not in (partial.title, partial.summary, partial.audience, partial.outcomes):
            meta.text = ModuleText(partial.title or "", partial.summary or "", partial.audience or "",
                                   partial.outcomes or (), partial.further_reading or ())
        self._read_lesson_list(fields)

    def _read_settings(self, fields: Fields) -> None:
        """The settings of module.yaml; one that is missing or wrong keeps its default (and is reported)."""
        meta = self.meta
        meta.slug = self._valid_text(fields, "slug", SLUG_RE.match,
                                     N_("%(rule)s (e.g. ai-basics)", rule=SLUG_RULE)) or meta.slug
        meta.level = self._valid_text(fields, "level", lambda level: level in LEVELS,
                                      N_("one of %(values)s", values=", ".join(LEVELS))) or meta.level
        meta.minutes = fields.integer("minutes", required=False, minimum=1)
        meta.edition = fields.integer("edition", minimum=1) or 1
        meta.language = self._valid_text(fields, "language", LANGUAGE_RE.match,
                                         N_("a language code such as en or cy")) or meta.language
        pass_mark = fields.integer("pass_mark", minimum=0, maximum=100)
        meta.pass_mark = pass_mark if pass_mark is not None else 0
        meta.max_attempts = fields.integer("max_attempts", required=False, minimum=1)
        meta.shuffle = fields.boolean("shuffle", True)
        meta.valid_for = self._valid_for(fields)

    def _valid_for(self, fields: Fields) -> str | None:
        """``valid_for`` ("12 months", "2 years", "90 days") as an ISO 8601 period; absent, empty or "none":
        certificates of the module never expire."""
        value = fields.text("valid_for", required=False)
        try:
            return validity.parse(value)
        except ValueError as error:
            self.problems.add("module.yaml", fields.line("valid_for"), N_('valid_for "%(value)s" %(error)s',
                                                                          value=value, error=error.args[0]))
            return None

    def _valid_text(self, fields: Fields, key: str, valid: Callable[[str], object], rule: Message) -> str | None:
        """The text of a module.yaml ``key`` when ``valid`` accepts it; otherwise None, and a problem at the
        key's line saying it must be ``rule``."""
        value = fields.text(key)
        if value is None or valid(value):
            return value
        self.problems.add("module.yaml", fields.line(key), N_('%(key)s "%(value)s" must be %(rule)s', key=key,
                                                              value=value, rule=rule))
        return None

    def _read_lesson_list(self, fields: Fields) -> None:
        """The lessons: in module.yaml, in order; unlisted lesson files are reported only if it could be read."""
        meta = self.meta
        before = len(self.problems)
        seen: dict[str, int] = {}
        for slug, line in fields.text_list("lessons"):
            problem = _lesson_slug_problem(slug, seen)
            if problem:
                self.problems.add("module.yaml", line, problem)
                continue
            seen[slug] = line
            meta.lessons.append((slug, line))
        meta.valid_lessons = len(self.problems) == before

    def _read_texts(self, fields: Fields, name: str, *, required: bool) -> _Partial:
        partial = _Partial(
            title=fields.text("title", required=required),
            summary=fields.text("summary", required=required),
            audience=fields.text("audience", required=required),
        )
        if required or fields.has("outcomes"):
            outcomes = fields.text_list("outcomes")
            partial.outcomes = tuple(text for text, _ in outcomes) if outcomes else None
        if fields.has("further_reading"):
            partial.further_reading = tuple(self._read_reading(entry, name)
                                            for entry in fields.mappings("further_reading",
                                                                         what=N_("the further_reading entry")))
        return partial

    def _read_reading(self, entry: Fields, name: str) -> Reading:
        entry.unknown(READING_KEYS)
        url = entry.text("url", required=False)
        if url is not None and url_scheme(url) not in ("http", "https"):
            self.problems.add(name, entry.line("url"), N_('url "%(url)s" must start with https:// or http://',
                                                          url=url))
            url = None
        return Reading(
            title=entry.text("title") or "",
            publisher=entry.text("publisher", required=False),
            year=entry.integer("year", required=False, minimum=1),
            url=url,
        )

    def _read_translations(self, translations: dict[str, str]) -> dict[str, ModuleText]:
        """Module texts by language, the primary first, translations falling back field by field."""
        meta = self.meta
        primary = meta.text or ModuleText("", "", "", ())
        texts = {meta.language: primary}
        for language, name in sorted(translations.items()):
            if not LANGUAGE_RE.match(language):
                self.problems.add(name, 1, N_('"%(language)s" in %(name)s is not a language code such as cy',
                                              language=language, name=name))
                continue
            if language == meta.language:
                self.problems.add(name, 1, N_("%(name)s repeats the module's main language (%(language)s): "
                                              "module.yaml already holds its texts", name=name, language=language))
                continue
            fields = self._yaml(name)
            if fields is None:
                continue
            fields.unknown(TRANSLATED_MODULE_KEYS)
            partial = self._read_texts(fields, name, required=False)
            texts[language] = ModuleText(
                title=partial.title or primary.title,
                summary=partial.summary or primary.summary,
                audience=partial.audience or primary.audience,
                outcomes=partial.outcomes if partial.outcomes is not None else primary.outcomes,
                further_reading=partial.further_reading if partial.further_reading is not None
                else primary.further_reading,
            )
        return texts

    # Pictures ---------------------------------------------------------------------------------------

    def _read_images(self, image_files: dict[str, bytes]) -> None:
        for path, data in image_files.items():
            name = path.removeprefix("images/")
            if "/" in name:
                self.problems.add(path, 1, N_("pictures go straight in images/, not in a folder inside it"))
                continue
            if not _IMAGE_NAME_RE.match(name):
                self.problems.add(path, 1, N_('picture file name "%(name)s" may only use letters, digits, hyphens, '
                                              "underscores and dots", name=name))
                continue
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            media_type = IMAGE_TYPES.get(extension)
            if media_type is None:
                self.problems.add(path, 1, N_("%(path)s is not an accepted kind of picture (PNG, JPEG, GIF, WebP or "
                                              "SVG)", path=path))
                continue
            problem = _image_problem(media_type, data)
            if problem:
                self.problems.add(path, 1, N_("%(path)s %(problem)s", path=path, problem=problem))
                continue
            self.images[name] = Image(name, media_type, data)

    # Lessons ---------------------------------------------------------------------------------------

    def _check_markdown_name(self, item: _MarkdownFile, languages: tuple[str, ...]) -> bool:
        meta = self.meta
        name = item.name
        if item.slug not in QUIZ_FILES and not SLUG_RE.match(item.slug):
            self.problems.add(name, 1, N_('file name "%(name)s" must be %(rule)s followed by .md (it becomes the '
                                          "lesson's web address)", name=name, rule=SLUG_RULE))
            return False
        if not LANGUAGE_RE.match(item.language):
            self.problems.add(name, 1, N_('"%(language)s" in %(name)s is not a language code such as cy',
                                          language=item.language, name=name))
            return False
        if item.language == meta.language and name != f"{item.slug}.md":
            self.problems.add(name, 1, N_("%(name)s is in the module's main language (%(language)s): name it "
                                          "%(slug)s.md", name=name, language=meta.language, slug=item.slug))
            return False
        if item.language not in languages:
            self.problems.add(name, 1, N_("%(name)s is in %(language)s but there is no module.%(language)s.yaml, "
                                          "so the module is not offered in it", name=name, language=item.language))
            return False
        return True

    def _read_lessons(self, markdown: list[_MarkdownFile], languages: tuple[str, ...]) -> list[Lesson]:
        meta = self.meta
        by_slug: dict[str, dict[str, _MarkdownFile]] = {}
        for item in markdown:
            if item.slug not in QUIZ_FILES:
                by_slug.setdefault(item.slug, {})[item.language] = item
        listed = {slug for slug, _ in meta.lessons}
        for slug, variants in sorted(by_slug.items()):
            if meta.language not in variants:
                for item in variants.values():
                    self.problems.add(item.name, 1, _translates_missing(item.name, slug))
            elif slug not in listed and meta.valid_lessons and "module.yaml" in self.files:
                name = variants[meta.language].name
                self.problems.add(name, 1, N_('%(name)s is not listed under "lessons" in module.yaml (add it, or '
                                              "start its name with _ to keep it as notes)", name=name))
        lessons: list[Lesson] = []
        for position, (slug, line) in enumerate(meta.lessons, start=1):
            variants = by_slug.get(slug, {})
            if meta.language not in variants:
                self.problems.add("module.yaml", line, N_('lesson "%(slug)s" is listed but %(slug)s.md is missing',
                                                          slug=slug))
                continue
            parsed: dict[str, LessonVariant] = {}
            primary_blocks: _ParsedBlocks | None = None
            for language in languages:
                item = variants.get(language)
                if item is None or item.text is None:
                    continue
                variant, checks = self._read_lesson(item, parsed.get(meta.language))
                if language == meta.language:
                    primary_blocks = checks
                elif primary_blocks is not None:
                    self._compare_translation(primary_blocks, checks)
                if variant is not None:
                    parsed[language] = variant
            if meta.language in parsed:
                merged = _merge_variant_checks(parsed, meta.language)
                lessons.append(Lesson(slug, position, merged, meta.language))
        # Lessons that could not be read are left out; positions stay as listed.
        return lessons

    def _read_lesson(
        self, item: _MarkdownFile, primary: LessonVariant | None
    ) -> tuple[LessonVariant | None, _ParsedBlocks]:
        name, text = item.name, item.text or ""
        document = split(text, name, self.problems)
        header = document.header
        title: str | None = None
        minutes: int | None = None
        if not document.has_header:
            self.problems.add(name, 1, N_("%(name)s has no header: start it with a line ---, then title: and "
                                          "minutes:, then a line ---", name=name))
        elif header is not None:
            header.unknown({"title", "minutes"})
            title = header.text("title")
            minutes = header.integer("minutes", required=primary is None, minimum=1)
        blocks = self._scan_questions(document, name, item.language)
        lines = list(blocks.scan.lines)
        nonce = secrets.token_hex(6)
        tokens: dict[str, str] = {}
        for index, ((start, end), block) in enumerate(zip(blocks.scan.spans, blocks.blocks, strict=True)):
            token = f"litcheck{nonce}x{index}"
            tokens[token] = block.key
            if end - start >= 2:
                lines[start:end + 1] = ["", token, *[""] * (end - start - 1)]
            else:
                lines[start:end + 1] = [f"\n\n{token}\n\n", *[""] * (end - start)]
        rendered = self._render("\n".join(lines), blocks.scan.first_line, name, item.language)
        html = rendered.html
        for token, key in tokens.items():
            placeholder = f'<div class="knowledge-check" data-check="{key}"></div>'
            html = html.replace(f"<p>{token}</p>", placeholder).replace(token, placeholder)
        if title is None or (minutes is None and primary is None):
            return None, blocks
        return LessonVariant(
            title=title,
            minutes=minutes if minutes is not None else primary.minutes if primary else 0,
            html=html,
            toc_html=rendered.toc_html,
            checks=tuple(blocks.questions),
        ), blocks

    # Quizzes -----------------------------------------------------------------------------------------

    def _read_quiz(self, slug: str, markdown: list[_MarkdownFile]) -> Quiz | None:
        """The quiz or pre-check (``slug``) in each language it is written in; None without its file in the
        main language. Translations are checked against the main language's questions."""
        meta = self.meta
        files = {m.language: m for m in markdown if m.slug == slug}
        if not files:
            return None
        if meta.language not in files:
            for item in files.values():
                self.problems.add(item.name, 1, _translates_missing(item.name, slug))
            return None
        variants: dict[str, QuizVariant] = {}
        primary: _ParsedBlocks | None = None
        for language in [meta.language, *sorted(k for k in files if k != meta.language)]:
            item = files[language]
            if item.text is None:
                continue
            variant, parsed = self._read_quiz_variant(item.name, item.text, language)
            if language == meta.language:
                primary = parsed
            elif primary is not None:
                self._compare_translation(primary, parsed)
            variants[language] = variant
        if meta.language not in variants:
            return None
        return Quiz(_same_lessons(_merge_quiz_accepts(variants, meta.language), meta.language), meta.language)

    def _read_quiz_variant(self, name: str, text: str, language: str) -> tuple[QuizVariant, _ParsedBlocks]:
        """One quiz file: a header with at most a title, an introduction, then question blocks only."""
        document = split(text, name, self.problems)
        title = ""
        if document.header is not None:
            document.header.unknown({"title"})
            title = document.header.text("title", required=False) or ""
        parsed = self._scan_questions(document, name, language, quiz=True)
        intro_lines = self._quiz_intro(parsed, name)
        if not parsed.blocks:
            self.problems.add(name, document.body_line, N_("%(name)s has no questions (::: question ID ... :::)",
                                                           name=name))
        intro = self._render("\n".join(intro_lines), parsed.scan.first_line, name, language).html
        variant = QuizVariant(title, intro if "\n".join(intro_lines).strip() else "", tuple(parsed.questions))
        return variant, parsed

    def _quiz_intro(self, parsed: _ParsedBlocks, name: str) -> list[str]:
        """The lines before the first question block; text after it outside the blocks is reported."""
        outside = parsed.scan.outside()
        first_block = parsed.scan.spans[0][0] + parsed.scan.first_line if parsed.scan.spans else None
        intro_lines = [text for number, text in outside if first_block is None or number < first_block]
        stray = [number for number, text in outside  # (::: lines are reported by scan)
                 if first_block is not None and number > first_block and text.strip()
                 and not text.startswith(":::")]
        if stray:
            self.problems.add(name, stray[0], N_("text outside a question block: after the introduction, %(name)s "
                                                 "holds only question blocks", name=name))
        return intro_lines

    # Questions --------------------------------------------------------------------------------------

    def _scan_questions(self, document: Document, name: str, language: str, *, quiz: bool = False) -> _ParsedBlocks:
        """The question blocks of a lesson (knowledge checks) or, with ``quiz``, of the assessment or pre-check."""
        found: Scan = scan(document.body, document.body_line, name, self.problems)
        questions: list[Question] = []
        for block in found.blocks:
            before = len(self.problems)
            validate_block(block, name, self.problems)
            self._check_lesson_setting(block, name, quiz)
            if len(self.problems) == before:

                def render(text: str, line: int, inline: bool, _name: str = name) -> str:
                    return self._render(text, line, _name, language, inline=inline).html

                question = build_question(block, render)
                if quiz:
                    self._check_question_length(block, question, name)
                questions.append(question)
        result = _ParsedBlocks(name, language, found.blocks, questions, found)
        self.question_files.append(result)
        return result

    def _check_lesson_setting(self, block: QuestionBlock, name: str, quiz: bool) -> None:
        """``lesson:`` names one of the module's lessons, and only in the assessment or the pre-check."""
        setting = block.settings.get("lesson")
        if setting is None:
            return
        label = question_label(block.key)
        if not quiz:
            self.problems.add(name, setting.line, N_("lesson: does not apply to a knowledge check (%(question)s): a "
                                                     "check belongs to the lesson it is in", question=label))
            return
        slugs = [slug for slug, _line in self.meta.lessons]
        if SLUG_RE.match(setting.value) and self.meta.valid_lessons and slugs and setting.value not in slugs:
            self.problems.add(name, setting.line, N_('lesson "%(lesson)s" of %(question)s is not a lesson of this '
                                                     "module (the lessons in module.yaml: %(lessons)s)",
                                                     lesson=setting.value, question=label, lessons=", ".join(slugs)))

    def _check_question_length(self, block: QuestionBlock, question: Question, name: str) -> None:
        """The question paragraph is the quiz page's heading: keep it short, the situation above it."""
        _scenario, heading = prompt_parts(question.prompt_html)
        length = text_length(heading) if heading is not None else 0
        if length > MAX_QUESTION_CHARS:
            self.problems.add(name, block.question_line,
                              N_('the question of "%(key)s" is %(length)s characters long (at most %(limit)s): its '
                                 "last paragraph is the page's heading, so end the prompt with the question alone, "
                                 "in a paragraph of its own, and put the situation in the paragraphs above it",
                                 key=block.key, length=length, limit=MAX_QUESTION_CHARS))

    def _check_question_ids(self) -> None:
        """Question IDs are unique across the quiz, the pre-check and every knowledge check, per language."""
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        for parsed in self.question_files:
            for block in parsed.blocks:
                if not block.key:
                    continue
                first = seen.get((parsed.language, block.key))
                if first is not None:
                    self.problems.add(parsed.name, block.line,
                                      N_('question ID "%(key)s" is used twice (also on line %(line)s)',
                                         key=block.key, line=first[1])
                                      if first[0] == parsed.name else
                                      N_('question ID "%(key)s" is used twice (also at %(file)s:%(line)s)',
                                         key=block.key, file=first[0], line=first[1]))
                else:
                    seen[(parsed.language, block.key)] = (parsed.name, block.line)

    def _compare_translation(self, primary: _ParsedBlocks, other: _ParsedBlocks) -> None:
        """A translation has the same questions, kinds, options and correct options: only words change."""
        originals = {b.key: b for b in primary.blocks}
        present = {b.key for b in other.blocks}
        name, source = other.name, primary.name
        for block in other.blocks:
            original = originals.get(block.key)
            if original is None:
                self.problems.add(name, block.line, N_('question "%(key)s" is not in %(source)s', key=block.key,
                                                       source=source))
                continue
            label = question_label(block.key)
            if block.kind != original.kind:
                self.problems.add(name, block.line, N_("%(question)s is %(here)s here but %(there)s in %(source)s",
                                                       question=label, here=block.kind or _WITHOUT_TYPE,
                                                       there=original.kind or _WITHOUT_TYPE, source=source))
                continue
            if len(block.options) != len(original.options):
                self.problems.add(name, block.line, N_("%(question)s has %(here)s options here but %(there)s in "
                                                       "%(source)s", question=label, here=len(block.options),
                                                       there=len(original.options), source=source))
                continue
            if [o.key for o in block.options] != [o.key for o in original.options]:
                self.problems.add(name, block.line, N_("%(question)s: the option IDs differ from %(source)s (give "
                                                       "the same {#id} to the same option)", question=label,
                                                       source=source))
            if [o.is_correct for o in block.options] != [o.is_correct for o in original.options]:
                mine = ", ".join(o.key for o in block.options if o.is_correct) or N_("none")
                theirs = ", ".join(o.key for o in original.options if o.is_correct) or N_("none")
                self.problems.add(name, block.line, N_("%(question)s: the correct options differ from %(source)s "
                                                       "(here %(here)s, there %(there)s)", question=label,
                                                       source=source, here=mine, there=theirs))
            mine_lesson, theirs_lesson = block.settings.get("lesson"), original.settings.get("lesson")
            if mine_lesson is not None and mine_lesson.value != (theirs_lesson.value if theirs_lesson else None):
                self.problems.add(name, mine_lesson.line, N_("%(question)s: lesson: differs from %(source)s (leave "
                                                             "it out here to use the lesson given there)",
                                                             question=label, source=source))
            for setting in ("answer", "tolerance"):
                mine_s, theirs_s = block.settings.get(setting), original.settings.get(setting)
                if (parse_number(mine_s.value) if mine_s else None) != (
                        parse_number(theirs_s.value) if theirs_s else None):
                    line = mine_s.line if mine_s else block.line
                    self.problems.add(name, line, N_("%(question)s: %(setting)s: differs from %(source)s",
                                                     question=label, setting=setting, source=source))
        for block in primary.blocks:
            if block.key and block.key not in present:
                self.problems.add(name, 1, N_('question "%(key)s" of %(source)s is missing from %(name)s',
                                              key=block.key, source=source, name=name))

    # Rendering ---------------------------------------------------------------------------------------

    def _render(
        self, text: str, first_line: int, name: str, language: str, *, inline: bool = False
    ) -> Rendered:
        if _PLAIN_TEXT_RE.match(text):  # nothing for markdown or the sanitizer to change: the same HTML, faster
            return Rendered(text if inline else f"<p>{text}</p>")
        if "[" not in text and "<" not in text:  # no link, picture or glossary term: the result is the text's own
            rendered = _render_unlinked(text, inline, language)
        else:
            render = render_inline if inline else render_markdown
            rendered = render(
                text,
                image_url=self.image_url,
                glossary_url=self.glossary_url,
                known_terms=self.known_terms,
                known_images=self.image_names,
                language=language,
            )
        for line, message in rendered.problems:
            if self.glossary is None and message.startswith("glossary link to unknown term"):
                message = N_("%(problem)s (no glossary.yaml was found beside the module folder)", problem=message)
            self.problems.add(name, first_line + line - 1, message)
        return rendered


@functools.lru_cache(maxsize=16384)
def _render_unlinked(text: str, inline: bool, language: str) -> Rendered:
    """A text without ``[`` or ``<`` renders the same whatever the module (it can hold no link, picture or
    glossary term, the only things that depend on it), so it is rendered once per process: a trainer editing
    one question of a large quiz re-renders that question only."""
    return (render_inline if inline else render_markdown)(text, known_terms=frozenset(), known_images=frozenset(),
                                                          language=language)


@dataclass
class _ParsedBlocks:
    """The question blocks of one file, and the questions of those that are valid."""

    name: str
    language: str
    blocks: list[QuestionBlock]
    questions: list[Question]
    scan: Scan


_WITHOUT_TYPE = N_("without a type")


def _translates_missing(name: str, slug: str) -> Message:
    return N_("%(name)s translates %(slug)s.md, which is missing", name=name, slug=slug)


def _lesson_slug_problem(slug: str, seen: dict[str, int]) -> Message | None:
    """Why an entry of "lessons" cannot be a lesson (``seen``: the lessons listed above it, by line)."""
    if not SLUG_RE.match(slug):
        if slug.endswith(".md"):
            return N_('lesson "%(slug)s" must be %(rule)s (leave out the .md)', slug=slug, rule=SLUG_RULE)
        return N_('lesson "%(slug)s" must be %(rule)s', slug=slug, rule=SLUG_RULE)
    if slug in RESERVED_LESSON_SLUGS:
        return N_("\"%(slug)s\" cannot be a lesson: the module's web addresses use it (%(reserved)s)", slug=slug,
                  reserved=", ".join(sorted(RESERVED_LESSON_SLUGS)))
    if slug in seen:
        return N_('lesson "%(slug)s" is listed twice (also on line %(line)s)', slug=slug, line=seen[slug])
    return None


def _image_problem(media_type: str, data: bytes) -> Message | None:
    """Why a picture file cannot be served as a picture, if it cannot (the words follow its file name)."""
    if not data:
        return N_("is empty")
    if media_type == "image/svg+xml":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return N_("is not a UTF-8 SVG file")
        if "<svg" not in text.lower():
            return N_("is not an SVG file")
        flat = re.sub(r"[\t\n\r]", "", unescape(text))
        if _SVG_DANGER_RE.search(flat) or _SVG_DANGER_RE.search(text):
            return N_("contains scripting (script, event attributes, javascript: links or embedded content); only "
                      "plain drawings are accepted")
        return None
    if media_type == "image/webp":
        return None if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else N_("is not a WebP file")
    if not data.startswith(_MAGIC[media_type]):
        return N_("is not a %(kind)s file (check its extension)", kind=media_type.split("/")[1].upper())
    return None


def _merge_variant_checks(variants: dict[str, LessonVariant], language: str) -> dict[str, LessonVariant]:
    """Give each text check the accepted answers of every language."""
    merged = _merge_question_sets({lang: v.checks for lang, v in variants.items()}, language)
    return {lang: replace(v, checks=merged[lang]) for lang, v in variants.items()}


def _merge_quiz_accepts(variants: dict[str, QuizVariant], language: str) -> dict[str, QuizVariant]:
    merged = _merge_question_sets({lang: v.questions for lang, v in variants.items()}, language)
    return {lang: replace(v, questions=merged[lang]) for lang, v in variants.items()}


def _same_lessons(variants: dict[str, QuizVariant], language: str) -> dict[str, QuizVariant]:
    """Every language's question names the lesson the main language's does (a translation may leave it out)."""
    lessons = {question.key: question.lesson for question in variants[language].questions}
    return {
        lang: v if lang == language else replace(v, questions=tuple(
            replace(q, lesson=lessons.get(q.key)) for q in v.questions))
        for lang, v in variants.items()
    }


def _merge_question_sets(
    sets: dict[str, tuple[Question, ...]], language: str
) -> dict[str, tuple[Question, ...]]:
    order = [language, *[lang for lang in sets if lang != language]]
    result: dict[str, tuple[Question, ...]] = {}
    for lang in sets:
        merged = []
        for question in sets[lang]:
            kind = KINDS.get(question.kind)
            merge = kind.merge_variants if kind is not None else None
            for other_lang in order if merge is not None else ():
                if other_lang == lang:
                    continue
                other = next((q for q in sets[other_lang] if q.key == question.key), None)
                if other is not None:
                    question = merge(question, other)
            merged.append(question)
        result[lang] = tuple(merged)
    return result

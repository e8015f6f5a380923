"""Reading and checking the case library's files (``courses/cases/<slug>.md``, ``.cy.md``, ``.sv.md``).

The format is in docs/practice.md ("The case library"). Like the course engine this never raises on bad input
and needs no Flask: every problem is collected as ``path:line: message`` (a :class:`~literacy.content.Problem`
with a translatable message), and the markdown of each section is rendered and sanitised once, here, with the
course engine's one render function.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

import yaml

from ...content.frontmatter import decode, split
from ...content.problems import N_, Problem, Problems
from ...content.render import SLUG_RE, SLUG_RULE, render_markdown, url_scheme
from ...content.yamlfields import Fields

PRIMARY = "en"
#: the four sections of a case, by key, with their heading in each language a case may be written in
SECTION_KEYS = ("done", "outcome", "assessment", "lessons")
HEADINGS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "en": ("What was done", "Outcome", "What went well or wrong", "Lessons"),
    "cy": ("Beth a wnaed", "Y canlyniad", "Beth aeth yn dda neu o chwith", "Gwersi"),
    "sv": ("Vad som gjordes", "Resultat", "Vad som gick bra eller fel", "Lärdomar"),
})
SECTORS = ("benefits", "education", "policing", "health", "local-government", "tax", "immigration", "employment",
           "central-government")
COUNTRIES = ("uk", "wales", "scotland", "sweden", "netherlands", "eu", "australia", "usa", "other")
RISKS = ("bias", "transparency", "accuracy", "privacy", "accountability", "legality", "human-oversight")
MAX_SUMMARY = 300
#: a translation's summary may run a third longer (Welsh and Swedish take more words than English)
MAX_TRANSLATED_SUMMARY = 400
MAX_TECHNIQUES = 4

_ENGLISH_KEYS = ("title", "summary", "sector", "country", "organisation", "year", "period", "techniques", "risks",
                 "sources", "atrs", "lessons")
_TRANSLATION_KEYS = ("title", "summary")
_FILE_RE = re.compile(r"^(?P<slug>[^.]+)(?:\.(?P<language>[a-z]{2}))?\.md$")
_HEADING_RE = re.compile(r"^##(?!#)[ \t]*(.*?)[ \t#]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    accessed: date | None


@dataclass(frozen=True)
class CaseText:
    """A case in one language: its title and summary, and the four sections as (heading, safe HTML)."""

    language: str
    title: str
    summary: str
    sections: tuple[tuple[str, str], ...]
    #: title, summary and body as plain lower-case text, for the search
    search_text: str


@dataclass(frozen=True)
class Case:
    slug: str
    sector: str
    country: str
    organisation: str
    year: int
    period: str | None
    techniques: tuple[str, ...]
    risks: tuple[str, ...]
    sources: tuple[Source, ...]
    atrs: str | None
    lessons: tuple[str, ...]  # "module-slug/lesson-slug"
    texts: Mapping[str, CaseText]
    path: str = ""  # the English file, as the loader named it

    def text(self, language: str) -> CaseText:
        """The case in ``language``, or in English when it has no such translation (``.language`` says which)."""
        return self.texts.get(language) or self.texts[PRIMARY]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.texts)


@dataclass
class CasesResult:
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0  # English case files read

    @property
    def ok(self) -> bool:
        return not self.problems


def lesson_ids(courses_root: Path) -> frozenset[str]:
    """Every ``module-slug/lesson-slug`` listed in the module.yaml files of a courses folder (read as plain
    YAML: a module with problems still names its lessons, and its own problems are the course check's)."""
    found: set[str] = set()
    if not courses_root.is_dir():
        return frozenset()
    for path in sorted(courses_root.glob("*/module.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("lessons"), list):
            continue
        slug = str(data.get("slug") or path.parent.name)
        found.update(f"{slug}/{lesson}" for lesson in data["lessons"] if isinstance(lesson, str))
    return frozenset(found)


def signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of a case folder's files: a changed folder has a new signature."""
    try:
        entries = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file())
    except OSError:
        return ()
    return tuple(entries)


def load_cases(folder: Path, *, known_lessons: Collection[str] | None = None, label: str | None = None) -> CasesResult:
    """Read every case in ``folder``. A case with problems is left out of ``cases`` (and its problems are in
    ``problems``); ``known_lessons`` (None: do not check) are the lesson ids a case's ``lessons`` may name."""
    name = folder.as_posix() if label is None else label
    problems = Problems(name)
    if not folder.is_dir():
        return CasesResult(problems=[Problem(name, 1, N_("no such folder"))])
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
             if p.is_file() and not p.name.startswith(("_", "."))}
    return parse_cases(files, problems, known_lessons=known_lessons)


def parse_cases(
    files: Mapping[str, bytes], problems: Problems, *, known_lessons: Collection[str] | None = None
) -> CasesResult:
    """Cases from file names and contents (the loader's work without the disk, for tests and checks)."""
    result = CasesResult()
    english: dict[str, str] = {}
    translations: dict[str, dict[str, str]] = {}
    for file_name in sorted(files):
        match = _FILE_RE.match(file_name)
        if match is None:
            if file_name.endswith(".md"):
                problems.add(file_name, 1, N_("a case file is named SLUG.md, or SLUG.LANGUAGE.md for a translation "
                                              "(such as SLUG.cy.md)"))
            continue
        slug, language = match["slug"], match["language"] or PRIMARY
        if not SLUG_RE.match(slug):
            problems.add(file_name, 1, N_("the file name must be a slug: %(rule)s", rule=SLUG_RULE))
            continue
        if language == PRIMARY:
            english[slug] = file_name
        elif language not in HEADINGS:
            problems.add(file_name, 1, N_('cases can be written in %(languages)s, not "%(language)s"',
                                          languages=", ".join(HEADINGS), language=language))
        else:
            translations.setdefault(slug, {})[language] = file_name
    for slug, names in sorted(translations.items()):
        if slug not in english:
            missing = slug + ".md"
            for file_name in names.values():
                problems.add(file_name, 1, N_("this translation has no English case file %(name)s", name=missing))
    for slug, file_name in sorted(english.items()):
        result.checked += 1
        before = len(problems)
        case = _read_case(slug, file_name, files, translations.get(slug, {}), problems, known_lessons)
        if case is not None and len(problems) == before:
            result.cases.append(case)
    result.problems = problems.sorted()
    return result


def _read_case(
    slug: str, file_name: str, files: Mapping[str, bytes], translations: Mapping[str, str], problems: Problems,
    known_lessons: Collection[str] | None,
) -> Case | None:
    text = decode(files[file_name], file_name, problems)
    if text is None:
        return None
    document = split(text, file_name, problems)
    if not document.has_header:
        problems.add(file_name, 1, N_("a case starts with a header between two lines ---"))
        return None
    header = document.header
    if header is None:
        return None
    header.unknown(_ENGLISH_KEYS)
    title = header.text("title")
    summary = _summary(header, file_name, problems)
    sector = _choice(header, "sector", SECTORS)
    country = _choice(header, "country", COUNTRIES)
    organisation = header.text("organisation")
    year = header.integer("year", minimum=1900, maximum=2100)
    period = header.text("period", required=False)
    techniques = [value.lower() for value, _line in header.text_list("techniques")]
    if len(techniques) > MAX_TECHNIQUES:
        problems.add(file_name, header.line("techniques"),
                     N_('"%(key)s" may have at most %(count)s entries', key="techniques", count=MAX_TECHNIQUES))
    risks = []
    for value, line in header.text_list("risks"):
        if value not in RISKS:
            problems.add(file_name, line, N_('"%(value)s" is not one of the %(key)s: %(choices)s', value=value,
                                             key="risks", choices=", ".join(RISKS)))
        risks.append(value)
    sources = _sources(header, file_name, problems)
    atrs = header.text("atrs", required=False)
    if atrs is not None and url_scheme(atrs) not in ("http", "https"):
        problems.add(file_name, header.line("atrs"), N_('"%(key)s" must be an http or https address', key="atrs"))
    lessons = []
    for value, line in header.text_list("lessons", required=False):
        if known_lessons is not None and value not in known_lessons:
            problems.add(file_name, line, N_('no lesson "%(lesson)s": name one as module-slug/lesson-slug, as in '
                                             "the module's module.yaml", lesson=value))
        lessons.append(value)
    sections = _sections(document.body, document.body_line, file_name, PRIMARY, problems)
    texts = {PRIMARY: _text(PRIMARY, title or "", summary or "", sections)}
    for language, translation_name in sorted(translations.items()):
        translated = _read_translation(translation_name, files[translation_name], language, problems)
        if translated is not None:
            texts[language] = translated
    if None in (title, summary, sector, country, organisation, year) or not sources or not risks \
            or not techniques or sections is None:
        return None
    return Case(
        slug=slug, sector=sector or "", country=country or "", organisation=organisation or "", year=year or 0,
        period=period, techniques=tuple(dict.fromkeys(techniques)), risks=tuple(dict.fromkeys(risks)),
        sources=tuple(sources), atrs=atrs, lessons=tuple(dict.fromkeys(lessons)),
        texts=MappingProxyType(texts), path=problems.path(file_name),
    )


def _read_translation(file_name: str, data: bytes, language: str, problems: Problems) -> CaseText | None:
    text = decode(data, file_name, problems)
    if text is None:
        return None
    document = split(text, file_name, problems)
    if not document.has_header:
        problems.add(file_name, 1, N_("a translation starts with a header between two lines ---, with its title "
                                      "and summary"))
        return None
    if document.header is None:
        return None
    document.header.unknown(_TRANSLATION_KEYS)
    title = document.header.text("title")
    summary = _summary(document.header, file_name, problems, MAX_TRANSLATED_SUMMARY)
    sections = _sections(document.body, document.body_line, file_name, language, problems)
    if title is None or summary is None or sections is None:
        return None
    return _text(language, title, summary, sections)


def _summary(header: Fields, file_name: str, problems: Problems, limit: int = MAX_SUMMARY) -> str | None:
    summary = header.text("summary")
    if summary is not None and len(summary) > limit:
        problems.add(file_name, header.line("summary"), N_('"%(key)s" must be at most %(count)s characters',
                                                           key="summary", count=limit))
    return summary


def _choice(header: Fields, key: str, choices: tuple[str, ...]) -> str | None:
    value = header.text(key)
    if value is not None and value not in choices:
        header.problems.add(header.name, header.line(key), N_('"%(value)s" is not one of the %(key)s: %(choices)s',
                                                              value=value, key=key, choices=", ".join(choices)))
        return None
    return value


def _sources(header: Fields, file_name: str, problems: Problems) -> list[Source]:
    if not header.has("sources"):
        problems.add(file_name, header.line(), N_('the header is missing "%(key)s"', key="sources"))
        return []
    entries = header.mappings("sources", what=N_("the sources entry"))
    if not entries:
        problems.add(file_name, header.line("sources"), N_('"%(key)s" needs at least one entry', key="sources"))
    sources = []
    for entry in entries:
        entry.unknown(("title", "url", "accessed"))
        title, url = entry.text("title"), entry.text("url")
        accessed_text = entry.text("accessed", required=False)
        accessed = None
        if accessed_text is not None:
            try:
                accessed = date.fromisoformat(accessed_text)
            except ValueError:
                problems.add(file_name, entry.line("accessed"), N_('"%(key)s" must be a date such as 2026-12-03',
                                                                   key="accessed"))
        if url is not None and url_scheme(url) not in ("http", "https"):
            problems.add(file_name, entry.line("url"), N_('"%(key)s" must be an http or https address', key="url"))
            url = None
        if title is not None and url is not None:
            sources.append(Source(title, url, accessed))
    return sources if len(sources) == len(entries) else []


def _sections(
    body: str, first_line: int, file_name: str, language: str, problems: Problems
) -> list[tuple[str, str]] | None:
    """The body's four sections in order, each rendered; None (with problems) when a heading is missing,
    out of order or unexpected."""
    expected = HEADINGS[language]
    found: list[tuple[str, int, list[str]]] = []  # heading, line, its lines
    before: list[str] = []
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), start=first_line):
        marker = _FENCE_RE.match(line)
        if marker:
            fence = None if fence is not None and marker.group(1)[0] == fence else fence or marker.group(1)[0]
        heading = _HEADING_RE.match(line) if fence is None else None
        if heading is not None:
            found.append((heading.group(1), number, []))
        elif found:
            found[-1][2].append(line)
        else:
            before.append(line)
    count = len(problems)
    if any(line.strip() for line in before):
        start = first_line + next(i for i, line in enumerate(before) if line.strip())
        problems.add(file_name, start, N_('the text starts with the heading "## %(heading)s"', heading=expected[0]))
    for position, (heading, line, _lines) in enumerate(found):
        if heading not in expected:
            problems.add(file_name, line, N_('"## %(heading)s" is not a heading of a case; the headings are, in order: '
                                             "%(headings)s", heading=heading, headings="; ".join(expected)))
        elif position >= len(expected) or expected[position] != heading:
            problems.add(file_name, line, N_('the heading "## %(heading)s" is out of order; the headings are, in '
                                             "order: %(headings)s", heading=heading, headings="; ".join(expected)))
    names = [heading for heading, _line, _lines in found]
    for heading in expected:
        if heading not in names:
            problems.add(file_name, first_line + body.rstrip("\n").count("\n") if found else first_line,
                         N_('the heading "## %(heading)s" is missing', heading=heading))
    sections = []
    for heading, line, lines in found:
        text = "\n".join(lines).strip("\n")
        if not text.strip():
            problems.add(file_name, line, N_('the section "%(heading)s" is empty', heading=heading))
            continue
        rendered = render_markdown(text, language=language)
        offset = line + next(i for i, value in enumerate(lines) if value.strip())
        for problem_line, message in rendered.problems:
            problems.add(file_name, offset + problem_line - 1, message)
        sections.append((heading, rendered.html))
    if len(problems) != count:
        return None
    return sections


def _text(language: str, title: str, summary: str, sections: Iterable[tuple[str, str]] | None) -> CaseText:
    shown = tuple(sections or ())
    plain = " ".join([title, summary, *(html.unescape(_TAG_RE.sub(" ", body)) for _heading, body in shown)])
    return CaseText(language, title, summary, shown, " ".join(plain.lower().split()))


def case_summary_line(checked: int, problems: int) -> str:
    cases = "case" if checked == 1 else "cases"
    found = "problem" if problems == 1 else "problems"
    return f"{checked} {cases} checked, {problems} {found}"


__all__ = [
    "COUNTRIES", "HEADINGS", "RISKS", "SECTORS", "Case", "CaseText", "CasesResult", "Source", "case_summary_line",
    "lesson_ids", "load_cases", "parse_cases", "signature",
]

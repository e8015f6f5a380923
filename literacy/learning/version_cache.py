"""What a published version shows, read once per process and kept: its lessons in each language (titles for
the contents and the previous/next links, the stored HTML already split around its knowledge checks), the
checks themselves and their rendered HTML per interface language. The version's own columns (``Version``)
are read with the module by most pages (``service.find_live``); the lesson page reads only the version's key
with its module and takes the rest from here (``version_by_key``).

A published version is never changed (``models/content.py``), so nothing here is ever stale and nothing
needs invalidating across processes: a new version has a new id and so a new key. The key also carries the
version's content hash and publication time, because SQLite can hand out the id of a deleted newest row
again (an organisation deleted, then another module published); such a row is a different key.

Nothing here belongs to a person: progress, sessions and visibility are read for every request. The cache
is bounded (lesson lists of ``MAX_VERSIONS * 2`` versions and languages, ``MAX_LESSONS`` lesson variants,
twice as many checks' HTML) so a long-running worker's memory
stays flat however many versions are published over its life.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from types import MappingProxyType
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import load_only

from ..extensions import db
from ..models import Lesson, ModuleVersion, Question
from . import checks

MAX_VERSIONS = 512
MAX_LESSONS = 4096

T = TypeVar("T")
MISSING = object()


@dataclass(frozen=True)
class VersionKey:
    """Which version: its id, and what makes a reused id a different version (see the module's docstring)."""

    id: int
    content_hash: str
    published_at: datetime


@dataclass(frozen=True)
class Version:
    """The columns of a published version that pages read, with ``ModuleVersion``'s own ``text``; the stored
    source files are left out (they are large and no learner page shows them)."""

    id: int
    module_id: int
    number: int
    edition: int
    language: str
    languages: tuple[str, ...]
    texts: Mapping[str, Any]
    level: str
    minutes: int
    pass_mark: int
    max_attempts: int | None
    valid_for: str | None
    lesson_count: int
    question_count: int
    published_at: datetime
    content_hash: str

    @property
    def key(self) -> VersionKey:
        return VersionKey(self.id, self.content_hash, self.published_at)

    def text(self, field: str, language: str) -> Any:
        """A metadata field in ``language``, falling back to the primary language (as ``ModuleVersion.text``)."""
        return self.texts.get(language, {}).get(field) or self.texts[self.language].get(field)


@dataclass(frozen=True)
class Check:
    """A knowledge check as the lesson page shows and marks it: the ``Question`` columns that the check's
    template, ``checks.read_answer`` and ``publishing.question_from_row`` read."""

    key: str
    kind: str
    language: str
    lesson_slug: str | None
    prompt_html: str
    options: list[dict[str, Any]]
    answer: dict[str, Any]
    feedback: dict[str, Any]
    ask_confidence: bool
    shuffle: bool


@dataclass(frozen=True)
class LessonSummary:
    """A lesson as the contents and the previous/next links show it (``service`` re-exports it)."""

    slug: str
    position: int
    title: str
    minutes: int
    language: str

    @classmethod
    def from_row(cls, row: Any) -> LessonSummary:
        """From a row selecting a lesson's slug, position, title, minutes and language."""
        return cls(row.slug, row.position, row.title, row.minutes, row.language)


@dataclass(frozen=True)
class LessonPage:
    """One lesson in one language (or its primary-language fallback), ready to render."""

    slug: str
    language: str
    position: int
    title: str
    minutes: int
    toc_html: str
    parts: tuple[tuple[str, str], ...]  # checks.split_lesson of the stored HTML
    checks: Mapping[str, Check]
    lessons: tuple[LessonSummary, ...]  # every lesson of the version, as the contents shows them
    index: int  # this lesson's place in ``lessons``

    @property
    def previous(self) -> LessonSummary | None:
        return self.lessons[self.index - 1] if self.index > 0 else None

    @property
    def next(self) -> LessonSummary | None:
        return self.lessons[self.index + 1] if self.index + 1 < len(self.lessons) else None


class _Bounded:
    """A least-recently-used dict with a cap, safe to share between threads."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        found = self.find(key)
        if found is not MISSING:
            return found
        value = load()  # outside the lock: a database read; two threads may both load, the same value
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.cap:
                self.items.popitem(last=False)
        return value

    def find(self, key: Hashable) -> Any:
        """The kept value, or ``MISSING``."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return MISSING

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_versions = _Bounded(MAX_VERSIONS)
_lesson_lists = _Bounded(MAX_VERSIONS * 2)
_lessons = _Bounded(MAX_LESSONS)
_fragments = _Bounded(MAX_LESSONS * 2)

#: a version's columns, as ``version_from_row`` reads them back (loading what ``version_by_key`` has not kept)
VERSION_COLUMNS = tuple(
    ModuleVersion.__table__.c[name].label(f"version_{name}") for name in Version.__dataclass_fields__
)
#: what names a version (``VersionKey``), for a page that takes the rest from here (``version_by_key``)
KEY_COLUMNS = tuple(ModuleVersion.__table__.c[name].label(f"version_{name}") for name in ("id", "content_hash",
                                                                                          "published_at"))
_VERSION = select(*VERSION_COLUMNS).where(ModuleVersion.id == bindparam("version_id"))
_VERSIONS = select(*VERSION_COLUMNS).where(ModuleVersion.id.in_(bindparam("version_ids", expanding=True)))
_SUMMARIES = (
    select(Lesson.slug, Lesson.position, Lesson.title, Lesson.minutes, Lesson.language)
    .where(Lesson.version_id == bindparam("version_id"), Lesson.language.in_(bindparam("languages", expanding=True)))
    .order_by(Lesson.position)
)
_SUMMARIES_OF = (
    select(Lesson.version_id, Lesson.slug, Lesson.position, Lesson.title, Lesson.minutes, Lesson.language)
    .where(
        Lesson.version_id.in_(bindparam("version_ids", expanding=True)),
        Lesson.language.in_(bindparam("languages", expanding=True)),
    )
    .order_by(Lesson.version_id, Lesson.position)
)
_LESSON = (
    select(Lesson)
    .options(load_only(Lesson.slug, Lesson.language, Lesson.position, Lesson.title, Lesson.minutes, Lesson.html,
                       Lesson.toc_html))
    .where(
        Lesson.version_id == bindparam("version_id"),
        Lesson.slug == bindparam("slug"),
        Lesson.language.in_(bindparam("languages", expanding=True)),
    )
)
_CHECKS = select(
    Question.key, Question.kind, Question.language, Question.lesson_slug, Question.prompt_html, Question.options,
    Question.answer, Question.feedback, Question.ask_confidence, Question.shuffle,
).where(
    Question.version_id == bindparam("version_id"),
    Question.purpose == "check",
    Question.lesson_slug == bindparam("slug"),
    Question.language == bindparam("language"),
)


def version_from_row(row: Any) -> Version:
    """The version from a row that selected ``VERSION_COLUMNS``. Pages select only ``KEY_COLUMNS`` with their
    modules and take the rest from here: on PostgreSQL each column costs the driver a description and a
    conversion on every request (two of these are JSON), a lookup by key costs nothing."""
    mapping = row._mapping
    values = {name: mapping[f"version_{name}"] for name in Version.__dataclass_fields__}
    values["languages"] = tuple(values["languages"] or ())
    values["texts"] = MappingProxyType(values["texts"] or {})
    return Version(**values)


def row_key(row: Any) -> VersionKey:
    """The key of the version a row that selected ``KEY_COLUMNS`` names."""
    return VersionKey(row.version_id, row.version_content_hash, row.version_published_at)


def version_by_key(row: Any) -> Version | None:
    """The version a row that selected ``KEY_COLUMNS`` names: kept, or read once by id (one query). Its key
    is checked against what was read, so a reused id (SQLite) is never another version's; None when the
    version is gone. Cheaper than ``version_from_row``: three columns instead of sixteen, one of them JSON."""
    key = row_key(row)
    found = _versions.find(key)
    if found is not MISSING:
        return found
    loaded = db.session.connection().execute(_VERSION, {"version_id": key.id}).first()
    if loaded is None:
        return None
    version = version_from_row(loaded)
    return _versions.get(key, lambda: version) if version.key == key else version


def versions_by_key(rows: Iterable[Any]) -> dict[VersionKey, Version]:
    """``version_by_key`` for many rows: the versions not kept yet are read in one query, so a page that lists
    modules sends the same statements however many there are. A version gone (or whose key changed) since the
    rows were read is left out."""
    keys = {row_key(row) for row in rows}
    found: dict[VersionKey, Version] = {}
    missing = []
    for key in keys:
        kept = _versions.find(key)
        if kept is MISSING:
            missing.append(key)
        else:
            found[key] = kept
    if missing:
        wanted = set(missing)
        loaded = db.session.connection().execute(_VERSIONS, {"version_ids": sorted({key.id for key in missing})})
        for row in loaded:
            version = version_from_row(row)
            if version.key in wanted:
                found[version.key] = _versions.get(version.key, lambda version=version: version)
    return found


def version_of(model: ModuleVersion) -> Version:
    """The same for a loaded ``ModuleVersion`` (pages that write load the model)."""
    values = {name: getattr(model, name) for name in Version.__dataclass_fields__}
    values["languages"] = tuple(values["languages"] or ())
    values["texts"] = MappingProxyType(values["texts"] or {})
    return Version(**values)


def lessons(version: Version, language: str) -> tuple[LessonSummary, ...]:
    """Every lesson of the version in order, titled in ``language`` where translated (``service``'s rule);
    one query the first time in this process."""
    return _lesson_lists.get((version.key, language), lambda: _load_lessons(version, language))


def _load_lessons(found: Version, language: str) -> tuple[LessonSummary, ...]:
    rows = db.session.execute(_SUMMARIES, {"version_id": found.id, "languages": sorted({language, found.language})})
    return _chosen(rows, language)


def _chosen(rows: Any, language: str) -> tuple[LessonSummary, ...]:
    """One lesson per slug from rows in order of position: the one in ``language`` where there is one."""
    chosen: dict[str, Any] = {}
    for row in rows:
        if row.slug not in chosen or row.language == language:
            chosen[row.slug] = row
    return tuple(LessonSummary.from_row(row) for row in chosen.values())


def key_of(version: Any) -> VersionKey:
    """The key of a ``Version`` or of a loaded ``ModuleVersion``."""
    return VersionKey(version.id, version.content_hash, version.published_at)


def lessons_of(versions: Iterable[Any], language: str) -> dict[int, tuple[LessonSummary, ...]]:
    """``lessons`` of each of ``versions`` (``Version`` or ``ModuleVersion``), by version id; the ones not kept
    yet are read together in one query, so a page listing many modules costs at most one."""
    found: dict[int, tuple[LessonSummary, ...]] = {}
    missing: dict[int, Any] = {}
    for item in versions:
        kept = _lesson_lists.find((key_of(item), language))
        if kept is MISSING:
            missing[item.id] = item
        else:
            found[item.id] = kept
    if missing:
        primary = {version_id: item.language for version_id, item in missing.items()}
        rows: dict[int, list[Any]] = {}
        for row in db.session.execute(
            _SUMMARIES_OF, {"version_ids": list(primary), "languages": sorted({language, *primary.values()})}
        ):
            if row.language in (language, primary[row.version_id]):  # another version's language is no fallback
                rows.setdefault(row.version_id, []).append(row)
        for version_id, item in missing.items():
            value = _chosen(rows.get(version_id, []), language)
            found[version_id] = _lesson_lists.get((key_of(item), language), lambda value=value: value)
    return found


def lesson(version: Version, slug: str, language: str) -> LessonPage | None:
    """The lesson ``slug`` in ``language``, or in the version's primary language when it is not translated;
    None when the version has no such lesson. Missing lessons are not kept (a mistyped address costs a query,
    and cannot fill the cache)."""
    cache_key = (version.key, slug, language)
    found = _lessons.find(cache_key)
    if found is not MISSING:
        return found
    found = _load_lesson(version, slug, language)
    return None if found is None else _lessons.get(cache_key, lambda: found)


def _load_lesson(found: Version, slug: str, language: str) -> LessonPage | None:
    """Three queries: the lesson's rows, its checks and (unless kept already) the version's lessons."""
    rows = db.session.scalars(
        _LESSON, {"version_id": found.id, "slug": slug, "languages": sorted({language, found.language})}
    ).all()
    row = next((r for r in rows if r.language == language), rows[0] if rows else None)
    if row is None:
        return None
    contents = lessons(found, language)
    checks_found = {
        check.key: Check(**check._mapping)
        for check in db.session.execute(_CHECKS, {"version_id": found.id, "slug": row.slug, "language": row.language})
    }
    return LessonPage(
        slug=row.slug,
        language=row.language,
        position=row.position,
        title=row.title,
        minutes=row.minutes,
        toc_html=row.toc_html or "",
        parts=tuple(checks.split_lesson(row.html)),
        checks=MappingProxyType(checks_found),
        lessons=contents,
        index=next(i for i, item in enumerate(contents) if item.slug == row.slug),
    )


def fragment(key: Hashable, render: Callable[[], str]) -> str:
    """Rendered HTML of a part of a version's page (a knowledge check before it is answered), by ``key``,
    which names the version (``Version.key``) and everything else the HTML depends on; the caller leaves
    anything that belongs to the person (the form's token) as a placeholder to fill in."""
    return _fragments.get(key, render)


def clear() -> None:
    """Forget everything (tests that publish a changed version under an old key use it; nothing else must)."""
    for cache in (_versions, _lesson_lists, _lessons, _fragments):
        cache.clear()

"""Learning rules and read-side queries, callable without a request.

Every page is served from stored rows (HTML rendered at publish time) with a fixed number of queries,
whatever the number of modules, lessons or people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, defer

from .. import summaries
from ..auth import sessions
from ..extensions import db
from ..models import (
    Certificate,
    GlossaryTerm,
    Lesson,
    LessonProgress,
    Membership,
    Module,
    ModuleCompletion,
    ModuleVersion,
    Organisation,
    Question,
    QuizAttempt,
    utcnow,
)
from ..xapi import record as xapi_record
from . import certificates, version_cache
from .version_cache import LessonSummary

#: How many days before a certificate expires its holder may renew it, for modules shared with everyone; an
#: organisation's own modules use the organisation's ``expiry_notice_days`` (also 30 unless changed).
RENEWAL_WINDOW_DAYS = 30


class Status(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    REFRESH_DUE = "refresh-due"
    RENEWAL_DUE = "renewal-due"  # the live edition was completed, but its certificate expired or was revoked


def renewal_opens_at(
    completed_at: datetime, valid_until: datetime | None, revoked_at: datetime | None, window_days: int
) -> datetime | None:
    """When the holder of a completion may complete the same edition again to renew its certificate.

    At once when the certificate was revoked; ``window_days`` before it expires otherwise, but never in the
    first half of its validity (a certificate valid for six weeks cannot be renewed the day it is issued);
    None when it never expires. Evidence for a renewal (a passed attempt, a lesson completed again) must come
    after this moment, which is always after the completion itself.
    """
    if revoked_at is not None:
        return max(revoked_at, completed_at)
    if valid_until is None:
        return None
    halfway = completed_at + (valid_until - completed_at) / 2
    return max(valid_until - timedelta(days=window_days), halfway)


@dataclass(frozen=True)
class Renewal:
    """Someone's newest completion of a module's live edition, its certificate's validity, and when it may be
    renewed: from then on, passing the assessment again (or, without an assessment, completing a lesson again)
    records a new completion (``renewal`` one higher) with a new certificate; the old ones stay on record."""

    completion: ModuleCompletion
    valid_until: datetime | None  # of its certificate; None: never expires
    revoked_at: datetime | None
    opens_at: datetime | None  # None: it never needs renewing

    def is_open(self, now: datetime | None = None) -> bool:
        return self.opens_at is not None and (now or utcnow()) >= self.opens_at

    def state(self, now: datetime | None = None) -> certificates.State:
        return certificates.state_of(self.valid_until, self.revoked_at, now)


def _window_days(organisation_days: int | None) -> int:
    return RENEWAL_WINDOW_DAYS if organisation_days is None else organisation_days


def renewal_of(user: Any, module: Module, version: ModuleVersion) -> Renewal | None:
    """The renewal state of ``user``'s newest completion of ``version``'s edition; None when they have not
    completed that edition (one query)."""
    row = db.session.execute(
        select(ModuleCompletion, Certificate.valid_until, Certificate.revoked_at, Organisation.expiry_notice_days)
        .outerjoin(Certificate, Certificate.completion_id == ModuleCompletion.id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .outerjoin(Organisation, Organisation.id == Module.organisation_id)
        .where(
            ModuleCompletion.user_id == user.id,
            ModuleCompletion.module_id == module.id,
            ModuleCompletion.edition == version.edition,
        )
        .order_by(ModuleCompletion.renewal.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    completion, valid_until, revoked_at, days = row
    opens = renewal_opens_at(completion.completed_at, valid_until, revoked_at, _window_days(days))
    return Renewal(completion, valid_until, revoked_at, opens)


def _visible(query: Select, audience: str, user_id: Any = None) -> Select:
    """``query`` (over modules) joined to their live version and kept to what ``audience`` may take:
    "everyone" (anonymous: the shared modules), "member" (the shared ones and their own organisations'
    ones; ``user_id`` names them) or "admin" (every published module)."""
    query = query.join(ModuleVersion, ModuleVersion.id == Module.current_version_id).where(Module.status == "published")
    return query.where(visibility(audience, user_id))


def visibility(audience: str, user_id: Any = None) -> Any:
    """The condition on modules (already published) that ``_visible`` adds for ``audience``."""
    if audience == "admin":
        return true()
    if audience == "member":
        organisations = select(Membership.organisation_id).where(Membership.user_id == user_id)
        return or_(Module.organisation_id.is_(None), Module.organisation_id.in_(organisations))
    return Module.organisation_id.is_(None)


AUDIENCES = ("everyone", "member", "admin")


def audience_of(user: Any) -> tuple[str, dict[str, Any]]:
    """Which of ``_visible``'s statements serves ``user`` ("everyone", "member", "admin"), and its parameters."""
    return _audience(user)


def _audience(user: Any) -> tuple[str, dict[str, Any]]:
    """Which of ``_visible``'s statements serves ``user``, and its parameters."""
    if not getattr(user, "is_authenticated", False):
        return "everyone", {}
    if user.is_site_admin:
        return "admin", {}
    return "member", {"user_id": user.id}


def visible_modules(user: Any) -> Select:
    """Published modules this person may take: the shared ones, and their own organisations' ones. The
    versions' stored source files are not loaded (no learner page shows them; they load if read)."""
    audience, parameters = _audience(user)
    query = select(Module, ModuleVersion).options(defer(ModuleVersion.source))
    return _visible(query, audience, parameters.get("user_id"))


_VISIBLE = {
    audience: _visible(
        select(Module, ModuleVersion).options(defer(ModuleVersion.source)), audience, bindparam("user_id")
    )
    for audience in AUDIENCES
}


def visible_rows(user: Any) -> list[Any]:
    """``visible_modules(user)``'s rows, (module, version), from a statement built once."""
    audience, parameters = _audience(user)
    return db.session.execute(_VISIBLE[audience], parameters).all()


def find_module(user: Any, slug: str) -> tuple[Module, ModuleVersion] | None:
    row = db.session.execute(visible_modules(user).where(Module.slug == slug)).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class ModuleRef:
    """A module as read-only pages use it (what the person's progress and the links need), beside its live
    version as ``version_cache.Version``."""

    id: int
    slug: str
    organisation_id: int | None


#: built once, reused by every request: the live modules a person may take (by audience) with their versions'
#: keys (the rest is kept: ``version_cache.versions_by_key``), and one of them by slug
_LIVE_COLUMNS = select(Module.id, Module.slug, Module.organisation_id, *version_cache.KEY_COLUMNS).select_from(
    Module
)
_LIVE = {audience: _visible(_LIVE_COLUMNS, audience, bindparam("user_id")) for audience in AUDIENCES}
_LIVE_BY_SLUG = {audience: query.where(Module.slug == bindparam("slug")) for audience, query in _LIVE.items()}


def live_rows(rows: Any) -> list[tuple[Any, ModuleRef, version_cache.Version]]:
    """Each row (one that selected a module's id, slug and organisation and its version's ``KEY_COLUMNS``, as
    ``_LIVE_COLUMNS`` does) with its module and live version; the versions not kept yet are read in one query
    for all. A version deleted between the two reads is left out."""
    rows = rows if isinstance(rows, list) else rows.all()
    versions = version_cache.versions_by_key(rows)
    found = []
    for row in rows:
        version = versions.get(version_cache.row_key(row))
        if version is not None:
            found.append((row, ModuleRef(row.id, row.slug, row.organisation_id), version))
    return found


def live_modules(user: Any) -> list[tuple[ModuleRef, version_cache.Version]]:
    """The modules ``user`` may take with their live versions, for pages that only read (one query, and one
    more the first time a version is seen in this process)."""
    audience, parameters = _audience(user)
    return [(module, version) for _, module, version in live_rows(db.session.connection().execute(_LIVE[audience],
                                                                                               parameters))]


@dataclass(frozen=True)
class Visit:
    """A person's progress row for one lesson, as the lesson page reads it (with the module, in one query)."""

    id: int
    lesson_slug: str
    started_at: datetime
    completed_at: datetime | None


#: the live module by slug with its version's key (the rest is kept: ``version_cache.version_by_key``) and the
#: person's row for one of its lessons, if any (built once)
_LIVE_WITH_VISIT = {
    audience: _visible(
        select(Module.id, Module.slug, Module.organisation_id, *version_cache.KEY_COLUMNS).select_from(Module),
        audience,
        bindparam("user_id"),
    )
    .where(Module.slug == bindparam("slug"))
    .add_columns(
        LessonProgress.id.label("visit_id"), LessonProgress.started_at, LessonProgress.completed_at
    ).outerjoin(
        LessonProgress,
        (LessonProgress.module_id == Module.id)
        & (LessonProgress.user_id == bindparam("visitor_id"))
        & (LessonProgress.lesson_slug == bindparam("lesson_slug")),
    )
    for audience in AUDIENCES
}


def lesson_visit_parameters(view_args: Any, user_id: int) -> dict[str, Any]:
    """``_LIVE_WITH_VISIT``'s parameters for the lesson page's arguments (but ``user_id``)."""
    return {"slug": view_args.get("module_slug"), "visitor_id": user_id, "lesson_slug": view_args.get("lesson_slug")}


#: what the lesson page has the session's statement read with the person (``auth.sessions.read_with_person``):
#: for the usual person, a member, the same row ``find_lesson_visit`` reads
LESSON_WITH_PERSON = _LIVE_WITH_VISIT["member"]


def find_lesson_visit(
    user: Any, slug: str, lesson_slug: str, read_with_person: Any = sessions.NOT_READ
) -> tuple[ModuleRef, version_cache.Version, Visit | None] | None:
    """``find_live`` for the lesson page, with the signed-in ``user``'s row for ``lesson_slug`` read in the
    same query (one round trip fewer on every lesson page). Plain rows, so through the connection: the ORM's
    handling of a statement costs more than the statement on SQLite. ``read_with_person``: the row the
    session's statement read with the person (``LESSON_WITH_PERSON``, right for a member; at most one), so
    that the page costs one statement in all."""
    audience, parameters = _audience(user)
    if read_with_person is not sessions.NOT_READ and audience == "member":
        row = read_with_person[0] if read_with_person else None
    else:
        values = {**parameters, "slug": slug, "visitor_id": user.id, "lesson_slug": lesson_slug}
        row = db.session.connection().execute(_LIVE_WITH_VISIT[audience], values).first()
    version = version_cache.version_by_key(row) if row is not None else None
    if row is None or version is None:
        return None
    module = ModuleRef(row.id, row.slug, row.organisation_id)
    visit = Visit(row.visit_id, lesson_slug, row.started_at, row.completed_at) if row.visit_id is not None else None
    return module, version, visit


def find_live(user: Any, slug: str) -> tuple[ModuleRef, version_cache.Version] | None:
    """``find_module`` for pages that only read: the module by slug if ``user`` may take it, with its live
    version (one query)."""
    audience, parameters = _audience(user)
    found = live_rows(db.session.connection().execute(_LIVE_BY_SLUG[audience], {**parameters, "slug": slug}))
    return (found[0][1], found[0][2]) if found else None


@dataclass(frozen=True)
class Progress:
    """One person's progress in one module, from a few set-based queries."""

    completed_lessons: frozenset[str]
    started_lessons: frozenset[str]
    last_lesson: str | None  # where they were last (most recently started or completed)
    completion: ModuleCompletion | None  # the newest completion, of any edition
    rows: tuple[LessonProgress, ...] = ()
    renewal: Renewal | None = None  # the newest completion's certificate and when it may be renewed

    def row(self, lesson_slug: str) -> LessonProgress | None:
        return next((row for row in self.rows if row.lesson_slug == lesson_slug), None)

    def renewal_due(self, version: ModuleVersion, now: datetime | None = None) -> bool:
        """Whether the live edition's completion may (and should) be renewed now: its certificate expired,
        was revoked, or expires within the renewal window. A completion of an older edition is "refresh due"
        instead (the new edition is a first completion)."""
        return (
            self.renewal is not None
            and self.renewal.completion.edition == version.edition
            and self.renewal.is_open(now)
        )

    def lesson_done(self, version: ModuleVersion, lesson_slug: str, now: datetime | None = None) -> bool:
        """Whether the lesson shows as completed. While a module without an assessment is due for renewal, a
        lesson completed before the renewal opened shows as not completed, so that it can be marked as
        complete again (which renews the certificate)."""
        if lesson_slug not in self.completed_lessons:
            return False
        if version.question_count or not self.renewal_due(version, now):
            return True
        row = self.row(lesson_slug)
        opens = self.renewal.opens_at if self.renewal else None
        return row is None or row.completed_at is None or opens is None or row.completed_at > opens

    def status(self, version: ModuleVersion, now: datetime | None = None) -> Status:
        renewal = self.renewal
        return status_of(
            version,
            self.completion.edition if self.completion is not None else None,
            renewal.completion.edition if renewal is not None else None,
            renewal.valid_until if renewal is not None else None,
            renewal.revoked_at if renewal is not None else None,
            bool(self.started_lessons),
            now,
        )


def status_of(
    version: Any,
    completed_edition: int | None,
    renewal_edition: int | None,
    valid_until: datetime | None,
    revoked_at: datetime | None,
    started: bool,
    now: datetime | None = None,
) -> Status:
    """A person's status in a module from their newest completion's edition (None: none), the edition and
    certificate of the completion that renews (usually the same), and whether they opened a lesson."""
    if completed_edition is not None:
        if completed_edition < version.edition:
            return Status.REFRESH_DUE
        if renewal_edition == version.edition and certificates.state_of(valid_until, revoked_at, now) != (
            certificates.State.VALID
        ):
            return Status.RENEWAL_DUE  # the catalogue and the module page say so, as My learning does
        return Status.COMPLETED
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


NO_PROGRESS = Progress(frozenset(), frozenset(), None, None)


_USER = bindparam("user_id")
_MODULES = bindparam("module_ids", expanding=True)
#: built once: a person's lesson rows in some modules, and their newest completions there (the newest edition's
#: highest renewal last) with the certificates' validity
_PROGRESS_ROWS = select(LessonProgress).where(LessonProgress.user_id == _USER, LessonProgress.module_id.in_(_MODULES))
_NEWEST_EDITIONS = (
    select(ModuleCompletion.module_id, func.max(ModuleCompletion.edition).label("edition"))
    .where(ModuleCompletion.user_id == _USER, ModuleCompletion.module_id.in_(_MODULES))
    .group_by(ModuleCompletion.module_id)
    .subquery()
)
_NEWEST_COMPLETIONS = (
    select(ModuleCompletion, Certificate.valid_until, Certificate.revoked_at, Organisation.expiry_notice_days)
    .join(
        _NEWEST_EDITIONS,
        (_NEWEST_EDITIONS.c.module_id == ModuleCompletion.module_id)
        & (_NEWEST_EDITIONS.c.edition == ModuleCompletion.edition),
    )
    .outerjoin(Certificate, Certificate.completion_id == ModuleCompletion.id)
    .join(Module, Module.id == ModuleCompletion.module_id)
    .outerjoin(Organisation, Organisation.id == Module.organisation_id)
    .where(ModuleCompletion.user_id == _USER)
    .order_by(ModuleCompletion.renewal)
)


def progress_by_module(
    user: Any, module_ids: list[int], newest: dict[int, Any] | None = None, lessons: dict[int, list[Any]] | None = None
) -> dict[int, Progress]:
    """Progress of ``user`` in each of ``module_ids``: two queries, whatever the number of modules; none for
    what the caller read already: ``newest`` (by module, each module's newest edition's highest renewal as
    (completion, valid_until, revoked_at, the organisation's expiry_notice_days)) and ``lessons`` (by module,
    the person's lesson rows there, as ``LessonProgress`` or ``Visit``)."""
    if not getattr(user, "is_authenticated", False) or not module_ids:
        return {}
    parameters = {"user_id": user.id, "module_ids": list(module_ids)}
    if lessons is None:
        lessons = {}
        for row in db.session.scalars(_PROGRESS_ROWS, parameters):
            lessons.setdefault(row.module_id, []).append(row)
    if newest is None:  # the newest edition's newest completion (the highest renewal) wins
        newest = {row[0].module_id: row for row in db.session.execute(_NEWEST_COMPLETIONS, parameters)}
    renewals: dict[int, Renewal] = {}
    for completion, valid_until, revoked_at, days in newest.values():
        opens = renewal_opens_at(completion.completed_at, valid_until, revoked_at, _window_days(days))
        renewals[completion.module_id] = Renewal(completion, valid_until, revoked_at, opens)
    found = {}
    for module_id in module_ids:
        rows = lessons.get(module_id, [])
        last = max(rows, key=lambda r: r.completed_at or r.started_at, default=None)
        renewal = renewals.get(module_id)
        found[module_id] = Progress(
            completed_lessons=frozenset(r.lesson_slug for r in rows if r.completed_at),
            started_lessons=frozenset(r.lesson_slug for r in rows),
            last_lesson=last.lesson_slug if last else None,
            completion=renewal.completion if renewal else None,
            rows=tuple(rows),
            renewal=renewal,
        )
    return found


@dataclass(frozen=True)
class CatalogueEntry:
    module: ModuleRef
    version: version_cache.Version
    language: str  # the language its texts are shown in
    status: Status | None  # None for anonymous visitors

    def text(self, field: str) -> Any:
        return self.version.text(field, self.language)


def shown_language(version: ModuleVersion, wanted: str) -> str:
    return wanted if wanted in version.languages else version.language


_LEARNER = bindparam("learner_id")
_NEWEST = aliased(ModuleCompletion)
#: the person's newest completion of the module (the newest edition's highest renewal), and whether they opened
#: one of its lessons, as columns of the module's row
_NEWEST_COMPLETION_ID = (
    select(_NEWEST.id)
    .where(_NEWEST.user_id == _LEARNER, _NEWEST.module_id == Module.id)
    .order_by(_NEWEST.edition.desc(), _NEWEST.renewal.desc(), _NEWEST.id.desc())
    .limit(1)
    .correlate(Module)
    .scalar_subquery()
)
_STARTED = (
    select(LessonProgress.id)
    .where(LessonProgress.user_id == _LEARNER, LessonProgress.module_id == Module.id)
    .correlate(Module)
    .exists()
)
#: built once: the live modules a signed-in person may take, each with their status's columns
_CATALOGUE = {
    audience: query.add_columns(
        _STARTED.label("started"),
        ModuleCompletion.edition.label("completed_edition"),
        Certificate.valid_until,
        Certificate.revoked_at,
    )
    .outerjoin(ModuleCompletion, ModuleCompletion.id == _NEWEST_COMPLETION_ID)
    .outerjoin(Certificate, Certificate.completion_id == ModuleCompletion.id)
    for audience, query in _LIVE.items()
}


#: what the catalogue has the session's statement read with a signed-in person (``auth.sessions.read_with_person``):
#: for the usual person, a member, the rows ``catalogue`` reads
CATALOGUE_WITH_PERSON = _CATALOGUE["member"]


def catalogue_parameters(view_args: Any, user_id: int) -> dict[str, Any]:
    return {"learner_id": user_id}


def catalogue(user: Any, language: str) -> list[CatalogueEntry]:
    """The modules ``user`` may take, with their status for a signed-in person: one query (the modules with
    their versions, the newest completion's edition and certificate, and whether a lesson was opened), read
    with the person on the catalogue page itself."""
    entries = []
    if getattr(user, "is_authenticated", False):
        audience, parameters = _audience(user)
        now = utcnow()
        rows = sessions.page_rows(user, "learning.catalogue")
        if rows is sessions.NOT_READ or audience != "member":
            rows = db.session.connection().execute(_CATALOGUE[audience], {**parameters, "learner_id": user.id})
        for row, module, version in live_rows(rows):
            edition = row.completed_edition
            status = status_of(version, edition, edition, row.valid_until, row.revoked_at, row.started, now)
            entries.append(CatalogueEntry(module, version, shown_language(version, language), status))
    else:
        entries = [
            CatalogueEntry(module, version, shown_language(version, language), None)
            for module, version in live_modules(user)
        ]
    return sorted(entries, key=lambda e: (e.module.organisation_id is not None, e.text("title").casefold()))


def prefer_language(rows: Any, key: Any, language: str) -> dict[str, Any]:
    """One row per ``key(row)``: the one in ``language`` where there is one, otherwise the other
    (primary-language) row. Rows come from one query asking for both languages."""
    chosen: dict[str, Any] = {}
    for row in rows:
        if key(row) not in chosen or row.language == language:
            chosen[key(row)] = row
    return chosen


def lesson_summaries(version: ModuleVersion, language: str) -> list[LessonSummary]:
    """Every lesson of a version, in order, titled in ``language`` where it is translated (one query)."""
    rows = db.session.execute(
        select(Lesson.slug, Lesson.position, Lesson.title, Lesson.minutes, Lesson.language)
        .where(Lesson.version_id == version.id, Lesson.language.in_({language, version.language}))
        .order_by(Lesson.position)
    ).all()
    chosen = prefer_language(rows, lambda row: row.slug, language)
    return [LessonSummary.from_row(r) for r in chosen.values()]


def lesson_in(version: ModuleVersion, slug: str, language: str) -> Lesson | None:
    """The lesson in ``language``, or in the module's primary language when it is not translated."""
    rows = db.session.scalars(
        select(Lesson).where(
            Lesson.version_id == version.id, Lesson.slug == slug, Lesson.language.in_({language, version.language})
        )
    ).all()
    return next((r for r in rows if r.language == language), rows[0] if rows else None)


def checks_for(version: ModuleVersion, lesson: Lesson) -> dict[str, Question]:
    """The knowledge checks of a lesson variant, by key."""
    rows = db.session.scalars(
        select(Question).where(
            Question.version_id == version.id,
            Question.purpose == "check",
            Question.lesson_slug == lesson.slug,
            Question.language == lesson.language,
        )
    )
    return {row.key: row for row in rows}


#: how far "last opened" may lag: opening a lesson again within this time of the recorded moment writes
#: nothing (the page is then a pure read); later, the moment moves forward in two UPDATEs without a lock
VISIT_RESOLUTION = timedelta(minutes=1)
_LOOK_UP_ROW: Any = object()


def record_visit(
    user: Any,
    module: Any,
    version: Any,
    lesson_slug: str,
    progress: Progress | None = None,
    *,
    row: Any = _LOOK_UP_ROW,
    now: datetime | None = None,
) -> bool:
    """Note that someone opened a lesson (so "continue" can bring them back); one row per lesson.

    The first opening counts in the summaries (a lesson started, recomputed under the person's lock).
    Opening it again is a read: within ``VISIT_RESOLUTION`` of the recorded moment nothing is written;
    after that the lesson's time and the summary's last activity move forward together (two UPDATEs,
    no lock, nothing recomputed), so the summaries stay equal to the raw rows. ``row`` (the lesson's
    progress row or None), or ``progress`` when the caller has loaded it, saves looking the row up again.
    Returns whether it wrote anything; the caller commits.
    """
    if row is _LOOK_UP_ROW:
        row = progress.row(lesson_slug) if progress is not None else _lesson_row(user, module, lesson_slug)
    if row is None:
        if _start_lesson(user, module, version, lesson_slug):
            summaries.refresh_learner(user.id, module.id)
        return True
    now = now or utcnow()
    moved_back = now < row.started_at  # the clock went back: the latest activity may be earlier now
    if not moved_back and now - row.started_at < VISIT_RESOLUTION:
        return False
    _move_started(row, now)
    if moved_back:
        summaries.refresh_learner(user.id, module.id)
    else:
        summaries.learner_active(user.id, module.id, now)
    return True


def _move_started(row: Any, now: datetime) -> None:
    """Set the lesson's time to ``now``: on the loaded model, or (for a ``Visit``) in one UPDATE by id."""
    if isinstance(row, LessonProgress):
        row.started_at = now
    else:
        db.session.execute(update(LessonProgress).where(LessonProgress.id == row.id).values(started_at=now))


_LESSON_ROW = select(LessonProgress).where(
    LessonProgress.user_id == bindparam("user_id"),
    LessonProgress.module_id == bindparam("module_id"),
    LessonProgress.lesson_slug == bindparam("slug"),
)


def _lesson_row(user: Any, module: Any, lesson_slug: str) -> LessonProgress | None:
    return db.session.scalar(_LESSON_ROW, {"user_id": user.id, "module_id": module.id, "slug": lesson_slug})


def lesson_done(user: Any, module: Any, version: Any, visit: Any) -> bool:
    """Whether the lesson of ``visit`` (the person's row for it, None before they open it) shows as completed
    (``Progress.lesson_done``): no query, but one for a completed lesson of a module without an assessment,
    where a renewal due can make it show as not completed."""
    if visit is None or visit.completed_at is None:
        return False
    if version.question_count:
        return True
    renewal = renewal_of(user, module, version)
    slugs = frozenset({visit.lesson_slug})
    progress = Progress(slugs, slugs, visit.lesson_slug, renewal.completion if renewal else None, (visit,), renewal)
    return progress.lesson_done(version, visit.lesson_slug)


def _start_lesson(user: Any, module: Module, version: ModuleVersion, lesson_slug: str) -> bool:
    """Add the lesson's progress row; False when another request of theirs added it at the same moment."""
    try:
        with db.session.begin_nested():
            db.session.add(
                LessonProgress(user_id=user.id, module_id=module.id, lesson_slug=lesson_slug, version_id=version.id)
            )
    except IntegrityError:  # the same person opened it twice at once; one row is enough
        return False
    return True


def complete_lesson(
    user: Any, module: Module, version: ModuleVersion, lesson_slug: str, *, now: datetime | None = None
) -> ModuleCompletion | None:
    """Mark a lesson complete; returns the module completion when this finished (or renewed) the module.

    While a module without an assessment is due for renewal, marking a lesson complete again moves its
    completion time to ``now``: that is the learner's renewal, and it completes the module again.
    """
    now = now or utcnow()
    row = _lesson_row(user, module, lesson_slug)
    if row is None:
        _start_lesson(user, module, version, lesson_slug)
        row = _lesson_row(user, module, lesson_slug)  # ours, or one a simultaneous request of theirs added
    else:
        row.started_at = now
    renewal = renewal_of(user, module, version)
    renewing = renewal is not None and renewal.is_open(now) and not version.question_count
    if row is not None and (
        row.completed_at is None or (renewing and renewal is not None and row.completed_at <= renewal.opens_at)
    ):
        row.completed_at = now
        row.version_id = version.id
        xapi_record.lesson_completed(user, module, version, lesson_slug, now=now)
    completion = complete_module_if_done(user, module, version, now=now, renewal=renewal)
    summaries.refresh_learner(user.id, module.id)
    return completion


def passed_assessment(
    user: Any, module: Module, version: ModuleVersion, *, since: datetime | None = None
) -> QuizAttempt | None:
    """The best passed assessment attempt on the live edition, if any; with ``since``, only one submitted
    after that moment (a renewal needs an attempt of its own)."""
    query = (
        select(QuizAttempt)
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.version_id)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.purpose == "assessment",
            QuizAttempt.passed.is_(True),
            ModuleVersion.edition == version.edition,
        )
        .order_by(QuizAttempt.percent.desc(), QuizAttempt.submitted_at)
        .limit(1)
    )
    if since is not None:
        query = query.where(QuizAttempt.submitted_at > since)
    return db.session.scalar(query)


_LOOK_UP = object()  # complete_module_if_done: find the renewal state itself


def complete_module_if_done(
    user: Any,
    module: Module,
    version: ModuleVersion,
    *,
    language: str | None = None,
    now: datetime | None = None,
    renewal: Any = _LOOK_UP,
) -> ModuleCompletion | None:
    """Record a completion of the live edition when every lesson is done and the assessment (if the module
    has one) is passed. Completing in any language is the same completion.

    Someone who completed the edition already completes it again only to renew: once their newest
    completion's renewal has opened (see :func:`renewal_opens_at`), an assessment attempt passed after that
    moment, or for a module without an assessment a lesson completed after it, records a new completion with
    ``renewal`` one higher and its own certificate. ``renewal`` is :func:`renewal_of`'s answer when the
    caller has it already.
    """
    now = now or utcnow()
    previous: Renewal | None = renewal_of(user, module, version) if renewal is _LOOK_UP else renewal
    since = None
    if previous is not None:
        if not previous.is_open(now):
            return None  # completed, and not due for renewal: a completion is recorded once per renewal
        since = previous.opens_at
    if not _lessons_all_done(user, module, version):
        return None
    attempt = passed_assessment(user, module, version, since=since) if version.question_count else None
    if version.question_count and attempt is None:
        return None
    if since is not None and not version.question_count and not _lesson_completed_since(user, module, since):
        return None
    completion = ModuleCompletion(
        user_id=user.id,
        module_id=module.id,
        version_id=version.id,
        edition=version.edition,
        language=language or (attempt.language if attempt else version.language),
        percent=attempt.percent if attempt else None,
        attempt_id=attempt.id if attempt else None,
        completed_at=now,
        renewal=previous.completion.renewal + 1 if previous is not None else 0,
    )
    if not _store_with_certificate(completion, version):
        return None
    xapi_record.module_completed(user, module, version, completion)
    return completion


def _lesson_completed_since(user: Any, module: Module, since: datetime) -> bool:
    """Whether ``user`` completed a lesson of ``module`` (again) after ``since``: a renewal without assessment."""
    found = db.session.scalar(
        select(LessonProgress.id)
        .where(
            LessonProgress.user_id == user.id,
            LessonProgress.module_id == module.id,
            LessonProgress.completed_at > since,
        )
        .limit(1)
    )
    return found is not None


def completed_lesson_slugs(user: Any, module: Module) -> set[str]:
    """The lessons of ``module`` that ``user`` completed, on any version and in any language (one query)."""
    return set(
        db.session.scalars(
            select(LessonProgress.lesson_slug).where(
                LessonProgress.user_id == user.id,
                LessonProgress.module_id == module.id,
                LessonProgress.completed_at.is_not(None),
            )
        )
    )


def _lessons_all_done(user: Any, module: Module, version: ModuleVersion) -> bool:
    """Whether every lesson of ``version`` is completed; lessons finished on an earlier version still count."""
    lesson_slugs = set(db.session.scalars(select(Lesson.slug).where(Lesson.version_id == version.id)))
    return lesson_slugs <= completed_lesson_slugs(user, module)


def _store_with_certificate(completion: ModuleCompletion, version: ModuleVersion) -> bool:
    """Add the completion and its certificate in a savepoint; False when another request of theirs completed
    (or renewed) the same edition at the same moment (that one stands: the renewal number is unique)."""
    try:
        with db.session.begin_nested():
            db.session.add(completion)
            db.session.flush()
            certificates.issue(completion, version)  # every completion comes with its certificate
    except IntegrityError:
        return False
    return True


def continue_lesson(progress: Progress, lessons: list[LessonSummary]) -> LessonSummary | None:
    """Where "Continue" goes: the first lesson, in the module's order, not completed yet. Opening a lesson
    is not progress (issue 18): a learner who only looked at the last lesson continues with the first."""
    return next((lesson for lesson in lessons if lesson.slug not in progress.completed_lessons), None)


def glossary(language: str) -> list[GlossaryTerm]:
    """The glossary in ``language``, falling back term by term to English, in the authors' order."""
    rows = db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.position)).all()
    chosen = prefer_language(rows, lambda row: row.term_id, language)
    return sorted(chosen.values(), key=lambda r: r.term.casefold())

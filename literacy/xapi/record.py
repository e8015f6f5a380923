"""Queueing statements where the learner acts: one INSERT in the learner's own transaction, nothing sent.

Whether an organisation sends statements at all is kept in memory for ``CACHE_SECONDS`` (``targets``): with
no LRS configured anywhere, a learner's action costs no query at all beyond a reload of that small list
every half minute per process, and none on a lesson page that only reads (it queues nothing). Which of a
learner's organisations to send to comes from the roles the session loaded for the page's header, else
(a form's request) one query, made only when some organisation sends statements.

Statements go to every organisation the learner belongs to that has an LRS switched on and asks for that
kind of statement. They are built here, when it happened, so each says what the learner saw then (the
title in their language, the edition they took).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import insert, select

from ..addresses import absolute, base_url, site_name
from ..credentials.build import subject_id
from ..extensions import db
from ..models import Lesson, LrsConnection, Membership, Organisation, XapiStatement, utcnow
from . import statements as xs

#: how long a process trusts its list of organisations that send statements (a change made in another
#: process is seen within this time; one made in this process at once)
CACHE_SECONDS = 30.0
PENDING_KEY = "literacy.xapi_pending"  # rows to insert when the transaction commits
INSERTED_KEY = "literacy.xapi_inserted"  # their ids, until the commit is done
COMMITTED_KEY = "literacy.xapi_committed"
EXTENSION = "literacy.xapi"
MEMBERS_KEY = "literacy_xapi_members"  # in flask.g: user id -> their organisations that send statements


@dataclass(frozen=True)
class Target:
    """An organisation that sends statements, as queueing needs it."""

    organisation_id: int
    slug: str
    kinds: frozenset[str]
    actor: str  # "account" or "mbox"


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = -CACHE_SECONDS * 2
        self.by_slug: dict[str, Target] = {}


def _cache() -> _Cache:
    return current_app.extensions.setdefault(EXTENSION, _Cache())


def clear_cache() -> None:
    """Forget the list (a settings page saved a change): the next action reads it again."""
    _cache().loaded_at = -CACHE_SECONDS * 2
    g.pop(MEMBERS_KEY, None)


_ENABLED = (
    select(LrsConnection.organisation_id, Organisation.slug, LrsConnection.kinds, LrsConnection.actor)
    .join(Organisation, Organisation.id == LrsConnection.organisation_id)
    .where(LrsConnection.is_enabled.is_(True), Organisation.archived_at.is_(None))
)


def enabled() -> dict[str, Target]:
    """The organisations that send statements now, by slug (read at most every ``CACHE_SECONDS``)."""
    cache = _cache()
    now = time.monotonic()
    if now - cache.loaded_at < CACHE_SECONDS:
        return cache.by_slug
    rows = db.session.execute(_ENABLED).all()
    found = {row.slug: Target(row.organisation_id, row.slug, frozenset(row.kinds or ()), row.actor) for row in rows}
    with cache.lock:
        cache.by_slug, cache.loaded_at = found, now
    return found


def targets(user: Any, kind: str) -> list[Target]:
    """The organisations of ``user`` that want statements of ``kind``."""
    return [target for target in _sending_for(user) if kind in target.kinds]


def _sending_for(user: Any) -> list[Target]:
    """The organisations of ``user`` that send statements: from the roles the page's session loaded, else one
    query, kept for the rest of the request (an assessment's statements ask once, not once per question)."""
    sending = enabled()
    if not sending or getattr(user, "id", None) is None:
        return []
    from ..auth.sessions import header_roles

    roles = header_roles(user)
    if roles is not None:
        slugs = {row[1] for row in roles}
        return sorted((sending[slug] for slug in slugs if slug in sending), key=lambda target: target.organisation_id)
    kept = g.setdefault(MEMBERS_KEY, {})
    if user.id not in kept:
        wanted = {target.organisation_id: target for target in sending.values()}
        ids = db.session.scalars(
            select(Membership.organisation_id)
            .where(Membership.user_id == user.id, Membership.organisation_id.in_(list(wanted)))
            .distinct()
        )
        kept[user.id] = sorted((wanted[organisation_id] for organisation_id in ids), key=lambda t: t.organisation_id)
    return list(kept[user.id])


# --- addresses --------------------------------------------------------------------------------------------


def module_activity(slug: str, title: str, language: str) -> xs.Activity:
    return xs.Activity(absolute("learning.module", module_slug=slug), xs.MODULE_TYPE, title, language)


def lesson_activity(module_slug: str, lesson_slug: str, title: str, language: str) -> xs.Activity:
    address = absolute("learning.lesson", module_slug=module_slug, lesson_slug=lesson_slug)
    return xs.Activity(address, xs.LESSON_TYPE, title, language)


def assessment_activity(module_slug: str, title: str, language: str) -> xs.Activity:
    address = absolute("learning.quiz_intro", module_slug=module_slug, purpose="assessment")
    return xs.Activity(address, xs.ASSESSMENT_TYPE, title, language)


def actor_name(user_id: int) -> str:
    """The learner's opaque name in statements: the pseudonymous UUID their Open Badges credentials name them
    by (``credentials.build.subject_id``: neither the database id nor the email address)."""
    return subject_id(user_id).removeprefix("urn:uuid:")


def _actor(user: Any, target: Target) -> xs.Actor:
    email = str(user.email) if target.actor == "mbox" else None
    return xs.Actor(base_url() + "/", actor_name(user.id), email)


# --- queueing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing a learner did, for every organisation that wants it."""

    kind: str  # of STATEMENT_KINDS
    verb: str
    key: str  # names the event in the statement id
    activity: xs.Activity
    moment: datetime
    language: str
    parents: Sequence[xs.Activity] = ()
    grouping: Sequence[xs.Activity] = ()
    result: Mapping[str, Any] | None = None
    registration: str | None = None


def queue(user: Any, events: Iterable[Event]) -> list[dict[str, Any]]:
    """Add the statements of ``events`` for each organisation of ``user`` that wants them to the session's
    waiting rows: every statement a transaction queued goes in one INSERT when it commits (``before_commit``),
    and after the commit ``dispatch`` hands them to the task queue. Returns the rows added."""
    rows: list[dict[str, Any]] = []
    site = base_url()
    for event in events:
        for target in targets(user, event.kind):
            statement_id = xs.statement_id(site, event.key)
            statement = xs.statement(
                id=statement_id,
                actor=_actor(user, target),
                verb_name=event.verb,
                activity=event.activity,
                moment=event.moment,
                language=event.language,
                platform=site_name(),
                parents=event.parents,
                grouping=event.grouping,
                result=event.result,
                registration_id=event.registration,
            )
            rows.append(
                {
                    "organisation_id": target.organisation_id,
                    "statement_id": statement_id,
                    "kind": event.kind,
                    "user_id": user.id,
                    "statement": statement,
                    "status": "queued",
                    "attempts": 0,
                    "created_at": event.moment,
                    "next_attempt_at": event.moment,
                }
            )
    if rows:
        db.session.info.setdefault(PENDING_KEY, []).extend(rows)
    return rows


def _language() -> str:
    if has_request_context():
        from ..i18n import current_language

        return current_language()
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en")


def lesson_opened(user: Any, module: Any, version: Any, lesson: Any, *, now: datetime | None = None) -> None:
    """``experienced``: the learner opened a lesson (a first opening, or one after ``VISIT_RESOLUTION``)."""
    if not targets(user, "experienced"):
        return
    now = now or utcnow()
    language = str(getattr(lesson, "language", None) or _language())
    event = Event(
        "experienced",
        "experienced",
        f"experienced/{user.id}/{module.slug}/{lesson.slug}/{xs.timestamp(now)}",
        lesson_activity(module.slug, lesson.slug, str(lesson.title), language),
        now,
        language,
        parents=(module_activity(module.slug, str(version.text("title", language) or module.slug), language),),
    )
    queue(user, [event])


def lesson_completed(user: Any, module: Any, version: Any, lesson_slug: str, *, now: datetime) -> None:
    """``completed`` of a lesson."""
    if not targets(user, "completed"):
        return
    wanted = _language()
    titles = dict(
        db.session.execute(
            select(Lesson.language, Lesson.title).where(
                Lesson.version_id == version.id,
                Lesson.slug == lesson_slug,
                Lesson.language.in_(sorted({wanted, version.language})),
            )
        ).all()
    )
    language = wanted if wanted in titles else str(version.language)  # the title's own language
    title = titles.get(language) or lesson_slug
    event = Event(
        "completed",
        "completed",
        f"completed/{user.id}/{module.slug}/{lesson_slug}/{xs.timestamp(now)}",
        lesson_activity(module.slug, lesson_slug, str(title), language),
        now,
        language,
        parents=(module_activity(module.slug, str(version.text("title", language) or module.slug), language),),
        result={"completion": True},
    )
    queue(user, [event])


def module_completed(user: Any, module: Any, version: Any, completion: Any) -> None:
    """``completed`` of a module (with the assessment's score when it has one)."""
    if not targets(user, "completed"):
        return
    language = str(completion.language or _language())
    result: dict[str, Any] = {"completion": True}
    if completion.percent is not None:
        result["score"] = {"scaled": round(completion.percent / 100, 4)}
        result["success"] = True
    event = Event(
        "completed",
        "completed",
        f"completed/{user.id}/{module.slug}/edition-{completion.edition}/renewal-{completion.renewal}",
        module_activity(module.slug, str(version.text("title", language) or module.slug), language),
        completion.completed_at,
        language,
        result=result,
    )
    queue(user, [event])


def assessment_graded(
    user: Any,
    module: Any,
    version: Any,
    attempt: Any,
    questions: Sequence[Any],
    answers: Mapping[str, Any],
    verdicts: Mapping[str, bool],
    *,
    score: int,
    maximum: int,
    passed: bool,
    now: datetime | None = None,
) -> None:
    """``answered`` for each question (its interaction type and the response) and ``passed`` or ``failed``
    for the assessment, all in the attempt's registration. ``answers`` and ``verdicts`` are by question key."""
    outcome = "passed" if passed else "failed"
    if not targets(user, "answered") and not targets(user, outcome):
        return
    now = now or utcnow()
    language = str(attempt.language or version.language)
    module_title = str(version.text("title", language) or module.slug)
    parent = module_activity(module.slug, module_title, language)
    title = str(version.quiz_text("assessment", "title", language) or module_title)
    assessment = assessment_activity(module.slug, title, language)
    registration = xs.registration(base_url(), attempt.id)
    events = []
    for row in questions:
        definition, response = xs.interaction(row.kind, row.options or [], answers.get(row.key))
        events.append(
            Event(
                "answered",
                "answered",
                f"answered/{user.id}/attempt-{attempt.id}/{row.key}",
                xs.Activity(f"{assessment.id}#question-{row.key}", xs.QUESTION_TYPE, xs.plain(row.prompt_html),
                            language, definition),
                now,
                language,
                parents=(assessment,),
                grouping=(parent,),
                result=xs.answer_result(response, bool(verdicts.get(row.key))),
                registration=registration,
            )
        )
    events.append(
        Event(
            outcome,
            outcome,
            f"{outcome}/{user.id}/attempt-{attempt.id}",
            assessment,
            now,
            language,
            parents=(parent,),
            result=xs.score(score, maximum, passed=passed),
            registration=registration,
        )
    )
    queue(user, events)


# --- after the commit ----------------------------------------------------------------------------------------


def dispatch() -> list[int]:
    """After a commit: hand the statements queued in committed transactions to the task queue (one task)."""
    ids = db.session.info.pop(COMMITTED_KEY, [])
    if ids:
        from . import jobs

        try:
            jobs.send_statements(ids)
        except Exception:  # the queue is down: the rows are saved, the sweep sends them
            if current_app.testing and jobs.huey.immediate:
                raise
            current_app.logger.exception("Could not reach the task queue: %s statement(s) wait", len(ids))
    return ids


_INSERT = insert(XapiStatement).returning(XapiStatement.id)


def before_commit(session, *_args) -> None:  # type: ignore[no-untyped-def]
    """On commit: the statements the transaction queued, in one INSERT (whatever their number). A savepoint's
    release is not the commit: its rows wait for the transaction's own."""
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        ids = session.execute(_INSERT, pending).scalars().all()
        session.info.setdefault(INSERTED_KEY, []).extend(ids)


def committed(session, *_args) -> None:  # type: ignore[no-untyped-def]
    """After the commit: the inserted rows exist; ``dispatch`` (after the request) hands them to the queue."""
    ids = session.info.pop(INSERTED_KEY, [])
    if ids:
        session.info.setdefault(COMMITTED_KEY, []).extend(ids)


def rolled_back(session, *_args) -> None:  # type: ignore[no-untyped-def]
    """On rollback: nothing the transaction queued exists."""
    session.info.pop(PENDING_KEY, None)
    session.info.pop(INSERTED_KEY, None)


def hand_over(ids: list[int]) -> None:
    """Statements queued again and committed (a resend): sent after the request, as new ones are."""
    if ids:
        db.session.info.setdefault(COMMITTED_KEY, []).extend(ids)

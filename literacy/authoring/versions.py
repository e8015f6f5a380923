"""Publishing a draft, the version history, comparing two versions and restoring an old one.

Publishing stores an immutable version with ``publishing.publish``; nothing here commits.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import content
from ..extensions import db
from ..models import Module, ModuleDraft, ModuleImage, ModuleVersion, User
from ..publishing import PublishError, PublishResult, publish
from .drafts import save_files
from .files import AuthoringError, DraftFiles
from .preview import check


def publish_draft(
    draft: ModuleDraft, user: User, *, image_url: Callable[[str], str] | None = None
) -> PublishResult | list[content.Problem]:
    """Publish the draft as a new version, or return its problems (nothing is written then)."""
    files = DraftFiles.loads(draft.files)
    result = check(files, draft.module_slug, image_url=image_url)
    if result.module is None:
        return list(result.problems)
    for tries_left in reversed(range(PUBLISH_TRIES)):
        try:
            with db.session.begin_nested():
                return publish(
                    result.module,
                    organisation_id=None if draft.shared else draft.organisation_id,
                    origin="browser",
                    published_by=user,
                )
        except PublishError as error:
            return [content.Problem("module.yaml", 1, error.args[0])]  # a Message, shown translated
        except IntegrityError:
            # Another request published this module a moment ago (a double click, two trainers) and took the
            # slug or the version number first; only the savepoint is undone. On PostgreSQL the insert waited
            # for that request to commit, so looking again finds its version: unchanged (see
            # ``published_a_moment_ago``) or the next number. SQLite queues publishers and never gets here.
            if not tries_left:
                raise
    raise AssertionError("unreachable")


PUBLISH_TRIES = 3


def published_a_moment_ago(live: ModuleVersion, expected: int | None) -> bool:
    """Whether an unchanged publish found its content already live as the version this press meant to make
    (``expected``: the number on the page's "Publish version N" button) or a later one: a double click, or a
    colleague pressing at the same moment, rather than a press after the page already showed it published."""
    return expected is not None and live.number >= expected


@dataclass(frozen=True)
class VersionRow:
    number: int
    edition: int
    published_at: datetime
    published_by: str | None
    is_current: bool


def versions(module: Module) -> list[VersionRow]:
    """The version history, newest first, in one query."""
    rows = db.session.execute(
        select(ModuleVersion.id, ModuleVersion.number, ModuleVersion.edition, ModuleVersion.published_at, User.name)
        .outerjoin(User, User.id == ModuleVersion.published_by_id)
        .where(ModuleVersion.module_id == module.id)
        .order_by(ModuleVersion.number.desc())
    ).all()
    return [
        VersionRow(number, edition, at, name, vid == module.current_version_id)
        for vid, number, edition, at, name in rows
    ]


def version(module: Module, number: int) -> ModuleVersion | None:
    return db.session.scalar(
        select(ModuleVersion).where(ModuleVersion.module_id == module.id, ModuleVersion.number == number)
    )


def version_files(version_row: ModuleVersion) -> DraftFiles:
    """A published version's files, pictures included (they are stored as their own rows)."""
    rows = db.session.execute(
        select(ModuleImage.name, ModuleImage.data).where(ModuleImage.version_id == version_row.id)
    ).all()
    return DraftFiles(dict(version_row.source), {name: bytes(data) for name, data in rows})


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: str  # "changed", "added", "removed"
    lines: tuple[tuple[str, str], ...]  # (kind, text): kind is "add", "remove", "context" or "hunk"


def _status(before: object, after: object) -> str:
    return "added" if before is None else "removed" if after is None else "changed"


def _changed_lines(before: str, after: str) -> tuple[tuple[str, str], ...]:
    lines = []
    for line in list(difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm=""))[2:]:
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "context")
        lines.append((kind, line[1:] if kind != "hunk" else line))
    return tuple(lines)


def diff(old: DraftFiles, new: DraftFiles) -> list[FileDiff]:
    """Per file, the lines that differ between two sets of files (unchanged files left out)."""
    result = []
    for path in sorted(set(old.text) | set(new.text)):
        before, after = old.text.get(path), new.text.get(path)
        if before != after:
            result.append(FileDiff(path, _status(before, after), _changed_lines(before or "", after or "")))
    for name in sorted(set(old.images) | set(new.images)):
        before_image, after_image = old.images.get(name), new.images.get(name)
        if before_image != after_image:
            result.append(FileDiff(f"images/{name}", _status(before_image, after_image), ()))
    return result


def restore(draft: ModuleDraft, module: Module, number: int, user: User) -> PublishResult | list[content.Problem]:
    """Publish an old version's files again, as a new version, and make them the draft."""
    old = version(module, number)
    if old is None:
        raise AuthoringError("no-version")
    save_files(draft, version_files(old), user)
    return publish_draft(draft, user)

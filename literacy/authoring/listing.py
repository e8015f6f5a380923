"""Reading what a trainer may see: the modules of their organisations, the files modules, exports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select

from .. import content
from ..extensions import db
from ..models import Module, ModuleDraft, ModuleVersion, Organisation, User
from .files import DraftFiles, title_from


@dataclass(frozen=True)
class ModuleEntry:
    """A row of the authoring index: a browser-written module (draft and/or published) or a files one."""

    slug: str
    title: str
    organisation: Organisation | None
    draft: ModuleDraft | None
    module: Module | None
    version: ModuleVersion | None
    unpublished_changes: bool

    @property
    def managed_in_files(self) -> bool:
        return self.module is not None and self.module.origin == "files"


def modules_for(organisations: list[Organisation]) -> list[ModuleEntry]:
    """Every draft of these organisations with its published module, in one query."""
    ids = [organisation.id for organisation in organisations]
    if not ids:
        return []
    by_id = {organisation.id: organisation for organisation in organisations}
    rows = db.session.execute(
        select(ModuleDraft, Module, ModuleVersion)
        .outerjoin(Module, and_(Module.slug == ModuleDraft.module_slug, Module.origin == "browser"))
        .outerjoin(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(ModuleDraft.organisation_id.in_(ids))
        .order_by(ModuleDraft.module_slug)
    ).all()
    return [_entry(by_id[draft.organisation_id], draft, module, version) for draft, module, version in rows]


def _entry(
    organisation: Organisation, draft: ModuleDraft, module: Module | None, version: ModuleVersion | None
) -> ModuleEntry:
    files = DraftFiles.loads(draft.files)
    changed = version is None or content.content_hash(files.as_bytes()) != version.content_hash
    title = version.texts[version.language]["title"] if version else title_from(files, draft.module_slug)
    return ModuleEntry(draft.module_slug, title, organisation, draft, module, version, changed)


def files_modules() -> list[ModuleEntry]:
    """Modules synced from ``courses/``: read-only here, but every trainer may export them."""
    rows = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(Module.origin == "files")
        .order_by(Module.slug)
    ).all()
    return [
        ModuleEntry(m.slug, v.texts[v.language]["title"], None, None, m, v, False) for m, v in rows
    ]


def find_draft(organisation: Organisation, slug: str) -> ModuleDraft | None:
    return db.session.scalar(
        select(ModuleDraft).where(ModuleDraft.organisation_id == organisation.id, ModuleDraft.module_slug == slug)
    )


def published_module(slug: str) -> Module | None:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def may_export(user: User, module: Module, trainer_organisation_ids: set[int]) -> bool:
    """Files modules: any trainer; browser modules: trainers of the organisation whose draft it is."""
    if user.is_site_admin or module.origin == "files":
        return True
    owner = db.session.scalar(select(ModuleDraft.organisation_id).where(ModuleDraft.module_slug == module.slug))
    return owner in trainer_organisation_ids

"""Creating and editing drafts: a new module from a starter, adding, saving and deleting its files.

Nothing here commits: the view commits once the request has done all it will.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from ..extensions import Taken, claiming, db
from ..models import Module, ModuleDraft, Organisation, User, utcnow
from .files import AuthoringError, DraftFiles

FILE_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z]{2,3}(?:-[a-z0-9]{2,8})?)?\.(?:md|yaml)$")

STARTER_LESSON = """---
title: Introduction
minutes: 5
---

Write the lesson here in markdown.

## A first section

More text.
"""

STARTER_QUIZ = """---
title: Assessment
---

::: question first-question
type: single

Write the question here.

- [x] The right answer
  > Say why it is right.
- [ ] A wrong answer
  > Say why it is wrong.

Explanation:
Explain the answer.
:::
"""


def starter_files(slug: str, title: str) -> DraftFiles:
    """A small valid module to start from: details, one lesson and a one-question assessment."""
    title_yaml = json.dumps(title, ensure_ascii=False)
    module_yaml = f"""slug: {slug}
title: {title_yaml}
summary: Say in one sentence what this module is about.
audience: Everyone who works in a public body
level: introductory
edition: 1
language: en
pass_mark: 80
outcomes:
  - Say what a learner can do after this module
lessons:
  - introduction
"""
    return DraftFiles({"module.yaml": module_yaml, "introduction.md": STARTER_LESSON, "quiz.md": STARTER_QUIZ})


def slug_taken(slug: str) -> bool:
    module = db.session.scalar(select(Module.id).where(Module.slug == slug))
    draft = db.session.scalar(select(ModuleDraft.id).where(ModuleDraft.module_slug == slug))
    return module is not None or draft is not None


def create_draft(
    organisation: Organisation, user: User, files: DraftFiles, slug: str, *, shared: bool = False
) -> ModuleDraft:
    """A new module's draft; the caller checked the slug is free (``slug_taken``) and commits.

    Raises ``AuthoringError("slug-taken")`` when another request created a draft with this slug after that
    check (the unique constraint decides; only this insert is undone).
    """
    draft = ModuleDraft(
        organisation_id=organisation.id,
        module_slug=slug,
        shared=shared and user.is_site_admin,
        files=files.dumps(),
        updated_by_id=user.id,
        updated_at=utcnow(),
    )
    try:
        with claiming():
            db.session.add(draft)
    except Taken as error:
        raise AuthoringError("slug-taken") from error
    return draft


def save_files(draft: ModuleDraft, files: DraftFiles, user: User) -> None:
    draft.files = files.dumps()
    draft.updated_at = utcnow()
    draft.updated_by_id = user.id


def _starter_text(name: str) -> str:
    if name.endswith(".yaml"):
        return "title: \n"
    if name.startswith(("quiz.", "precheck.")):
        return "---\ntitle: \n---\n\n"
    return "---\ntitle: \nminutes: 5\n---\n\n"


def add_file(draft: ModuleDraft, name: str, user: User) -> DraftFiles:
    """A new text file (a lesson, a translation, the pre-check) with a starter text."""
    if not FILE_NAME_RE.match(name):
        raise AuthoringError("bad-name")
    files = DraftFiles.loads(draft.files)
    if name in files.text:
        raise AuthoringError("exists")
    files.text[name] = _starter_text(name)
    save_files(draft, files, user)
    return files


def delete_file(draft: ModuleDraft, name: str, user: User) -> DraftFiles:
    files = DraftFiles.loads(draft.files)
    if name == "module.yaml" or name not in files.text:
        raise AuthoringError("cannot-delete")
    del files.text[name]
    save_files(draft, files, user)
    return files

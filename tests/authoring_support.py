"""Shared helpers for the authoring tests: an organisation with a trainer, and drafts made as the views make them."""

from __future__ import annotations

from literacy.authoring import drafts
from literacy.authoring.files import DraftFiles
from literacy.extensions import db
from literacy.models import ModuleDraft, Organisation, User

QUIZ = """---
title: Assessment
---

::: question colour
type: single

Which colour is between orange and green?

- [x] Yellow
  > Right.
- [ ] Blue
  > No, blue is further along.

Explanation:
Yellow sits between orange and green.
:::

::: question year
type: number
answer: 1822
tolerance: 1

In which year was Grant born?
:::
"""


def make_draft(organisation: Organisation, user: User, slug: str = "my-module", title: str = "My module",
               quiz: str | None = QUIZ) -> ModuleDraft:
    files = drafts.starter_files(slug, title)
    if quiz is not None:
        files.text["quiz.md"] = quiz
    draft = drafts.create_draft(organisation, user, files, slug)
    db.session.commit()
    return draft


def files_of(draft: ModuleDraft) -> DraftFiles:
    return DraftFiles.loads(draft.files)

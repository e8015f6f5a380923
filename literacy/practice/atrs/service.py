"""Drafting ATRS records: who may see and change them, and saving a section whole.

Plain functions (no ``request``): views parse the forms and call these. Who may do what:
- trainers, managers and organisation admins of the organisation (its "editors") start drafts, and see and
  change every draft of the organisation;
- any other member sees a draft only once an editor has shared it with the organisation;
- nobody outside the organisation sees anything (the views' decorator answers 403; an unknown or
  unshared draft is 404, so its existence does not leak).
Functions that change data commit once, at their end, so a request saves all of a section or none of it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, select

from ... import audit
from ...auth.access import may
from ...extensions import db
from ...models import AtrsRecord, Organisation, Role, User, utcnow
from . import fieldmap
from .fieldmap import FieldMap

EDITORS = (Role.TRAINER, Role.MANAGER, Role.ORG_ADMIN)


def is_editor(user: User, organisation: Organisation) -> bool:
    return may(user, organisation.id, *EDITORS)


def records_query(organisation: Organisation, user: User) -> Select[tuple[AtrsRecord]]:
    """The drafts ``user`` may see in ``organisation``, most recently changed first."""
    query = select(AtrsRecord).where(AtrsRecord.organisation_id == organisation.id)
    if not is_editor(user, organisation):
        query = query.where(AtrsRecord.is_shared.is_(True))
    return query.order_by(AtrsRecord.updated_at.desc(), AtrsRecord.id.desc())


def visible_record(organisation: Organisation, user: User, record_id: int) -> AtrsRecord | None:
    """A draft through its own organisation, and only if ``user`` may see it."""
    return db.session.scalar(records_query(organisation, user).where(AtrsRecord.id == record_id))


def field_map_of(record: AtrsRecord) -> FieldMap:
    """The field map the draft was started with (a later template version does not change an old draft)."""
    return fieldmap.load(record.template_version)


def answers_of(record: AtrsRecord) -> dict[str, str]:
    try:
        answers = json.loads(record.answers or "{}")
    except ValueError:
        return {}
    return {str(key): str(value) for key, value in answers.items()} if isinstance(answers, dict) else {}


def create_record(
    organisation: Organisation,
    user: User,
    name: str,
    *,
    is_shared: bool = False,
    answers: dict[str, str] | None = None,
    started_from: str | None = None,
) -> AtrsRecord:
    """A new draft in the current template version, its Tier 1 name set (and any pre-filled answers)."""
    field_map = fieldmap.load()
    known = {field.key for field in field_map.fields}
    values = {key: value for key, value in (answers or {}).items() if key in known and value}
    values["name"] = name
    now = utcnow()
    record = AtrsRecord(
        organisation_id=organisation.id,
        name=name,
        template_version=field_map.version,
        answers=json.dumps(values, ensure_ascii=False, sort_keys=True),
        is_shared=is_shared,
        started_from=started_from,
        created_by_id=user.id,
        updated_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(record)
    audit.record(user, organisation, "atrs.created", record, name=name)
    db.session.commit()
    return record


def save_section(record: AtrsRecord, user: User, section_key: str, values: dict[str, Any]) -> None:
    """Replace the answers of one section's fields (all of them, in one commit); others stay as they were."""
    section = field_map_of(record).section(section_key)
    if section is None:
        raise LookupError(section_key)
    answers = answers_of(record)
    for field in section.fields:
        value = (values.get(field.key) or "").strip()
        if value:
            answers[field.key] = value
        else:
            answers.pop(field.key, None)
    if answers.get("name"):
        record.name = answers["name"]
    else:  # the list needs a name: an emptied Tier 1 name keeps the last one
        answers["name"] = record.name
    record.answers = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    record.updated_at = utcnow()
    record.updated_by_id = user.id
    audit.record(user, _organisation(record), "atrs.section_saved", record, section=section_key)
    db.session.commit()


def set_shared(record: AtrsRecord, user: User, is_shared: bool) -> None:
    changed = record.is_shared != is_shared
    record.is_shared = is_shared
    record.updated_at = utcnow()
    record.updated_by_id = user.id
    if changed:
        audit.record(user, _organisation(record), "atrs.shared" if is_shared else "atrs.unshared", record)
    db.session.commit()


def _organisation(record: AtrsRecord) -> Organisation | None:
    return db.session.get(Organisation, record.organisation_id)


def section_status(section: fieldmap.AtrsSection, answers: dict[str, str]) -> str:
    """A task-list status: completed once every required field has an answer, in progress once any has."""
    answered = [bool(answers.get(field.key)) for field in section.fields]
    required = [bool(answers.get(field.key)) for field in section.fields if field.required]
    if required and all(required) or (not required and any(answered)):
        return "completed"
    return "in-progress" if any(answered) else "not-started"

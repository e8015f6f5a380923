"""Team self-assessments: who may see and answer them, saving answers without losing a concurrent save,
the history, the team, publishing and the link to an ATRS draft.

Plain functions (no ``request``): views parse the forms and call these. Who may do what:
- the organisation's editors (trainers, managers, organisation admins, and site admins) start assessments,
  see every one of the organisation, answer, and change its team, visibility and ATRS link;
- the team (members of the organisation the creator or an editor invited) reads and answers it;
- any other member of the organisation reads it once it is published in the organisation; a private one
  is 404 to them, so its existence does not leak; nobody outside the organisation sees anything (403).

Saving: each answer has a ``revision``; a form sends the revision of each answer it showed. Only answers the
person changed are written, each with ``UPDATE ... WHERE revision = :seen`` (or an insert that a unique
constraint refuses when someone else answered first), so a save made in between is never overwritten: that
answer comes back as a conflict, with the saved value, and the rest of the form is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, exists, or_, select, update

from ... import audit
from ...auth.access import may
from ...extensions import Taken, claiming, db
from ...models import (
    AtrsRecord,
    Membership,
    Organisation,
    SelfAssessment,
    SelfAssessmentAnswer,
    SelfAssessmentChange,
    SelfAssessmentMember,
    User,
    utcnow,
)
from ...notifications import outbox, team_messages
from ..atrs.service import EDITORS
from . import questionnaire
from .questionnaire import Question, Questionnaire, Section

NAME_MAX = 200
DESCRIPTION_MAX = 5000
TEXT_MAX = {"text": 1000, "long_text": 20_000}


def is_editor(user: User, organisation: Organisation) -> bool:
    return may(user, organisation.id, *EDITORS)


def _in_team(user: User):
    return exists().where(
        SelfAssessmentMember.assessment_id == SelfAssessment.id, SelfAssessmentMember.user_id == user.id
    )


def assessments_query(organisation: Organisation, user: User) -> Select[tuple[SelfAssessment]]:
    """The assessments ``user`` may see in ``organisation``, most recently changed first."""
    query = select(SelfAssessment).where(SelfAssessment.organisation_id == organisation.id)
    if not is_editor(user, organisation):
        query = query.where(or_(SelfAssessment.is_published.is_(True), _in_team(user)))
    return query.order_by(SelfAssessment.updated_at.desc(), SelfAssessment.id.desc())


def visible_assessment(organisation: Organisation, user: User, assessment_id: int) -> SelfAssessment | None:
    return db.session.scalar(assessments_query(organisation, user).where(SelfAssessment.id == assessment_id))


def in_team(assessment: SelfAssessment, user: User) -> bool:
    query = select(SelfAssessmentMember.id).where(
        SelfAssessmentMember.assessment_id == assessment.id, SelfAssessmentMember.user_id == user.id
    )
    return db.session.scalar(query) is not None


def may_answer(assessment: SelfAssessment, organisation: Organisation, user: User) -> bool:
    return is_editor(user, organisation) or in_team(assessment, user)


def questionnaire_of(assessment: SelfAssessment, language: str = "en") -> Questionnaire:
    """The questionnaire version the assessment started with (a later version does not change it)."""
    return questionnaire.load(assessment.questionnaire_version, language)


def create_assessment(
    organisation: Organisation, user: User, system_name: str, description: str = "", *, is_published: bool = False
) -> SelfAssessment:
    """A new assessment in the current questionnaire version; its creator is the first of its team."""
    now = utcnow()
    assessment = SelfAssessment(
        organisation_id=organisation.id,
        system_name=system_name,
        description=description,
        questionnaire_version=questionnaire.current_version(),
        is_published=is_published,
        created_by_id=user.id,
        updated_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(assessment)
    db.session.flush()
    member = SelfAssessmentMember(assessment_id=assessment.id, user_id=user.id, added_by_id=user.id, added_at=now)
    db.session.add(member)
    audit.record(user, organisation, "assessment.created", assessment, name=system_name)
    db.session.commit()
    return assessment


def update_details(
    assessment: SelfAssessment, organisation: Organisation, user: User, system_name: str, description: str
) -> None:
    if (assessment.system_name, assessment.description) == (system_name, description):
        return
    previous = assessment.system_name
    assessment.system_name = system_name
    assessment.description = description
    _touch(assessment, user)
    audit.record(user, organisation, "assessment.details_changed", assessment, name=system_name, previous=previous)
    db.session.commit()


def _touch(assessment: SelfAssessment, user: User) -> None:
    assessment.updated_at = utcnow()
    assessment.updated_by_id = user.id


# --- answers ---


def answers_of(assessment: SelfAssessment) -> dict[str, SelfAssessmentAnswer]:
    rows = db.session.scalars(select(SelfAssessmentAnswer).where(SelfAssessmentAnswer.assessment_id == assessment.id))
    return {row.question_id: row for row in rows}


def values_of(assessment: SelfAssessment) -> dict[str, str]:
    return {key: row.value for key, row in answers_of(assessment).items() if row.value}


def chosen(value: str) -> list[str]:
    """A multiple choice's stored ids (one a line)."""
    return [line for line in value.split("\n") if line]


def normalise(question: Question, value: str | list[str] | None) -> str:
    """What is stored for a submitted value: text stripped; choices in the questionnaire's order."""
    if question.type in ("text", "long_text"):
        return (value if isinstance(value, str) else "").strip().replace("\r\n", "\n")
    picked = set(value if isinstance(value, list) else [value] if value else [])
    order = [choice.id for choice in question.choices if choice.id in picked]
    return "\n".join(order if question.type == "multiple" else order[:1])


@dataclass
class SaveResult:
    saved: list[str] = field(default_factory=list)  # question ids written
    conflicts: dict[str, SelfAssessmentAnswer] = field(default_factory=dict)  # question id -> the saved answer


def _value_at(assessment: SelfAssessment, question_id: str, revision: int) -> str | None:
    """The answer as it was at ``revision`` (what a form based on it showed); "" before the first save."""
    if revision <= 0:
        return ""
    query = select(SelfAssessmentChange.new_value).where(
        SelfAssessmentChange.assessment_id == assessment.id,
        SelfAssessmentChange.question_id == question_id,
        SelfAssessmentChange.revision == revision,
    )
    return db.session.scalar(query)


def _current(assessment: SelfAssessment, question_id: str) -> SelfAssessmentAnswer | None:
    query = select(SelfAssessmentAnswer).where(
        SelfAssessmentAnswer.assessment_id == assessment.id, SelfAssessmentAnswer.question_id == question_id
    )
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def _write(assessment: SelfAssessment, user: User, question_id: str, seen: int, value: str) -> tuple[bool, str]:
    """Write one answer if it is still at revision ``seen``: (written, the value it replaced)."""
    now = utcnow()
    current = _current(assessment, question_id)
    if current is None:
        if seen != 0:
            return False, ""
        try:
            with claiming():  # a savepoint: a concurrent first answer makes this insert fail alone
                db.session.add(
                    SelfAssessmentAnswer(
                        assessment_id=assessment.id, question_id=question_id, value=value, revision=1,
                        updated_by_id=user.id, updated_at=now,
                    )
                )
        except Taken:
            return False, ""
        return True, ""
    if current.revision != seen:
        return False, current.value
    old = current.value
    result = db.session.execute(
        update(SelfAssessmentAnswer)
        .where(SelfAssessmentAnswer.id == current.id, SelfAssessmentAnswer.revision == seen)
        .values(value=value, revision=seen + 1, updated_by_id=user.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1, old


def save_answers(
    assessment: SelfAssessment,
    organisation: Organisation,
    user: User,
    section: Section,
    submitted: dict[str, tuple[int, str]],
) -> SaveResult:
    """Save the section's answers that ``user`` changed: ``submitted`` maps a question id to (the revision
    the form showed, the normalised value sent). An answer someone else saved since is left as it is and
    comes back in ``conflicts`` unless this person sent what it already says (or left it as they saw it)."""
    result = SaveResult()
    for question in section.questions:
        if question.id not in submitted:
            continue
        seen, value = submitted[question.id]
        current = _current(assessment, question.id)
        now_value = current.value if current is not None else ""
        now_revision = current.revision if current is not None else 0
        if now_revision != seen:
            shown = _value_at(assessment, question.id, seen)
            if value == now_value or (shown is not None and value == shown):
                continue  # the same as what is saved, or not changed by this person: theirs stays
            result.conflicts[question.id] = current  # type: ignore[assignment]
            continue
        if value == now_value:
            continue
        written, old = _write(assessment, user, question.id, seen, value)
        if not written:
            current = _current(assessment, question.id)
            if current is None or current.value != value:
                result.conflicts[question.id] = current  # type: ignore[assignment]
            continue
        db.session.add(
            SelfAssessmentChange(
                assessment_id=assessment.id, question_id=question.id, old_value=old, new_value=value,
                revision=seen + 1, changed_by_id=user.id, changed_at=utcnow(),
            )
        )
        result.saved.append(question.id)
    if result.saved:
        _touch(assessment, user)
        audit.record(user, organisation, "assessment.answers_saved", assessment, section=section.id,
                     questions=result.saved)
    db.session.commit()
    for question_id in list(result.conflicts):
        result.conflicts[question_id] = _current(assessment, question_id)  # type: ignore[assignment]
    return result


def history(assessment: SelfAssessment, limit: int = 1000) -> list[SelfAssessmentChange]:
    query = (
        select(SelfAssessmentChange)
        .where(SelfAssessmentChange.assessment_id == assessment.id)
        .order_by(SelfAssessmentChange.changed_at.desc(), SelfAssessmentChange.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def people(ids: set[int | None]) -> dict[int, User]:
    wanted = {number for number in ids if number is not None}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}


# --- progress, risks and modules ---


@dataclass
class SectionProgress:
    section: Section
    answered: int
    unanswered: list[Question]
    risks: list[tuple[Question, object]]  # (question, chosen choice carrying a risk)


def progress(form: Questionnaire, values: dict[str, str]) -> list[SectionProgress]:
    found = []
    for section in form.sections:
        unanswered = [question for question in section.questions if not values.get(question.id)]
        risks = []
        for question in section.questions:
            for choice_id in chosen(values.get(question.id, "")) if question.type in ("single", "multiple") else []:
                choice = question.choice(choice_id)
                if choice is not None and choice.risk:
                    risks.append((question, choice))
        found.append(SectionProgress(section, len(section.questions) - len(unanswered), unanswered, risks))
    return found


def recommended_modules(form: Questionnaire, values: dict[str, str]) -> list[str]:
    """Module slugs for the team: those of every chosen answer, then those of unanswered questions."""
    slugs: list[str] = []
    for question in form.questions:
        value = values.get(question.id, "")
        for choice_id in chosen(value) if question.type in ("single", "multiple") else []:
            choice = question.choice(choice_id)
            if choice is not None:
                slugs += [slug for slug in choice.modules if slug not in slugs]
        if not value:
            slugs += [slug for slug in question.modules if slug not in slugs]
    return slugs


# --- team, visibility, ATRS link ---


def team(assessment: SelfAssessment) -> list[User]:
    query = (
        select(User)
        .join(SelfAssessmentMember, SelfAssessmentMember.user_id == User.id)
        .where(SelfAssessmentMember.assessment_id == assessment.id)
        .order_by(User.name, User.email)
    )
    return list(db.session.scalars(query))


def candidates(assessment: SelfAssessment, organisation: Organisation) -> list[User]:
    """Members of the organisation not yet in the team (active accounts)."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    query = (
        select(User)
        .where(User.id.in_(members), ~_team_member(assessment))
        .order_by(User.name, User.email)
        .limit(2000)
    )
    query = query.where(User.is_enabled.is_(True))
    return list(db.session.scalars(query))


def _team_member(assessment: SelfAssessment):
    return exists().where(SelfAssessmentMember.assessment_id == assessment.id, SelfAssessmentMember.user_id == User.id)


def add_member(assessment: SelfAssessment, organisation: Organisation, actor: User, user_id: int) -> User | None:
    """Add a member of the organisation to the team; None when they are not one (or are already in it).

    The person is emailed (notifications.team_messages), queued in this transaction, so a failed add
    sends nothing; not when adding oneself."""
    user = next((person for person in candidates(assessment, organisation) if person.id == user_id), None)
    if user is None:
        return None
    member = SelfAssessmentMember(assessment_id=assessment.id, user_id=user.id, added_by_id=actor.id, added_at=utcnow())
    try:
        with claiming():
            db.session.add(member)
    except Taken:
        return None
    _touch(assessment, actor)
    audit.record(actor, organisation, "assessment.team_changed", assessment, added=user.email)
    if user.id != actor.id:  # colleagues learn of it; whoever adds themselves knows already
        outbox.queue(
            team_messages.TEAM_ADDED, user.email, user=user, organisation_id=organisation.id,
            context={"member_id": member.id, "added_at": member.added_at.isoformat()},
        )
    db.session.commit()
    return user


def remove_member(assessment: SelfAssessment, organisation: Organisation, actor: User, user_id: int) -> User | None:
    member = db.session.scalar(
        select(SelfAssessmentMember).where(
            SelfAssessmentMember.assessment_id == assessment.id, SelfAssessmentMember.user_id == user_id
        )
    )
    if member is None:
        return None
    user = db.session.get(User, user_id)
    db.session.delete(member)
    _touch(assessment, actor)
    audit.record(actor, organisation, "assessment.team_changed", assessment, removed=user.email if user else "")
    db.session.commit()
    return user


def set_published(assessment: SelfAssessment, organisation: Organisation, actor: User, published: bool) -> None:
    if assessment.is_published == published:
        return
    assessment.is_published = published
    _touch(assessment, actor)
    action = "assessment.published" if published else "assessment.unpublished"
    audit.record(actor, organisation, action, assessment)
    db.session.commit()


def atrs_drafts(organisation: Organisation) -> list[AtrsRecord]:
    query = select(AtrsRecord).where(AtrsRecord.organisation_id == organisation.id).order_by(AtrsRecord.name)
    return list(db.session.scalars(query.limit(500)))


def link_atrs(assessment: SelfAssessment, organisation: Organisation, actor: User, record_id: int | None) -> bool:
    """Link (or, with None, unlink) an ATRS draft of the same organisation; False for any other draft."""
    record = None
    if record_id is not None:
        record = db.session.get(AtrsRecord, record_id)
        if record is None or record.organisation_id != organisation.id:
            return False
    assessment.atrs_record_id = record.id if record is not None else None
    _touch(assessment, actor)
    if record is not None:
        audit.record(actor, organisation, "assessment.atrs_linked", assessment, record=record.name)
    else:
        audit.record(actor, organisation, "assessment.atrs_unlinked", assessment)
    db.session.commit()
    return True


def linked_assessments(record: AtrsRecord, organisation: Organisation, user: User) -> list[SelfAssessment]:
    """The assessments linked to an ATRS draft that ``user`` may see (for the draft's page)."""
    query = assessments_query(organisation, user).where(SelfAssessment.atrs_record_id == record.id)
    return list(db.session.scalars(query))

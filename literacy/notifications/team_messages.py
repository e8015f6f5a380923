"""The message to someone added to a self-assessment's team (``practice.assessment.service.add_member``
queues it in the same transaction as the team row).

It cannot be turned off (``preference=None``), like an invitation and unlike the reminders: it is sent
once, because a colleague did something that concerns this person (put them in a group expected to
answer), and without it they would not know the assessment exists, since nothing else points them to
it. The optional kinds are the repeated, scheduled ones (reminders, notices, digests).

The row holds the team row's id and the moment it was made (``member_id``, ``added_at``): a person
removed before the message went is not told, and one removed and added again gets the newer message
only (SQLite may give the new team row the old one's id, so the id alone would not tell them apart).
Like the rest of ``notifications`` this module imports no area: it reads the rows and names the page by
its endpoint.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Membership, Organisation, OutboxMessage, SelfAssessment, SelfAssessmentMember, User
from .kinds import Skip, Written, kind

TEAM_ADDED = "assessment_team_added"

#: the page the link opens (its owner: practice.assessment.views)
ASSESSMENT_ENDPOINT = "assessment.show"


def _member_id(message: OutboxMessage) -> int:
    value = (message.context or {}).get("member_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Skip("the message has no member_id")
    return value


@kind(TEAM_ADDED)
def team_added(message: OutboxMessage, secret: str | None) -> Written:
    """Names the AI system, the organisation and who added the person, and links to the assessment."""
    member = db.session.get(SelfAssessmentMember, _member_id(message))
    assessment = db.session.get(SelfAssessment, member.assessment_id) if member is not None else None
    added_at = (message.context or {}).get("added_at")
    if member is None or assessment is None or member.added_at.isoformat() != added_at:
        # deleting an assessment deletes its team rows (cascade); a later add is a new row, a new message
        raise Skip("the person was removed from the team, or the assessment was deleted")
    organisation = db.session.get(Organisation, assessment.organisation_id)
    if organisation is None or organisation.archived_at is not None:
        raise Skip("the organisation is gone or archived")
    belongs = select(Membership.id).where(
        Membership.organisation_id == organisation.id, Membership.user_id == member.user_id
    )
    if db.session.scalar(belongs.limit(1)) is None:
        raise Skip("the person is no longer a member of the organisation")
    adder = db.session.get(User, member.added_by_id) if member.added_by_id is not None else None
    names = {"system": assessment.system_name, "organisation": organisation.name}
    if adder is not None:
        subject = _("%(name)s added you to the self-assessment of “%(system)s”", name=adder.name, **names)
        opening = _(
            "%(name)s added you to the team answering the self-assessment of “%(system)s” at %(organisation)s "
            "on the AI literacy service.",
            name=adder.name,
            **names,
        )
    else:
        subject = _("You were added to the self-assessment of “%(system)s”", **names)
        opening = _(
            "You were added to the team answering the self-assessment of “%(system)s” at %(organisation)s on "
            "the AI literacy service.",
            **names,
        )
    link = url_for(ASSESSMENT_ENDPOINT, org=organisation.slug, assessment_id=assessment.id, _external=True)
    return Written(
        subject=subject,
        paragraphs=[
            opening,
            _(
                "The team answers its questions together and writes down what it concludes. You can read "
                "every answer, add your own and see who changed what."
            ),
        ],
        link=(_("Open the self-assessment"), link),
        after=[_("You will find it later under “Your self-assessments” on My learning.")],
    )

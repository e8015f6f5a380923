"""Cohort membership: the one writer of ``CohortMember``.

Joining and leaving keep the dashboards' summary tables (``literacy.summaries``) in the same
transaction and in the order they need: a joiner's row must exist before their answers are counted, a
leaver's answers are taken away while they are still a member. Everything that puts someone in a cohort
or takes them out (adding people, accepting an invitation, the demo data, tests) goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update

from .. import summaries
from ..bulk import among
from ..extensions import db
from ..models import CohortMember, Invitation, User, utcnow
from ..organisations import invitations


def current_member_ids(cohort_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of these people are current members of the cohort (one query)."""
    return set(
        db.session.scalars(
            select(CohortMember.user_id).where(
                CohortMember.cohort_id == cohort_id,
                among(CohortMember.user_id, user_ids),
                CohortMember.removed_at.is_(None),
            )
        )
    )


def join(cohort_id: int, user_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Make these people current members; returns the ids that were not members already.

    Someone who left and comes back gets their old row back with a new ``added_at``: their learning
    history is theirs anyway. Set-based whatever the number of people: one query for the existing rows,
    one bulk INSERT for the newcomers, one UPDATE for those coming back, one summaries update.
    """
    now = now or utcnow()
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    db.session.flush()
    rows = db.session.execute(
        select(CohortMember.user_id, CohortMember.removed_at).where(
            CohortMember.cohort_id == cohort_id, among(CohortMember.user_id, wanted)
        )
    )
    existing = {user_id: removed_at for user_id, removed_at in rows}
    new = [user_id for user_id in wanted if user_id not in existing]
    back = [user_id for user_id in wanted if user_id in existing and existing[user_id] is not None]
    if new:
        db.session.execute(
            insert(CohortMember), [{"cohort_id": cohort_id, "user_id": user_id, "added_at": now} for user_id in new]
        )
    if back:
        db.session.execute(
            update(CohortMember)
            .where(CohortMember.cohort_id == cohort_id, among(CohortMember.user_id, back))
            .values(removed_at=None, added_at=now)
            .execution_options(synchronize_session="fetch")
        )
    changed = set(new) | set(back)
    joined = [user_id for user_id in wanted if user_id in changed]
    summaries.members_joined(cohort_id, joined)
    return joined


def leave(cohort_id: int, user_id: int, now: datetime | None = None) -> bool:
    """Take someone out of a cohort (False when they were not a member); their learning is untouched."""
    row = db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id, CohortMember.removed_at.is_(None)
        )
    )
    if row is None:
        return False
    summaries.member_leaving(cohort_id, user_id)
    row.removed_at = now or utcnow()
    return True


def accept_invitation(
    invitation: Invitation, *, account: User | None = None, name: str = "", password: str = ""
) -> User | None:
    """Accept an invitation: spend the link first (one conditional UPDATE, so only one of several
    simultaneous requests gets past it), then the organisation's side (``organisations.invitations.accept``),
    then its cohort. None when the link was used, declined or cancelled meanwhile: nothing is written."""
    now = utcnow()
    if not invitations.spend(invitation, now):
        return None
    user = invitations.accept(invitation, account=account, name=name, password=password, now=now)
    if invitation.cohort_id is not None:
        join(invitation.cohort_id, [user.id], now)
    return user

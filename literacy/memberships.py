"""Granting a role: the one rule for adding a Membership row, shared by the organisations area
(invitations, role changes) and single sign-on (just-in-time accounts) without either importing the other.
Someone's first role in an organisation brings their completions into its coverage summary."""

from __future__ import annotations

from sqlalchemy import select

from . import summaries
from .extensions import Taken, claiming, db
from .models import Membership, User


def grant_role(user: User, organisation_id: int, role: str) -> None:
    """Give someone a role in an organisation unless they hold it already."""
    held = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation_id, Membership.role == role
        )
    )
    if held is None:
        summaries.lock_people([user.id])  # so that two grants at once agree on who joined first
        joining = (
            db.session.scalar(
                select(Membership.id).where(
                    Membership.user_id == user.id, Membership.organisation_id == organisation_id
                )
            )
            is None
        )
        try:
            with claiming():
                db.session.add(Membership(user_id=user.id, organisation_id=organisation_id, role=role))
        except Taken:  # granted by another request a moment ago: held now, which is all that was asked
            return
        if joining:
            summaries.person_joined(organisation_id, user.id)

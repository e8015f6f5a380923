from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from ..auth.access import site_admin_required
from ..extensions import db
from ..models import Membership, Organisation, User
from . import bp


@bp.get("/")
@site_admin_required
def index():
    people = (
        select(Membership.organisation_id, func.count(func.distinct(Membership.user_id)).label("people"))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    organisations = db.session.execute(
        select(Organisation, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    ).all()
    user_count = db.session.scalar(select(func.count(User.id)))
    admins = db.session.scalars(select(User).where(User.is_site_admin.is_(True)).order_by(User.name)).all()
    return render_template("admin/index.html", organisations=organisations, user_count=user_count, admins=admins)

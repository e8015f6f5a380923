"""The site administration index: every organisation (with the way to create one) and the site's admins."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from ..auth.access import site_admin_required
from ..extensions import db
from ..models import User
from . import bp
from . import organisations as organisation_service


@bp.get("/")
@site_admin_required
def index():
    user_count = db.session.scalar(select(func.count(User.id)))
    admins = db.session.scalars(select(User).where(User.is_site_admin.is_(True)).order_by(User.name)).all()
    return render_template(
        "admin/index.html", organisations=organisation_service.listing(), user_count=user_count, admins=admins
    )

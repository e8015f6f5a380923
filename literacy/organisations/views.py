from __future__ import annotations

from flask import render_template, request

from ..auth.access import organisation_role_required
from ..extensions import db
from ..models import Organisation, Role
from . import bp, service


@bp.get("/<org>/")
@organisation_role_required(Role.MANAGER, Role.ORG_ADMIN)
def overview(organisation: Organisation):
    return render_template(
        "organisations/overview.html",
        organisation=organisation,
        role_counts=service.role_counts(organisation),
        cohorts=service.cohorts_with_sizes(organisation),
    )


@bp.get("/<org>/people")
@organisation_role_required(Role.ORG_ADMIN)
def people(organisation: Organisation):
    page = db.paginate(service.people_query(organisation), page=request.args.get("page", 1, type=int), per_page=50)
    roles = service.roles_by_user(organisation, [user.id for user in page.items])
    return render_template("organisations/people.html", organisation=organisation, page=page, roles=roles)

"""``flask orgs``: create and list organisations from scripts (the same rules as the site admin's pages)."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import func, select

from .extensions import db
from .models import Membership, Organisation


@click.group("orgs")
def orgs_group() -> None:
    """Create organisations and list them (site administration for scripts)."""


def organisations_with_people() -> list[dict[str, Any]]:
    """Every organisation with its number of people (anyone holding a role in it), in one query."""
    people = (
        select(Membership.organisation_id, func.count(func.distinct(Membership.user_id)).label("people"))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .order_by(Organisation.slug)
    )
    return [
        {
            "slug": organisation.slug,
            "name": organisation.name,
            "archived": getattr(organisation, "archived_at", None) is not None,
            "people": count,
        }
        for organisation, count in rows
    ]


@orgs_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array: slug, name, archived, people.")
def orgs_list_command(as_json: bool) -> None:
    """List the organisations with their number of people."""
    found = organisations_with_people()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for row in found:
        archived = " (archived)" if row["archived"] else ""
        click.echo(f"{row['slug']}: {row['name']}{archived}, {row['people']} people")

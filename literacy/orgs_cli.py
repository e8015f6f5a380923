"""``flask orgs``: create and list organisations from scripts (the same rules as the site admin's pages)."""

from __future__ import annotations

import json
from typing import Any

import click

from .admin import organisations
from .extensions import db


@click.group("orgs")
def orgs_group() -> None:
    """Create organisations and list them (site administration for scripts)."""


def organisations_with_people() -> list[dict[str, Any]]:
    """Every organisation by slug with its number of people (``admin.organisations.listing``, one query)."""
    rows = sorted(organisations.listing(), key=lambda row: row[0].slug)
    return [
        {
            "slug": organisation.slug,
            "name": organisation.name,
            "archived": organisation.archived_at is not None,
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


@orgs_group.command("create")
@click.argument("slug")
@click.argument("name")
def orgs_create_command(slug: str, name: str) -> None:
    """Create an organisation: SLUG is its address (/organisations/SLUG/), NAME what people see.

    The same rules as the site admin's page: a slug of lowercase letters, digits and single hyphens,
    unique; a name of at most 200 characters. Recorded in the audit log (by nobody: the command line).
    """
    from .extensions import Taken

    slug, name = slug.strip().lower(), name.strip()
    if not organisations.slug_is_valid(slug):
        raise click.BadParameter(
            "use only lowercase letters, digits and single hyphens between them, like cabinet-office, "
            f"at most {organisations.SLUG_MAX} characters",
            param_hint="SLUG",
        )
    if not name or len(name) > organisations.NAME_MAX:
        raise click.BadParameter(f"give a name of at most {organisations.NAME_MAX} characters", param_hint="NAME")
    if organisations.slug_taken(slug):
        raise click.ClickException(f"another organisation already uses the slug {slug}")
    try:
        organisation = organisations.create(None, name, slug)  # type: ignore[arg-type] - no person: the command line
    except Taken:  # another request took the slug after the check
        raise click.ClickException(f"another organisation already uses the slug {slug}") from None
    db.session.commit()
    click.echo(f"Created organisation {organisation.slug}: {organisation.name}")

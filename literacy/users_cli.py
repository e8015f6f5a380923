"""``flask users``: import an organisation's people from a CSV file, deactivate or reactivate an account.

The import follows the cohort upload's rules (``cohorts.roster``: the same validation, every problem
by line, nothing written when any row is bad) and the consent rule of ``cohorts.service.add_members``:
only people who already belong to the organisation get the role at once; everyone else, an account of
another organisation included, is emailed an invitation and joins only by accepting it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from . import audit
from .bulk import among
from .cohorts.roster import MAX_ROWS, Candidate, RowProblem, parse_csv
from .extensions import db
from .models import ROLE_VALUES, Invitation, Membership, Organisation, OutboxMessage, User, utcnow
from .notifications import outbox
from .organisations import invitations, service


@dataclass
class ImportResult:
    granted: list[User] = field(default_factory=list)  # people of the organisation, given the role now
    already: list[User] = field(default_factory=list)  # people of the organisation who held the role
    invited: list[tuple[Invitation, str]] = field(default_factory=list)  # (invitation, raw token)


def import_people(
    actor: User | None,
    organisation: Organisation,
    candidates: list[Candidate],
    role: str,
    *,
    expires_days: int = 14,
    now: datetime | None = None,
) -> ImportResult:
    """Give ``role`` to the listed people of the organisation and invite everyone else (audited).

    Set-based, as the cohort upload: one lookup each for the accounts, their organisation and their
    roles, then bulk writes (the invitations' emails queued in the outbox). Leaves the commit to the caller.
    """
    now = now or utcnow()
    accounts = {
        user.email: user
        for user in db.session.scalars(
            select(User).where(among(User.email, [c.email for c in candidates]), User.password_hash.is_not(None))
        )
    }
    people = invitations.people_among(organisation.id, [user.id for user in accounts.values()])
    held = service.roles_by_user(organisation, list(people)) if people else {}
    result = ImportResult()
    to_invite: list[Candidate] = []
    for candidate in candidates:
        user = accounts.get(candidate.email)
        if user is None or user.id not in people:
            to_invite.append(candidate)  # no account, or another organisation's: they must consent
        elif role in held.get(user.id, []):
            result.already.append(user)
        else:
            result.granted.append(user)
    invitations.check_room(actor, len(to_invite), now)
    result.invited = invitations.issue_many(
        actor,
        organisation,
        [(candidate.email, candidate.name) for candidate in to_invite],
        role,
        expires_days=expires_days,
        now=now,
    )
    if result.granted:
        db.session.add_all(
            Membership(user_id=user.id, organisation_id=organisation.id, role=role, created_at=now)
            for user in result.granted
        )
        audit.record_many(
            actor,
            organisation,
            "organisation.role_granted",
            [(user, {"email": user.email, "role": role, "by": "import"}) for user in result.granted],
            at=now,
        )
    return result


def emails_by_status(message_ids: list[int]) -> dict[str, int]:
    """How many of these outbox rows are in each status ("queued", "sent", "not sent"...), in one query."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(among(OutboxMessage.id, message_ids))
        .group_by(OutboxMessage.status)
    )
    return {status.replace("_", " "): count for status, count in rows}


def describe(problem: RowProblem) -> str:
    """A problem in the words of the cohort upload's page (CLI output is not translated)."""
    return {
        "email_missing": "no email address",
        "email_invalid": f"{problem.value!r} is not an email address",
        "duplicate": f"{problem.value} appears more than once",
        "too_many": f"more than {MAX_ROWS} people: split the file",
        "not_csv": "not a CSV file saved as UTF-8 text",
    }.get(problem.code, problem.code)


@click.group("users")
def users_group() -> None:
    """Import people into an organisation; deactivate or reactivate an account."""


@users_group.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "slug", required=True, help="The organisation's slug (as in its address).")
@click.option("--role", type=click.Choice(ROLE_VALUES), default="learner", show_default=True)
@click.option(
    "--site-url",
    envvar="LITERACY_SITE_URL",
    help="The site's address for the links in the emails, e.g. https://literacy.example.gov.uk "
    "(default: LITERACY_SITE_URL).",
)
def users_import_command(csv_file: Path, slug: str, role: str, site_url: str | None) -> None:
    """Invite the people of a CSV file (name, email) to an organisation with a role; all or nothing.

    People who already belong to the organisation get the role at once; everyone else is emailed an
    invitation. When any row is wrong nothing is written and every problem is listed as FILE:LINE.
    """
    site_url = site_url or current_app.config.get("SITE_URL")
    if not site_url:
        raise click.UsageError("set LITERACY_SITE_URL (or pass --site-url): the emails link to the site")
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug.strip().lower()))
    if organisation is None:
        raise click.ClickException(f"no organisation has the slug {slug}")
    if organisation.archived_at is not None:
        raise click.ClickException(f"{organisation.slug} is archived: unarchive it before inviting people to it")
    parsed = parse_csv(csv_file.read_bytes())
    for problem in parsed.problems:
        click.echo(f"{csv_file}:{problem.line}: {describe(problem)}", err=True)
    if parsed.problems:
        raise click.ClickException(f"{len(parsed.problems)} problem(s) in {csv_file}: nobody was imported")
    if not parsed.candidates:
        raise click.ClickException(f"{csv_file} lists nobody: nobody was imported")
    with current_app.test_request_context(base_url=site_url.rstrip("/")):  # the links in the emails
        result = import_people(None, organisation, parsed.candidates, role, expires_days=invitations.expires_days())
        message_ids = [invitation.message_id for invitation, _token in result.invited]
        db.session.commit()  # the invitations and their emails, queued in the outbox
    outbox.dispatch()  # to the consumer (or, without one running, the next sweep or `flask notifications run`)
    click.echo(
        f"{organisation.slug}: {len(result.invited)} invited, {len(result.granted)} given the role {role}, "
        f"{len(result.already)} already had it"
    )
    if message_ids:
        counts = emails_by_status(message_ids)
        click.echo("invitation emails: " + ", ".join(f"{count} {status}" for status, count in sorted(counts.items())))
        if counts.get("not sent"):
            click.echo("no mail server is configured (LITERACY_MAIL_HOST): the links are only in the log", err=True)
        if counts.get("failed"):
            raise click.ClickException(
                "some invitations could not be emailed (see the log): "
                "copy their links or resend them from the organisation's people page"
            )

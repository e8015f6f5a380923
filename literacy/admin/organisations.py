"""Site administrators' work on organisations: create, rename, archive and unarchive, theme (logo and accent
colour), and appoint or remove the organisation's administrators. Every change is audited.

Plain functions with plain arguments; they add to the session and the view commits once. Roles change only
through ``organisations.service.set_roles``, which owns the rule that an organisation keeps its last
administrator.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select

from .. import audit
from ..extensions import claiming, db
from ..models import Membership, Organisation, Role, User, user_by_email, utcnow
from ..organisations import service as organisation_service

#: lowercase letters and digits in groups joined by single hyphens: "cabinet-office", "dwp2"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
NAME_MAX = 200
#: a header logo is small; 200 KB is plenty for a PNG or JPEG a few hundred pixels wide
LOGO_MAX_BYTES = 200 * 1024
#: WCAG 2.2 AA for normal text: the accent carries white text (notification titles, panels)
MIN_CONTRAST = 4.5
COLOUR_PATTERN = re.compile(r"^#?([0-9a-fA-F]{6})$")
WHITE = "#ffffff"


# --- plain rules ------------------------------------------------------------------------------------------


def normalise_colour(text: str) -> str | None:
    """``#rrggbb`` in lower case from "#1D70B8" or "1d70b8"; None when it is not a six-digit hex colour."""
    match = COLOUR_PATTERN.match(text.strip())
    return f"#{match.group(1).lower()}" if match else None


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour (0 for black, 1 for white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast_ratio(first: str, second: str = WHITE) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def accent_is_readable(colour: str) -> bool:
    """White text on the accent (and the accent on white) reaches 4.5:1."""
    return contrast_ratio(colour, WHITE) >= MIN_CONTRAST


def logo_type(data: bytes) -> str | None:
    """The content type of a PNG or JPEG from its first bytes; None for anything else (SVG included: it can
    carry script, so it is refused rather than sanitised)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def slug_is_valid(slug: str) -> bool:
    return len(slug) <= SLUG_MAX and bool(SLUG_PATTERN.match(slug))


def slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None


# --- reading ----------------------------------------------------------------------------------------------


def by_slug(slug: str) -> Organisation | None:
    """Any organisation, archived or not (site administrators still open archived ones)."""
    if not slug_is_valid(slug):
        return None
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def listing() -> list[tuple[Organisation, int]]:
    """Every organisation by name with how many people belong to it: two tables, one query."""
    people = (
        select(Membership.organisation_id, func.count(func.distinct(Membership.user_id)).label("people"))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .order_by(Organisation.name, Organisation.id)
    ).all()
    return [(organisation, int(count)) for organisation, count in rows]


def administrators(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id, Membership.role == Role.ORG_ADMIN)
            .order_by(User.name, User.id)
        )
    )


# --- changing ---------------------------------------------------------------------------------------------


def create(actor: User | None, name: str, slug: str) -> Organisation:
    """A new organisation (``actor`` None: the command line). Raises ``extensions.Taken`` when another request
    took the slug a moment ago."""
    if not slug_is_valid(slug):
        raise ValueError(f"not a valid slug: {slug!r}")
    organisation = Organisation(name=name, slug=slug)
    with claiming():
        db.session.add(organisation)
    audit.record(actor, organisation, "organisation.created", organisation, name=name, slug=slug)
    return organisation


def rename(actor: User, organisation: Organisation, name: str) -> bool:
    """Change the name people see; the slug (and so every bookmarked URL) stays. False when unchanged."""
    if name == organisation.name:
        return False
    before, organisation.name = organisation.name, name
    audit.record(actor, organisation, "organisation.renamed", organisation, before=before, after=name)
    return True


def archive(actor: User, organisation: Organisation, now: datetime | None = None) -> bool:
    """Hide the organisation from navigation and its managers; nobody's learning or certificates change."""
    if organisation.archived_at is not None:
        return False
    organisation.archived_at = now or utcnow()
    audit.record(actor, organisation, "organisation.archived", organisation)
    return True


def unarchive(actor: User, organisation: Organisation) -> bool:
    if organisation.archived_at is None:
        return False
    organisation.archived_at = None
    audit.record(actor, organisation, "organisation.unarchived", organisation)
    return True


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str


def read_logo(data: bytes) -> Logo | None:
    """A logo the site will serve, or None when the bytes are not an acceptable PNG or JPEG."""
    content_type = logo_type(data)
    if content_type is None or len(data) > LOGO_MAX_BYTES:
        return None
    return Logo(data, content_type)


def set_theme(
    actor: User, organisation: Organisation, accent_colour: str | None, logo: Logo | None, remove_logo: bool
) -> bool:
    """Set the accent colour (None: the site's own) and replace or remove the logo. False when nothing changed.

    Refuses (ValueError) a colour that fails the contrast rule: the form checks first and says why."""
    if accent_colour is not None and not accent_is_readable(accent_colour):
        raise ValueError(f"{accent_colour} does not reach {MIN_CONTRAST}:1 against white")
    details: dict[str, object] = {}
    if accent_colour != organisation.accent_colour:
        details["accent_colour"] = {"before": organisation.accent_colour, "after": accent_colour}
        organisation.accent_colour = accent_colour
    if logo is not None:
        digest = hashlib.sha256(logo.data).hexdigest()
        if digest != organisation.logo_hash:
            organisation.logo, organisation.logo_type, organisation.logo_hash = logo.data, logo.content_type, digest
            details["logo"] = "replaced"
    elif remove_logo and organisation.logo_hash is not None:
        organisation.logo = organisation.logo_type = organisation.logo_hash = None
        details["logo"] = "removed"
    if not details:
        return False
    audit.record(actor, organisation, "organisation.theme_changed", organisation, **details)
    return True


class Appointed(StrEnum):
    APPOINTED = "appointed"
    ALREADY = "already"  # an administrator already: nothing changed
    NO_ACCOUNT = "no_account"  # nobody has that address: invite them from the organisation's people page


def appoint_administrator(actor: User, organisation: Organisation, email: str) -> tuple[Appointed, User | None]:
    """Make an existing account an administrator of the organisation, keeping the roles it holds there."""
    user = db.session.scalar(user_by_email(email))
    if user is None:
        return Appointed.NO_ACCOUNT, None
    roles = set(organisation_service.roles_by_user(organisation, [user.id]).get(user.id, []))
    if Role.ORG_ADMIN in roles:
        return Appointed.ALREADY, user
    organisation_service.set_roles(actor, organisation, user, roles | {Role.ORG_ADMIN})
    return Appointed.APPOINTED, user


def remove_administrator(actor: User, organisation: Organisation, user: User) -> bool:
    """Take away someone's administrator role; their other roles stay, and someone who held only that role
    stays a learner, so they still belong and keep their history. False when they are the last
    administrator: ``set_roles`` keeps the organisation's last one, and the page says so."""
    roles = set(organisation_service.roles_by_user(organisation, [user.id]).get(user.id, []))
    remaining = (roles - {Role.ORG_ADMIN}) or {Role.LEARNER}
    return organisation_service.set_roles(actor, organisation, user, set(remaining))

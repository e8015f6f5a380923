"""Starting a draft from a published ATRS record: what GOV.UK's metadata of the record gives.

``published-records.json`` holds the metadata of real records (not their bodies), copied from the ATRS
fixtures with their licence statement (Open Government Licence v3.0). It pre-fills the record's title
information and Tier 1 as a starting point; the team then writes their own tool's record over it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from .fieldmap import HERE, FieldMap

GOV_UK = "https://www.gov.uk"  # a record's ``link`` is a path on GOV.UK


@dataclass(frozen=True)
class PublishedRecord:
    slug: str  # the last part of its GOV.UK path
    title: str
    description: str
    link: str
    phase: str
    regions: tuple[str, ...]
    date_published: str
    atrs_version: str

    @property
    def body_and_tool(self) -> tuple[str | None, str]:
        """The publishing body and the tool's name, from a title that is usually "Body: Tool" (or "Body - Tool")."""
        title = self.title.strip()
        for separator in (": ", " - "):
            if separator in title:
                body, tool = title.split(separator, 1)
                return body.strip() or None, tool.strip()
        return None, title


@cache
def _data() -> dict:
    return json.loads((HERE / "published-records.json").read_text(encoding="utf-8"))


def published_records() -> list[PublishedRecord]:
    return [
        PublishedRecord(
            slug=raw["link"].rstrip("/").rsplit("/", 1)[-1],
            title=raw["title"],
            description=raw["description"],
            link=raw["link"],
            phase=raw["phase"],
            regions=tuple(raw["region"]),
            date_published=raw["date_published"],
            atrs_version=raw["atrs_version"],
        )
        for raw in _data()["records"]
    ]


def find(slug: str) -> PublishedRecord | None:
    return next((record for record in published_records() if record.slug == slug), None)


def prefill(record: PublishedRecord, field_map: FieldMap) -> dict[str, str]:
    """The answers the metadata gives, for the fields ``field_map`` has.

    A phase that the template version no longer offers (v4.0 dropped "beta-pilot") is left for the team.
    """
    body, tool = record.body_and_tool
    labels = _data()["region_labels"]
    answers = {
        "title": tool,
        "name": tool,
        "organisation_name": body or "",
        "organisation_or_department": body or "",
        "one_sentence_description": record.description.strip(),
        "description": record.description.strip(),
        "region": ", ".join(labels.get(region, region) for region in record.regions),
    }
    phase = field_map.field("phase")
    if phase is not None and record.phase in phase.choices:
        answers["phase"] = record.phase
    known = {field.key for field in field_map.fields}
    return {key: value for key, value in answers.items() if key in known and value}

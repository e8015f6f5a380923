"""A draft in the template's own structure: JSON, markdown and a CSV of its fields.

The ATRS template and GOV.UK's records are in English, so an export uses the template's English names and
reference numbers whatever the interface language; only the answers are the team's own words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...models import AtrsRecord
from ...tables import Column
from .fieldmap import FieldMap

CSV_COLUMNS = [
    Column(key, key) for key in ("reference_number", "attribute", "name", "tier", "section", "required", "value")
]


def _tier(value: int | None) -> str:
    return "N/A" if value is None else str(value)


def as_json(field_map: FieldMap, record: AtrsRecord, answers: dict[str, str]) -> dict[str, Any]:
    """Sections in template order, each field with its reference number, name, tier, flag and answer."""
    return {
        "atrs_version": field_map.version,
        "status": "draft",
        "name": record.name,
        "updated_at": record.updated_at.isoformat() if isinstance(record.updated_at, datetime) else None,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "tier": section.tier,
                "fields": [
                    {
                        "reference_number": field.id,
                        "attribute": field.key,
                        "name": field.label,
                        "tier": _tier(field.tier),
                        "required": field.required,
                        "value": answers.get(field.key, ""),
                    }
                    for field in section.fields
                ],
            }
            for section in field_map.sections
        ],
    }


def as_markdown(field_map: FieldMap, record: AtrsRecord, answers: dict[str, str]) -> str:
    """A readable record: one heading per section (with its tier), one per field, "Not answered" for gaps."""
    title = answers.get("title") or record.name
    lines = [f"# {title}", "", f"Algorithmic Transparency Recording Standard, version {field_map.version}. Draft.", ""]
    if answers.get("one_sentence_description"):
        lines += [answers["one_sentence_description"], ""]
    for section in field_map.sections:
        lines += [f"## Tier {section.tier}: {section.title}", ""]
        for field in section.fields:
            value = answers.get(field.key, "").strip()
            lines += [f"### {field.id} {field.label}", "", value if value else "_Not answered_", ""]
    return "\n".join(lines).rstrip() + "\n"


def csv_rows(field_map: FieldMap, answers: dict[str, str]) -> list[list[Any]]:
    """One row per field in template order (cells are escaped by the CSV writer)."""
    return [
        [
            field.id,
            field.key,
            field.label,
            _tier(field.tier),
            section.title,
            "TRUE" if field.required else "FALSE",
            answers.get(field.key, ""),
        ]
        for section in field_map.sections
        for field in section.fields
    ]


def file_name(record: AtrsRecord, extension: str) -> str:
    """An ASCII file name from the tool's name: ``atrs-v4.0-rentsense.md``."""
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in record.name.lower()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part)[:60] or f"record-{record.id}"
    return f"atrs-v{record.template_version}-{slug}.{extension}"

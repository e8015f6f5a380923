"""The ATRS field map: the template's sections and fields, read from a versioned data file.

A new template version is a new ``template-v<version>.yaml`` beside this module; nothing else changes.
The file says how each field was derived from the official tables (see its header and docs/practice.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
#: the template version new drafts follow (the standard's current one)
CURRENT_VERSION = "4.0"
INPUTS = ("text", "textarea", "url", "email", "choice")
FIELD_KEYS = {"id", "key", "label", "tier", "required", "basis", "v3", "merges", "input", "choices", "hint", "change"}


@dataclass(frozen=True)
class AtrsField:
    id: str  # the template's reference number, e.g. "2.1.4.1"
    key: str  # snake_case name, the key in a draft's answers and in the JSON export
    label: str
    tier: int | None  # None for the record's title information (the official table says "N/A")
    required: bool
    section: str
    basis: str  # where the id comes from: v3.0, guidance, renumbered or new
    v3: str | None = None  # the official v3.0 row this field continues
    merges: tuple[str, ...] = ()
    input: str = "text"
    choices: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class AtrsSection:
    key: str
    title: str
    tier: int
    intro: str
    fields: tuple[AtrsField, ...]


@dataclass(frozen=True)
class FieldMap:
    version: str
    derived_from: str | None
    sections: tuple[AtrsSection, ...]
    removed: tuple[dict, ...]

    @property
    def fields(self) -> list[AtrsField]:
        return [field for section in self.sections for field in section.fields]

    def section(self, key: str) -> AtrsSection | None:
        return next((section for section in self.sections if section.key == key), None)

    def field(self, key: str) -> AtrsField | None:
        return next((field for field in self.fields if field.key == key), None)


def available_versions() -> list[str]:
    return sorted(path.stem.removeprefix("template-v") for path in HERE.glob("template-v*.yaml"))


def parse(data: dict) -> FieldMap:
    """A field map from the file's data, refusing what the workshop could not show."""
    sections = []
    for section in data["sections"]:
        fields = []
        for raw in section["fields"]:
            if set(raw) - FIELD_KEYS:  # e.g. an unquoted comma in a flow mapping splits a hint
                raise ValueError(f"field {raw.get('id')}: unknown keys {sorted(set(raw) - FIELD_KEYS)}")
            kind = raw.get("input", "text")
            if kind not in INPUTS:
                raise ValueError(f"field {raw['id']}: unknown input {kind!r}")
            fields.append(
                AtrsField(
                    id=str(raw["id"]),
                    key=raw["key"],
                    label=raw["label"],
                    tier=raw["tier"],
                    required=bool(raw["required"]),
                    section=section["key"],
                    basis=raw["basis"],
                    v3=raw.get("v3"),
                    merges=tuple(raw.get("merges", ())),
                    input=kind,
                    choices=tuple(str(choice) for choice in raw.get("choices", ())),
                    hint=raw.get("hint", ""),
                )
            )
        sections.append(
            AtrsSection(section["key"], section["title"], section["tier"], section.get("intro", ""), tuple(fields))
        )
    keys = [field.key for section in sections for field in section.fields]
    if len(keys) != len(set(keys)):
        raise ValueError("field keys must be unique")
    return FieldMap(str(data["version"]), data.get("derived_from"), tuple(sections), tuple(data.get("removed", ())))


@cache
def load(version: str = CURRENT_VERSION) -> FieldMap:
    """The field map of one template version (read once per process)."""
    if version not in available_versions():
        raise LookupError(f"no ATRS field map for version {version}")
    with open(HERE / f"template-v{version}.yaml", encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))

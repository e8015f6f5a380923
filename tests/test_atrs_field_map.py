"""The workshop's ATRS field map agrees with the standard's own material (../shared/fixtures/atrs/).

The map follows v4.0, for which the standard publishes no field table, so it is checked against what is
official: every field that continues a v3.0 row has that row's tier and required flag (a merged field is
required when any row merged into it was); every v3.0 row is kept, merged or removed; every rename, merge,
removal and addition quotes the v3.0 -> v4.0 change log; and every field id the v4.0 guidance prints in an
example is in the map under that name.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from literacy.practice.atrs import fieldmap

from .conftest import SHARED

ATRS = SHARED / "fixtures" / "atrs" / "template"
needs_fixtures = pytest.mark.skipif(
    not ATRS.is_dir(), reason=f"the ATRS fixtures are not here ({ATRS}: ../shared/fixtures beside the repository)"
)


def official_table(path) -> dict[str, dict[str, str]]:
    """Rows of an official template table (markdown), by reference number."""
    rows: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [re.sub(r"<br>", " ", cell).strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "reference number":
            header = cells
        elif header and not set(cells[0]) <= {"-"}:
            rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


def normal(text: str) -> str:
    """Text compared across a PDF extraction: one kind of quote, single spaces, lower case."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def v3():
    return official_table(ATRS / "v3.0" / "template_table.md")


@pytest.fixture(scope="module")
def change_log():
    return normal((ATRS / "v4.0" / "Change_log_ATRS_v3.0_to_v4.0.pypdf-extracted.txt").read_text(encoding="utf-8"))


def official_tier(row: dict[str, str]) -> int | None:
    return None if row["tier"] == "N/A" else int(row["tier"])


def test_the_current_map_follows_the_newest_template_version():
    newest = max(fieldmap.available_versions(), key=lambda v: tuple(map(int, v.split("."))))
    assert fieldmap.CURRENT_VERSION == "4.0" == newest
    field_map = fieldmap.load()
    assert field_map.version == "4.0" and field_map.derived_from == "3.0"
    ids = [field.id for field in field_map.fields]
    assert len(ids) == len(set(ids))


@needs_fixtures
def test_the_fixtures_still_have_no_v4_field_table():
    """If an official v4.0 table arrives, compare with it directly instead of deriving (and change this test)."""
    assert not list((ATRS / "v4.0").glob("*table*")), "an official v4.0 field table is here: compare with it"


@needs_fixtures
def test_fields_that_continue_a_v3_row_keep_its_tier_and_required_flag(v3):
    for field in fieldmap.load().fields:
        if field.basis == "new":
            assert field.v3 is None, field.id
            continue
        row = v3[field.v3]
        assert official_tier(row) == field.tier, field.id
        merged = [v3[number] for number in field.merges]
        required = any(r["required"] == "TRUE" for r in [row, *merged])
        assert field.required == required, field.id
        if field.basis == "v3.0":
            assert (field.id, field.label.lower()) == (row["reference number"], row["name"].lower()), field.id


@needs_fixtures
def test_every_v3_row_is_kept_merged_or_removed_as_the_change_log_says(v3, change_log):
    field_map = fieldmap.load()
    accounted = [field.v3 for field in field_map.fields if field.v3] + [n for f in field_map.fields for n in f.merges]
    removed = [entry["v3"] for entry in field_map.removed]
    assert sorted(accounted + removed) == sorted(v3), "each v3.0 row exactly once"
    for entry in field_map.removed:
        assert normal(entry["change"]) in change_log, entry
    for number in removed:
        assert v3[number]["name"].lower() in change_log or number == "2.4.1.2", number


@needs_fixtures
def test_renames_merges_and_additions_quote_the_change_log(v3, change_log):
    import yaml

    raw = yaml.safe_load((fieldmap.HERE / "template-v4.0.yaml").read_text(encoding="utf-8"))
    changes = {field["key"]: field.get("change") for section in raw["sections"] for field in section["fields"]}
    for field in fieldmap.load().fields:
        renamed = field.v3 is not None and field.label.lower() != v3[field.v3]["name"].lower()
        if renamed or field.merges or field.basis == "new" or field.id == "0.13":
            assert changes[field.key], f"{field.id} changes v3.0 but quotes no change"
        if changes[field.key]:
            assert normal(changes[field.key]) in change_log, field.id
    for section in raw["sections"]:
        if section.get("change"):
            assert normal(section["change"]) in change_log, section["key"]


@needs_fixtures
def test_every_field_id_in_the_v4_guidance_examples_is_in_the_map_by_that_name():
    text = (ATRS / "v4.0" / "ATRS_Guidance_for_v4.0.pypdf-extracted.txt").read_text(encoding="utf-8")
    printed = re.findall(r"^ ?(\d\.[\d.]*\d)\.?\s*-?\s+(\S.*?)\s*$", text, flags=re.MULTILINE)
    assert len(printed) >= 10
    by_id = {field.id: field for field in fieldmap.load().fields}
    for number, name in printed:
        assert number in by_id, number
        assert by_id[number].label.lower() == name.lower(), (number, name)
        assert by_id[number].basis != "renumbered", f"{number}: the guidance confirms it, so its basis is not inferred"
    # the one the guidance names in running text
    assert "‘2.4.2.8 Datasets and their purposes’" in text and by_id["2.4.2.8"].label == "Datasets and their purposes"


@needs_fixtures
def test_the_phase_choices_are_the_v4_ones_the_finder_allows():
    import json

    schema = json.loads((ATRS / "govuk-finder" / "algorithmic_transparency_records.json").read_text())
    facet = next(f for f in schema["facets"] if f["key"] == "algorithmic_transparency_record_phase")
    allowed = {value["value"] for value in facet["allowed_values"]}
    phase = fieldmap.load().field("phase")
    assert set(phase.choices) <= allowed and "beta-pilot" not in phase.choices
    assert {"private-beta", "public-beta"} <= set(phase.choices)


def test_a_field_map_refuses_an_unknown_input_and_duplicate_keys():
    base = {"version": "9.9", "sections": [{"key": "s", "title": "S", "tier": 1, "fields": []}]}
    field = {"id": "1.1", "key": "name", "label": "Name", "tier": 1, "required": True, "basis": "new"}
    with pytest.raises(ValueError, match="unknown input"):
        fieldmap.parse({**base, "sections": [{**base["sections"][0], "fields": [{**field, "input": "slider"}]}]})
    with pytest.raises(ValueError, match="unique"):
        fieldmap.parse({**base, "sections": [{**base["sections"][0], "fields": [field, {**field, "id": "1.2"}]}]})
    with pytest.raises(ValueError, match="unknown keys"):
        fieldmap.parse({**base, "sections": [{**base["sections"][0], "fields": [{**field, "say why.": None}]}]})
    with pytest.raises(LookupError):
        fieldmap.load("0.1")

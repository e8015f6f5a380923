"""Starting an ATRS draft from a real published record: its GOV.UK metadata pre-fills the summary."""

from __future__ import annotations

import json

import pytest

from literacy.extensions import db
from literacy.models import AtrsRecord
from literacy.practice.atrs import fieldmap, published, service

from .conftest import SHARED

RECORDS = SHARED / "fixtures" / "atrs" / "records"


@pytest.mark.skipif(not RECORDS.is_dir(), reason=f"the ATRS record fixtures are not here ({RECORDS})")
def test_the_shipped_metadata_is_the_fixtures_own():
    shipped = json.loads((fieldmap.HERE / "published-records.json").read_text(encoding="utf-8"))
    assert "Open Government Licence v3.0" in shipped["about"]
    files = sorted(RECORDS.glob("[0-9][0-9]-*.json"))
    assert [entry["file"] for entry in shipped["records"]] == [path.name for path in files]
    for entry, path in zip(shipped["records"], files, strict=True):
        raw = json.loads(path.read_text(encoding="utf-8"))
        facet = "algorithmic_transparency_record_"
        assert (entry["title"], entry["description"], entry["link"]) == (raw["title"], raw["description"], raw["link"])
        assert entry["phase"] == raw[facet + "phase"] and entry["region"] == raw[facet + "region"]
        assert entry["date_published"] == raw[facet + "date_published"]
        assert entry["atrs_version"] == raw[facet + "atrs_version"]
    finder = json.loads(
        (SHARED / "fixtures/atrs/template/govuk-finder/algorithmic_transparency_records.json").read_text()
    )
    regions = {
        v["value"]: v["label"] for f in finder["facets"] if f["key"] == facet + "region" for v in f["allowed_values"]
    }
    assert shipped["region_labels"] == {key: regions[key] for key in shipped["region_labels"]}


def test_titles_split_into_body_and_tool_as_gov_uk_writes_them():
    by_slug = {record.slug: record for record in published.published_records()}
    assert len(by_slug) == 10
    assert by_slug["camden-council-rentsense"].body_and_tool == ("Camden Council", "RentSense")
    assert by_slug["dsit-redbox"].body_and_tool == ("DSIT", "Redbox")
    assert by_slug["trustid"].body_and_tool == (None, "TrustID")
    ks2 = by_slug["standards-and-testing-agency-llm-ks2-writing-sample-generator"]
    assert ks2.body_and_tool == ("Standards and Testing Agency", "LLM - KS2 Writing Sample Generator")


def test_prefill_gives_tier_1_and_title_information_and_drops_a_phase_v4_has_not():
    field_map = fieldmap.load()
    camden = published.prefill(published.find("camden-council-rentsense"), field_map)
    assert camden["name"] == camden["title"] == "RentSense"
    assert camden["organisation_name"] == camden["organisation_or_department"] == "Camden Council"
    assert camden["description"] == camden["one_sentence_description"] != ""
    assert camden["region"] == "London" and "phase" not in camden  # beta-pilot is not a v4.0 phase
    woodland = published.prefill(
        published.find("welsh-government-mapping-ancient-woodland-image-segmentation-model"), field_map
    )
    assert woodland["region"] == "Wales" and woodland["organisation_name"] == "Welsh Government"
    assert published.prefill(published.find("dvsa-mot-risk-rating"), field_map)["phase"] == "production"
    trustid = published.prefill(published.find("trustid"), field_map)
    assert "organisation_name" not in trustid and trustid["name"] == "TrustID"


@pytest.fixture
def trainer(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    return make_user("trainer@a.example", organisation=organisation, roles=("trainer",))


def test_starting_from_a_published_record_prefills_the_summary(client, auth, trainer):
    auth.sign_in("trainer@a.example")
    page = client.get("/organisations/org-a/atrs/new").get_data(as_text=True)
    assert 'value="camden-council-rentsense">Camden Council: RentSense<' in page
    response = auth.post("/organisations/org-a/atrs/new", {"name": "", "published": "camden-council-rentsense"})
    assert response.status_code == 302
    record = db.session.scalar(db.select(AtrsRecord))
    assert record.name == "RentSense"
    assert record.started_from == "/algorithmic-transparency-records/camden-council-rentsense"
    answers = service.answers_of(record)
    assert answers["organisation_name"] == "Camden Council" and answers["region"] == "London"
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Camden Council"' in summary
    shown = client.get(f"/organisations/org-a/atrs/{record.id}/").get_data(as_text=True)
    assert "https://www.gov.uk/algorithmic-transparency-records/camden-council-rentsense" in shown
    assert "Open Government Licence v3.0" in shown


def test_an_own_name_wins_and_nothing_or_an_unknown_record_is_refused(client, auth, trainer):
    auth.sign_in("trainer@a.example")
    auth.post("/organisations/org-a/atrs/new", {"name": "Our rent tool", "published": "camden-council-rentsense"})
    assert db.session.scalar(db.select(AtrsRecord.name)) == "Our rent tool"
    empty = auth.post("/organisations/org-a/atrs/new", {"name": "", "published": ""})
    assert empty.status_code == 400 and "or choose a published record to start from" in empty.get_data(as_text=True)
    unknown = auth.post("/organisations/org-a/atrs/new", {"name": "X", "published": "nowhere"})
    assert unknown.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(AtrsRecord)) == 1

"""The ATRS record workshop: drafts under /organisations/<org>/atrs/, who may see them, saving a section whole."""

from __future__ import annotations

import json

import pytest

from literacy.extensions import db
from literacy.models import AtrsRecord
from literacy.practice.atrs import fieldmap, service
from literacy.practice.atrs.messages import FIELD_MAP_TEXTS

from .test_i18n import welsh_catalogue


@pytest.fixture
def people(make_organisation, make_user):
    org_a = make_organisation("org-a", "Organisation A")
    org_b = make_organisation("org-b", "Organisation B")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "learner": make_user("learner@a.example", organisation=org_a, roles=("learner",)),
        "trainer": make_user("trainer@a.example", organisation=org_a, roles=("trainer",)),
        "manager": make_user("manager@a.example", organisation=org_a, roles=("manager",)),
        "manager_b": make_user("manager@b.example", organisation=org_b, roles=("manager",)),
    }


@pytest.fixture
def record(people):
    return service.create_record(people["org_a"], people["trainer"], "RentSense")


def stored(record_id: int) -> dict[str, str]:
    db.session.expire_all()
    return json.loads(db.session.get(AtrsRecord, record_id).answers)


def test_the_organisation_page_leads_a_manager_to_the_workshop(client, auth, people):
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/{people['org_a'].slug}/").get_data(as_text=True)
    assert f'href="/organisations/{people["org_a"].slug}/atrs/">ATRS record workshop</a>' in page


def test_a_trainer_starts_a_draft_and_lands_on_its_summary_section(client, auth, people):
    auth.sign_in("trainer@a.example")
    assert client.get("/organisations/org-a/atrs/").status_code == 200
    response = auth.post("/organisations/org-a/atrs/new", {"name": "  RentSense "})
    assert response.status_code == 302
    record = db.session.scalar(db.select(AtrsRecord))
    assert response.headers["Location"] == f"/organisations/org-a/atrs/{record.id}/summary"
    assert (record.name, record.template_version, record.is_shared) == ("RentSense", "4.0", False)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Summary information" in page and 'value="RentSense"' in page and "not of one person" in page


def test_starting_without_a_name_shows_the_error_summary(client, auth, people):
    auth.sign_in("manager@a.example")
    response = auth.post("/organisations/org-a/atrs/new", {"name": " ", "is_shared": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page and "<title>Error:" in page
    assert 'href="#name">Enter the name of the tool' in page and "checked" in page
    assert db.session.scalar(db.select(AtrsRecord)) is None


def test_a_section_saves_whole_and_continues_to_the_next(client, auth, people, record):
    auth.sign_in("trainer@a.example")
    form = {
        "name": "RentSense",
        "description": "Helps housing officers.",
        "contact_email": "rents@camden.gov.uk",
        "website_url": "N/A",
        "phase": "public-beta",
        "action": "continue",
    }
    response = auth.post(f"/organisations/org-a/atrs/{record.id}/summary", form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{record.id}/owner")
    answers = stored(record.id)
    assert answers["description"] == "Helps housing officers." and answers["phase"] == "public-beta"
    page = client.get(f"/organisations/org-a/atrs/{record.id}/").get_data(as_text=True)
    assert "Helps housing officers." in page and "Public beta" in page and "In progress" in page


def test_a_section_with_a_problem_keeps_what_was_typed_and_saves_nothing(client, auth, people, record):
    auth.sign_in("trainer@a.example")
    form = {
        "name": "RentSense",
        "description": "Typed but not saved",
        "contact_email": "not an address",
        "website_url": "ftp://example.org",
        "phase": "beta-pilot",
    }
    response = auth.post(f"/organisations/org-a/atrs/{record.id}/summary", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert 'href="#contact_email"' in page and 'href="#website_url"' in page and 'href="#phase"' in page
    assert "Typed but not saved" in page and 'value="not an address"' in page
    assert "description" not in stored(record.id)


def test_a_save_without_the_csrf_token_is_refused(client, auth, people, record):
    auth.sign_in("trainer@a.example")
    response = client.post(f"/organisations/org-a/atrs/{record.id}/summary", data={"name": "X", "team": "Y"})
    assert response.status_code == 400
    assert stored(record.id) == {"name": "RentSense"}


def test_emptying_an_answer_removes_it_and_the_name_is_required(client, auth, people, record):
    auth.sign_in("trainer@a.example")
    auth.post(f"/organisations/org-a/atrs/{record.id}/owner", {"team": "Rents"})
    assert stored(record.id)["team"] == "Rents"
    auth.post(f"/organisations/org-a/atrs/{record.id}/owner", {"team": ""})
    assert "team" not in stored(record.id)
    response = auth.post(f"/organisations/org-a/atrs/{record.id}/summary", {"name": ""})
    assert response.status_code == 400 and stored(record.id)["name"] == "RentSense"


def test_a_learner_reads_only_shared_drafts_and_changes_none(client, auth, people, record):
    other = service.create_record(people["org_a"], people["trainer"], "Redbox", is_shared=True)
    auth.sign_in("learner@a.example")
    listing = client.get("/organisations/org-a/atrs/").get_data(as_text=True)
    assert "Redbox" in listing and "RentSense" not in listing and "Start a draft record" not in listing
    assert client.get(f"/organisations/org-a/atrs/{record.id}/").status_code == 404
    page = client.get(f"/organisations/org-a/atrs/{other.id}/")
    assert page.status_code == 200 and "Change" not in page.get_data(as_text=True)
    assert client.get("/organisations/org-a/atrs/new").status_code == 403
    assert client.get(f"/organisations/org-a/atrs/{other.id}/summary").status_code == 403
    assert auth.post(f"/organisations/org-a/atrs/{other.id}/sharing", {}).status_code == 403


def test_sharing_is_switched_by_an_editor(client, auth, people, record):
    auth.sign_in("manager@a.example")
    assert auth.post(f"/organisations/org-a/atrs/{record.id}/sharing", {"is_shared": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AtrsRecord, record.id).is_shared
    auth.post(f"/organisations/org-a/atrs/{record.id}/sharing", {})
    db.session.expire_all()
    assert not db.session.get(AtrsRecord, record.id).is_shared


def test_another_organisations_draft_is_never_found_through_ones_own(client, auth, people, record):
    theirs = service.create_record(people["org_b"], people["manager_b"], "Their tool", is_shared=True)
    auth.sign_in("trainer@a.example")
    assert client.get(f"/organisations/org-a/atrs/{theirs.id}/").status_code == 404
    assert client.get(f"/organisations/org-a/atrs/{theirs.id}/summary").status_code == 404
    assert client.get(f"/organisations/org-a/atrs/{record.id}/nowhere").status_code == 404
    assert client.get("/organisations/org-b/atrs/").status_code == 403


def test_section_status_follows_the_required_fields():
    summary = fieldmap.load().section("summary")
    assert service.section_status(summary, {}) == "not-started"
    assert service.section_status(summary, {"name": "X"}) == "in-progress"
    required = {field.key: "x" for field in summary.fields if field.required}
    assert service.section_status(summary, required) == "completed"


def test_a_draft_keeps_the_template_version_it_started_with(people, record):
    assert service.field_map_of(record).version == record.template_version == fieldmap.CURRENT_VERSION


def test_every_word_of_the_field_maps_is_marked_and_has_welsh():
    texts = set(FIELD_MAP_TEXTS)
    catalogue = welsh_catalogue()
    for version in fieldmap.available_versions():
        for section in fieldmap.load(version).sections:
            words = [section.title, section.intro] + [t for f in section.fields for t in (f.label, f.hint)]
            for text in filter(None, words):
                assert text in texts, f"{text!r}: add it to literacy/practice/atrs/messages.py"
    missing = [text for text in texts if not (catalogue.get(text) and catalogue.get(text).string)]
    assert not missing, missing


# --- export in the template's structure ---


def _filled(record, people) -> None:
    service.save_section(
        record,
        people["trainer"],
        "summary",
        {
            "name": "RentSense",
            "title": "RentSense",
            "description": '=HYPERLINK("x") helps officers.',
            "contact_email": "rents@camden.gov.uk",
            "phase": "production",
        },
    )
    service.save_section(record, people["trainer"], "deployment", {"human_review": "Officers check every case."})


def test_the_json_export_follows_the_field_map_in_order(client, auth, people, record):
    _filled(record, people)
    auth.sign_in("trainer@a.example")
    response = client.get(f"/organisations/org-a/atrs/{record.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert 'filename="atrs-v4.0-rentsense.json"' in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["atrs_version"] == "4.0" and [s["key"] for s in data["sections"]] == [
        s.key for s in fieldmap.load().sections
    ]
    fields = [field for section in data["sections"] for field in section["fields"]]
    assert [f["reference_number"] for f in fields] == [f.id for f in fieldmap.load().fields]
    by_key = {f["attribute"]: f for f in fields}
    assert by_key["human_review"] == {
        "reference_number": "2.3.3",
        "attribute": "human_review",
        "name": "Human review",
        "tier": "2",
        "required": True,
        "value": "Officers check every case.",
    }
    assert by_key["title"]["tier"] == "N/A" and by_key["team"]["value"] == ""


def test_the_markdown_export_has_a_heading_per_section_and_field(client, auth, people, record):
    _filled(record, people)
    auth.sign_in("trainer@a.example")
    text = client.get(f"/organisations/org-a/atrs/{record.id}/export.md").get_data(as_text=True)
    assert text.startswith("# RentSense\n")
    assert "## Tier 1: Summary information" in text and "### 1.4 Contact email\n\nrents@camden.gov.uk" in text
    assert "### 2.3.3 Human review\n\nOfficers check every case." in text
    assert "### 2.1.2 Team\n\n_Not answered_" in text


def test_the_csv_export_has_a_row_per_field_and_no_formula(client, auth, people, record):
    import csv
    import io

    _filled(record, people)
    auth.sign_in("trainer@a.example")
    response = client.get(f"/organisations/org-a/atrs/{record.id}/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["reference_number", "attribute", "name", "tier", "section", "required", "value"]
    assert len(rows) == 1 + len(fieldmap.load().fields)
    description = next(row for row in rows if row[1] == "description")
    assert description[:4] == ["1.2", "description", "Description", "1"] and description[5] == "TRUE"
    assert description[6].startswith("'=HYPERLINK")


def test_exports_are_for_those_who_may_read_the_draft(client, auth, people, record):
    auth.sign_in("learner@a.example")
    for fmt in ("md", "json", "csv"):
        assert client.get(f"/organisations/org-a/atrs/{record.id}/export.{fmt}").status_code == 404
    assert client.get(f"/organisations/org-a/atrs/{record.id}/export.xlsx").status_code == 403  # a section
    service.set_shared(record, people["trainer"], True)
    assert client.get(f"/organisations/org-a/atrs/{record.id}/export.md").status_code == 200

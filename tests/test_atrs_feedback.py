"""Feedback while drafting an ATRS record: readability and jargon of Tier 1, required fields, human review
and appeals, a team mailbox. The readability score is checked against textstat (a test-only dependency)."""

from __future__ import annotations

import json
import statistics

import pytest

from literacy.practice.atrs import feedback, fieldmap, service
from literacy.practice.atrs.readability import flesch_reading_ease, sentence_count, syllables

from .conftest import SHARED

SNAPSHOT = SHARED / "fixtures" / "atrs" / "snapshots" / "SanketCSakhare_atrs_metadata.json"


def test_syllables_and_sentences_by_rule_of_thumb():
    assert [syllables(w) for w in ("tool", "housing", "officers", "service", "table", "used", "predicted")] == [
        1,
        2,
        3,
        2,
        2,
        1,
        3,
    ]
    assert sentence_count("One. Two? Three! 3.5 stays") == 3 and sentence_count("") == 0
    assert flesch_reading_ease("") is None


def test_plain_text_scores_higher_than_dense_text():
    plain = "The tool helps staff find late rent. A person checks each case."
    dense = (
        "Utilising sophisticated probabilistic classification methodologies, the organisational "
        "infrastructure prioritises administratively significant accounts."
    )
    assert flesch_reading_ease(plain) > 60 > 30 > flesch_reading_ease(dense)


@pytest.mark.skipif(not SNAPSHOT.is_file(), reason=f"the ATRS record snapshot is not here ({SNAPSHOT})")
def test_the_score_agrees_with_textstat_on_real_record_descriptions():
    textstat = pytest.importorskip("textstat")
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    texts = [record["description"] for record in data["results"] if record.get("description")]
    assert len(texts) > 100
    ours = [flesch_reading_ease(text) for text in texts]
    theirs = [textstat.flesch_reading_ease(text) for text in texts]
    assert statistics.mean(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 7

    def band(score: float) -> int:
        return 0 if score < feedback.HARD_SCORE else 1 if score < feedback.PLAIN_SCORE else 2

    agree = sum(band(a) == band(b) for a, b in zip(ours, theirs, strict=True)) / len(texts)
    assert agree >= 0.85


def test_jargon_is_found_once_with_a_plainer_word():
    found = feedback.jargon_in("We utilise an LLM and machine learning; we utilise an API. Pipelines? No.")
    assert found == [
        ("utilise", "use"),
        ("LLM", "AI that writes text"),
        ("machine learning", "software that learns patterns from data"),
        ("API", "link between systems"),
    ]
    assert feedback.jargon_in("the end-to-end-ish mlops") == []


@pytest.mark.parametrize(
    ("address", "personal"),
    [
        ("jane.smith@camden.gov.uk", True),
        ("j.smith@hmrc.gov.uk", True),
        ("jsmith@x.gov.uk", True),
        ("rents-team@camden.gov.uk", False),
        ("ai@dsit.gov.uk", False),
        ("data.protection@x.gov.uk", False),
        ("algorithmic-transparency@dsit.gov.uk", False),
        ("transparency.office@x.gov.uk", False),
    ],
)
def test_a_contact_that_looks_like_one_person(address, personal):
    assert feedback.looks_personal(address) is personal


def test_review_of_an_empty_and_of_a_good_draft(app):
    field_map = fieldmap.load()
    with app.test_request_context():
        empty = feedback.review(field_map, {})
        assert {note.field for note in empty.problems} == {"human_review", "appeals_and_review"}
        assert len(empty.missing) == len([f for f in field_map.fields if f.required])
        good = {f.key: "Written." for f in field_map.fields}
        good.update(
            description="The tool helps staff find late rent. A person checks each case.",
            contact_email="rents-team@camden.gov.uk",
        )
        result = feedback.review(field_map, good)
        assert result.notes == [] and result.missing == [] and result.readability > 60
        hard = feedback.review(
            field_map,
            {
                "description": "Utilising sophisticated probabilistic classification methodologies, the organisational "
                "infrastructure prioritises administratively significant accounts. It works. It helps. It is good.",
                "contact_email": "jane.smith@camden.gov.uk",
            },
        )
        words = [str(note.message) for note in hard.notes]
        assert any("hard to read" in w for w in words) and any("two or three sentences" in w for w in words)
        assert hard.jargon == []  # "Utilising" is hard, but not on the list (which has "utilise" and "utilises")
        assert any("one person's address" in w for w in words)


def test_the_record_page_shows_the_feedback(client, auth, make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    trainer = make_user("trainer@a.example", organisation=org, roles=("trainer",))
    record = service.create_record(org, trainer, "RentSense")
    service.save_section(
        record,
        trainer,
        "summary",
        {
            "name": "RentSense",
            "contact_email": "jane.smith@camden.gov.uk",
            "description": "RentSense leverages machine learning to prioritise arrears.",
        },
    )
    auth.sign_in("trainer@a.example")
    page = client.get(f"/organisations/org-a/atrs/{record.id}/").get_data(as_text=True)
    assert "Feedback on the draft" in page and "Reading ease of the Tier 1 description" in page
    assert "“leverages” may be jargon to the public: try “uses”" in page
    assert "one person&#39;s address" in page and "required fields are not answered yet" in page
    assert f'href="/organisations/org-a/atrs/{record.id}/deployment#human_review"' in page
    section = client.get(f"/organisations/org-a/atrs/{record.id}/summary").get_data(as_text=True)
    assert "one person&#39;s address" in section and "Appeals and review" not in section

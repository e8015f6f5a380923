"""A learner finds the self-assessments whose team they are in from "My learning" (issue 21), without
knowing their address, and only those they may open; the page reads them in a statement it already sent,
so it sends as many statements with ten assessments as with none."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Membership, utcnow
from literacy.practice.assessment import service

from .test_learning import count_queries


@pytest.fixture
def people(make_organisation, make_user):
    org_a = make_organisation("org-a", "Cyngor A")
    org_b = make_organisation("org-b", "Organisation B")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "trainer": make_user("trainer@a.example", name="Tom Trainer", organisation=org_a, roles=("trainer",)),
        "trainer_b": make_user("trainer@b.example", name="Bea Trainer", organisation=org_b, roles=("trainer",)),
        "learner": make_user("lee@a.example", name="Lee Learner", organisation=org_a),
    }


def start(people, name: str, *, org: str = "org_a", trainer: str = "trainer", team: bool = True, **options):  # noqa: ANN001, ANN003
    made = service.create_assessment(people[org], people[trainer], name, **options)
    if team:
        assert service.add_member(made, people[org], people[trainer], people["learner"].id) is not None
    return made


def section(page: str) -> str:
    found = re.search(r'<h2 class="heading-m" id="assessments">(.*?)</ul>', page, re.S)
    return found.group(1) if found else ""


def test_no_section_without_a_team(client, auth, people):
    start(people, "Published, not mine", team=False, is_published=True)  # readable, but not their team's
    auth.sign_in("lee@a.example")
    page = client.get("/my-learning").get_data(as_text=True)
    assert 'id="assessments"' not in page and "Your self-assessments" not in page


def test_my_learning_links_to_each_team_assessment_newest_change_first(client, auth, people):
    older = start(people, "Repairs triage")
    newer = start(people, "Benefit letters")
    start(people, "Not in its team", team=False)
    auth.sign_in("lee@a.example")
    page = client.get("/my-learning").get_data(as_text=True)
    listed = section(page)
    assert "Your self-assessments" in listed and "Not in its team" not in listed
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', listed)
    assert links == [
        (f"/organisations/org-a/assessments/{newer.id}/", "Benefit letters"),
        (f"/organisations/org-a/assessments/{older.id}/", "Repairs triage"),
    ]
    assert "Cyngor A. Last changed" in listed
    opened = client.get(links[0][0])
    assert opened.status_code == 200 and "Benefit letters" in opened.get_data(as_text=True)


def test_only_assessments_the_learner_may_open_are_listed(client, auth, people):
    start(people, "Kept")
    elsewhere = start(people, "Left organisation", org="org_b", trainer="trainer_b", team=False)
    db.session.add(Membership(user_id=people["learner"].id, organisation_id=people["org_b"].id, role="learner"))
    db.session.commit()
    service.add_member(elsewhere, people["org_b"], people["trainer_b"], people["learner"].id)
    auth.sign_in("lee@a.example")
    assert "Left organisation" in section(client.get("/my-learning").get_data(as_text=True))
    for membership in db.session.scalars(
        select(Membership).where(Membership.user_id == people["learner"].id, Membership.organisation_id
                                 == people["org_b"].id)
    ):
        db.session.delete(membership)  # left the organisation: its pages refuse them (403), so no link
    db.session.commit()
    listed = section(client.get("/my-learning").get_data(as_text=True))
    assert "Left organisation" not in listed and "Kept" in listed
    assert client.get(f"/organisations/org-b/assessments/{elsewhere.id}/").status_code == 403
    people["org_a"].archived_at = utcnow()  # an archived organisation's pages answer 403 too
    db.session.commit()
    assert 'id="assessments"' not in client.get("/my-learning").get_data(as_text=True)


def test_a_removed_member_no_longer_sees_the_link(client, auth, people):
    made = start(people, "Repairs triage")
    service.remove_member(made, people["org_a"], people["trainer"], people["learner"].id)
    auth.sign_in("lee@a.example")
    assert "Repairs triage" not in client.get("/my-learning").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "heading"), [("cy", "Eich hunanasesiadau"), ("sv", "Dina självskattningar")]
)
def test_the_section_speaks_the_learners_language(client, auth, people, language, heading):
    start(people, "Repairs triage")
    people["learner"].locale = language
    db.session.commit()
    auth.sign_in("lee@a.example")
    listed = section(client.get("/my-learning").get_data(as_text=True))
    assert heading in listed and "Repairs triage" in listed and "The team answers" not in listed


def test_ten_assessments_cost_no_statement_more_than_none(app, client, auth, people):
    auth.sign_in("lee@a.example")
    client.get("/my-learning")
    none = count_queries(app, lambda: client.get("/my-learning"))
    for number in range(10):
        start(people, f"System {number}")
    many = count_queries(app, lambda: client.get("/my-learning"))
    assert len(many) == len(none), "\n".join(statement[:100] for statement in many)
    assert section(client.get("/my-learning").get_data(as_text=True)).count("<li") == 10

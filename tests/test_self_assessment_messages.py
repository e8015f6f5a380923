"""The message to a colleague added to a self-assessment's team (issue 21): queued with the add and only
with it, written in the recipient's language with the system, who added them and a link to the
assessment, skipped when it stopped being true, and sent by the real delivery path (an SMTP server)."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Membership, OutboxMessage, SelfAssessment, SelfAssessmentMember
from literacy.notifications import delivery, jobs, kinds, outbox, status, team_messages
from literacy.practice.assessment import service

from .support.mail import mail_config

BASE = "/organisations/org-a/assessments"


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


@pytest.fixture
def people(make_organisation, make_user):
    org_a = make_organisation("org-a", "Cyngor A")
    org_b = make_organisation("org-b", "Organisation B")
    found = {
        "org_a": org_a,
        "trainer": make_user("trainer@a.example", name="Tom Trainer", organisation=org_a, roles=("trainer",)),
        "manager": make_user("manager@a.example", name="Mari Manager", organisation=org_a, roles=("manager",)),
        "welsh": make_user("cymro@a.example", name="Cai Cymro", organisation=org_a),
        "swede": make_user("svensk@a.example", name="Sara Svensk", organisation=org_a),
        "english": make_user("lee@a.example", name="Lee Learner", organisation=org_a),
        "outside": make_user("other@b.example", name="Olwen Other", organisation=org_b),
    }
    found["welsh"].locale = "cy"
    found["swede"].locale = "sv"
    db.session.commit()
    return found


@pytest.fixture
def assessment(people):
    return service.create_assessment(people["org_a"], people["trainer"], "Repairs triage", "Sorts repair requests.")


@pytest.fixture
def held(monkeypatch):
    """The ids each request hands to the task queue, kept instead of sent (to look at the queued rows)."""
    handed: list[int] = []
    monkeypatch.setattr(jobs, "send_messages", handed.extend)
    return handed


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def subject(message) -> str:  # noqa: ANN001
    return str(make_header(decode_header(message["Subject"])))


def add(auth, assessment, user) -> int:  # noqa: ANN001
    return auth.post(f"{BASE}/{assessment.id}/team", {"user_id": str(user.id)}).status_code


def test_adding_a_colleague_queues_one_message_in_their_language_with_the_add(app, client, auth, people,
                                                                               assessment, held):
    assert rows() == []  # starting an assessment tells nobody: its creator knows
    auth.sign_in("trainer@a.example")
    assert add(auth, assessment, people["welsh"]) == 302
    [row] = rows()
    member_id = db.session.scalar(
        select(SelfAssessmentMember.id).where(SelfAssessmentMember.user_id == people["welsh"].id)
    )
    assert (row.kind, row.recipient, row.user_id, row.organisation_id, row.language, row.status) == (
        team_messages.TEAM_ADDED, "cymro@a.example", people["welsh"].id, people["org_a"].id, "cy", "queued",
    )
    assert row.context["member_id"] == member_id and row.secret is None and not row.is_optional
    assert held == [row.id]  # handed to the task queue after the commit
    with app.test_request_context():  # "Messages we have sent you" names it
        assert str(status.KIND_LABELS[row.kind]) == "Added to a self-assessment team"


def test_a_failed_add_queues_nothing(client, auth, people, assessment, held):
    auth.sign_in("trainer@a.example")
    assert add(auth, assessment, people["outside"]) == 400  # not of the organisation
    assert add(auth, assessment, people["trainer"]) == 400  # already in the team (its creator)
    assert rows() == [] and held == []
    assert add(auth, assessment, people["english"]) == 302
    assert add(auth, assessment, people["english"]) == 400  # twice: the second add fails
    assert [row.recipient for row in rows()] == ["lee@a.example"]


def test_nobody_is_told_of_adding_themselves(client, auth, people, assessment, held):
    auth.sign_in("manager@a.example")  # an editor of the organisation, not yet in the team
    assert add(auth, assessment, people["manager"]) == 302
    assert people["manager"].id in {person.id for person in service.team(assessment)}
    assert rows() == []


def test_the_message_names_the_system_and_who_added_them_and_links_to_the_assessment(client, auth, people,
                                                                                      assessment, inbox):
    auth.sign_in("trainer@a.example")
    assert add(auth, assessment, people["english"]) == 302  # the request hands it over: it is sent at once
    [row] = rows()
    assert row.status == "sent" and row.subject == "Tom Trainer added you to the self-assessment of “Repairs triage”"
    [received] = inbox.to("lee@a.example")
    assert subject(received) == row.subject
    assert received["From"].startswith('"Cyngor A via AI literacy"') and received["List-Unsubscribe"] is None
    body = inbox.body(received)
    assert "Tom Trainer added you to the team answering the self-assessment of “Repairs triage” at Cyngor A" in body
    assert "Open the self-assessment" in body and "Repairs triage" in inbox.html(received)
    link = inbox.link(to="lee@a.example", path="/organisations/")
    assert link == f"{BASE}/{assessment.id}/"
    auth.sign_out()
    auth.sign_in("lee@a.example")
    page = client.get(link)
    assert page.status_code == 200 and "Repairs triage" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "address", "words"),
    [
        ("welsh", "cymro@a.example", "Mae Tom Trainer wedi eich ychwanegu at hunanasesiad “Repairs triage”"),
        ("swede", "svensk@a.example", "Tom Trainer har lagt till dig i självskattningen av ”Repairs triage”"),
    ],
)
def test_the_message_is_written_in_the_recipients_language(client, auth, people, assessment, inbox, who, address,
                                                            words):
    auth.sign_in("trainer@a.example")  # an English page: the recipient's chosen language wins
    assert add(auth, assessment, people[who]) == 302
    [received] = inbox.to(address)
    assert subject(received) == words
    assert received["Content-Language"] == people[who].locale
    assert "Open the self-assessment" not in inbox.body(received)


def queue_without_sending(people, assessment, user) -> OutboxMessage:  # noqa: ANN001
    """An add outside a request: the row waits in the outbox until the delivery below."""
    assert service.add_member(assessment, people["org_a"], people["trainer"], user.id) is not None
    return [row for row in rows() if row.user_id == user.id][-1]


def test_a_person_removed_before_the_message_went_is_not_told(app, people, assessment, inbox):
    row = queue_without_sending(people, assessment, people["english"])
    service.remove_member(assessment, people["org_a"], people["trainer"], people["english"].id)
    assert delivery.send_due(ids=[row.id])["skipped"] == 1
    db.session.refresh(row)
    assert row.status == "skipped" and "removed from the team" in row.last_error
    assert inbox.messages == []


def test_removed_and_added_again_only_the_newer_message_goes(app, people, assessment, inbox):
    first = queue_without_sending(people, assessment, people["english"])
    service.remove_member(assessment, people["org_a"], people["trainer"], people["english"].id)
    second = queue_without_sending(people, assessment, people["english"])
    assert first.id != second.id and first.context["added_at"] != second.context["added_at"]
    assert delivery.send_due(ids=[first.id, second.id]) == {
        "sent": 1, "not_sent": 0, "skipped": 1, "retry": 0, "failed": 0
    }
    assert len(inbox.to("lee@a.example")) == 1


def test_a_deleted_assessment_sends_nothing(app, people, assessment, inbox):
    row = queue_without_sending(people, assessment, people["english"])
    db.session.delete(db.session.get(SelfAssessment, assessment.id))
    db.session.commit()
    assert delivery.send_due(ids=[row.id])["skipped"] == 1
    db.session.refresh(row)
    assert row.status == "skipped" and "assessment was deleted" in row.last_error
    assert inbox.messages == []


def test_a_person_who_left_the_organisation_is_not_told(app, people, assessment, inbox):
    row = queue_without_sending(people, assessment, people["english"])
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == people["english"].id)):
        db.session.delete(membership)
    db.session.commit()
    assert delivery.send_due(ids=[row.id])["skipped"] == 1
    db.session.refresh(row)
    assert "no longer a member of the organisation" in row.last_error


def test_a_row_without_its_member_id_is_skipped(app, people, inbox):
    row = outbox.queue(team_messages.TEAM_ADDED, "lee@a.example", user=people["english"], context={})
    db.session.commit()
    assert delivery.send_due(ids=[row.id])["skipped"] == 1
    assert kinds.get(team_messages.TEAM_ADDED).preference is None  # nobody can turn it off: see the module

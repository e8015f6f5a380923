"""Concurrent saves of a self-assessment (issue 21): many team members save the same answer at the same
moment, each from their own browser (own session, own database connection), on SQLite and PostgreSQL.

Exactly one save wins each answer; every other one gets the conflict page (409) with the winner's value,
nothing is overwritten, the history has one change per revision, and answers nobody else touched in the
same forms are all saved.
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import select

from literacy.extensions import db, writing
from literacy.models import SelfAssessmentAnswer, SelfAssessmentChange
from literacy.practice.assessment import service

from .test_races import REQUESTS, all_at_once, signed_in


def _team(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    trainer = make_user("trainer@a.example", name="Tom Trainer", organisation=organisation, roles=("trainer",))
    assessment = service.create_assessment(organisation, trainer, "Repairs triage")
    emails = []
    for number in range(REQUESTS):
        person = make_user(f"member{number}@a.example", name=f"Member {number}", organisation=organisation)
        service.add_member(assessment, organisation, trainer, person.id)
        emails.append(person.email)
    return organisation, assessment, emails


def test_concurrent_saves_of_one_answer_keep_exactly_one_and_save_the_rest(app, make_organisation, make_user):
    organisation, assessment, emails = _team(make_organisation, make_user)
    assessment_id = assessment.id
    browsers = [signed_in(app, email, 1)[0] for email in emails]
    path = f"/organisations/org-a/assessments/{assessment_id}/sections/purpose"
    # everyone opened the form before anyone saved: each form carries revision 0 of every answer
    pages = [client.get(path).get_data(as_text=True) for client, _ in browsers]
    assert all('name="rev-goals" value="0"' in page for page in pages)

    def form(index: int) -> dict[str, str]:
        return {"rev-goals": "0", "q-goals": f"Goal of member {index}", "rev-use": "0", "q-use": "",
                "rev-mandate": "0", "q-mandate": ""} | ({"q-mandate": "clear"} if index == 0 else {})

    outcomes = all_at_once(REQUESTS, lambda index: browsers[index][0].post(
        path, data={**form(index), "csrf_token": browsers[index][1]}).status_code)

    assert sorted(outcomes) == [302] + [409] * (REQUESTS - 1), outcomes
    db.session.expire_all()
    rows = {row.question_id: row for row in db.session.scalars(
        select(SelfAssessmentAnswer).where(SelfAssessmentAnswer.assessment_id == assessment_id))}
    winner = outcomes.index(302)
    assert rows["goals"].value == f"Goal of member {winner}" and rows["goals"].revision == 1
    assert rows["mandate"].value == "clear"  # member 0's other change is saved whether or not they won goals
    changes = db.session.scalars(select(SelfAssessmentChange).where(SelfAssessmentChange.question_id == "goals"))
    assert [(change.revision, change.new_value) for change in changes] == [(1, f"Goal of member {winner}")]


def test_concurrent_updates_of_a_saved_answer_never_overwrite_each_other(app, make_organisation, make_user):
    organisation, assessment, emails = _team(make_organisation, make_user)
    assessment_id = assessment.id
    part = service.questionnaire_of(assessment).section("data")
    service.save_answers(assessment, organisation, service.team(assessment)[0], part, {"harm": (0, "First words.")})
    browsers = [signed_in(app, email, 1)[0] for email in emails]
    path = f"/organisations/org-a/assessments/{assessment_id}/sections/data"
    statuses = all_at_once(REQUESTS, lambda index: browsers[index][0].post(path, data={
        "rev-harm": "1", "q-harm": f"Harm by {index}", "csrf_token": browsers[index][1]}).status_code)
    assert sorted(statuses) == [302] + [409] * (REQUESTS - 1), statuses
    db.session.expire_all()
    row = db.session.scalar(select(SelfAssessmentAnswer).where(
        SelfAssessmentAnswer.assessment_id == assessment_id, SelfAssessmentAnswer.question_id == "harm"))
    assert row.revision == 2 and row.value == f"Harm by {statuses.index(302)}"


def test_the_service_refuses_a_stale_revision_from_two_sessions(app, make_organisation, make_user):
    """Two service calls in two threads (own sessions), both based on revision 1, with no request: one wins."""
    organisation, assessment, _ = _team(make_organisation, make_user)
    assessment_id, organisation_id = assessment.id, organisation.id
    team_ids = [person.id for person in service.team(assessment)]
    part = service.questionnaire_of(assessment).section("results")
    service.save_answers(assessment, organisation, service.team(assessment)[0], part, {"performance": (0, "v1")})
    start = threading.Barrier(2)
    results = []

    def save(index: int) -> None:
        from literacy.models import Organisation, SelfAssessment, User

        with app.app_context(), writing():
            try:
                target = db.session.get(SelfAssessment, assessment_id)
                who = db.session.get(User, team_ids[index])
                place = db.session.get(Organisation, organisation_id)
                db.session.commit()  # each save starts its own transaction, as a request would
                start.wait(timeout=10)
                result = service.save_answers(target, place, who, part, {"performance": (1, f"v2 by {index}")})
                results.append((index, result.saved, list(result.conflicts)))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                results.append((index, repr(error), []))
            finally:
                db.session.remove()

    db.session.remove()
    threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(saved) for _, saved, _ in results) == [0, 1], results
    assert sorted(len(conflicts) for _, _, conflicts in results) == [0, 1], results
    row = db.session.scalar(select(SelfAssessmentAnswer).where(SelfAssessmentAnswer.question_id == "performance"))
    assert row.revision == 2 and re.fullmatch(r"v2 by [01]", row.value)

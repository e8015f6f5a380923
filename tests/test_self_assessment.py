"""The team self-assessment: the questionnaire file and its checks, who may see and answer an assessment,
saving only what changed, conflicts with a colleague's save, history, report, exports, visibility, the ATRS
link and the audit log (issue 21)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from literacy.content.problems import Problems
from literacy.extensions import db
from literacy.models import AuditEvent, SelfAssessmentAnswer, SelfAssessmentChange
from literacy.practice.assessment import questionnaire, service
from literacy.practice.atrs import service as atrs_service

from .conftest import csrf_token

BASE = "/organisations/org-a/assessments"


@pytest.fixture
def people(make_organisation, make_user):
    org_a = make_organisation("org-a", "Organisation A")
    org_b = make_organisation("org-b", "Organisation B")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "learner": make_user("learner@a.example", name="Lee Learner", organisation=org_a),
        "colleague": make_user("colleague@a.example", name="Cai Colleague", organisation=org_a),
        "outsider": make_user("outsider@a.example", name="Olwen Outsider", organisation=org_a),
        "trainer": make_user("trainer@a.example", name="Tom Trainer", organisation=org_a, roles=("trainer",)),
        "manager_b": make_user("manager@b.example", organisation=org_b, roles=("manager",)),
    }


@pytest.fixture
def assessment(people):
    made = service.create_assessment(people["org_a"], people["trainer"], "Repairs triage", "Sorts repair requests.")
    for who in ("learner", "colleague"):
        service.add_member(made, people["org_a"], people["trainer"], people[who].id)
    return made


def section_form(client, assessment_id: int, section_id: str) -> tuple[str, dict[str, str]]:
    """The section page and the hidden revisions it carries."""
    page = client.get(f"{BASE}/{assessment_id}/sections/{section_id}").get_data(as_text=True)
    revisions = dict(re.findall(r'name="(rev-[a-z0-9_]+)" value="(-?\d*)"', page))
    return page, revisions


def stored(assessment_id: int) -> dict[str, SelfAssessmentAnswer]:
    db.session.expire_all()
    rows = db.session.scalars(select(SelfAssessmentAnswer).where(SelfAssessmentAnswer.assessment_id == assessment_id))
    return {row.question_id: row for row in rows}


# --- the questionnaire file ---


def test_the_shipped_questionnaire_has_no_problems_and_three_parts_after_the_trust_model():
    assert questionnaire.check(questionnaire.PACKAGE_ROOT / "courses" / "self-assessment") == []
    form = questionnaire._load(str(questionnaire.PACKAGE_ROOT / "courses" / "self-assessment"), "1", "en")
    assert [part.id for part in form.parts] == ["before", "development", "follow_up"]
    assert [section.id for section in form.parts[0].sections] == ["purpose", "data", "security"]
    assert [section.id for section in form.parts[1].sections] == ["values", "design", "results"]
    assert 25 <= len(form.questions) <= 35
    assert {question.type for question in form.questions} == set(questionnaire.TYPES)
    assert any(choice.risk for question in form.questions for choice in question.choices)


@pytest.mark.parametrize("language", ["cy", "sv"])
def test_the_welsh_and_swedish_questionnaires_translate_every_text_under_the_same_ids(language):
    where = str(questionnaire.PACKAGE_ROOT / "courses" / "self-assessment")
    english, welsh = questionnaire._load(where, "1", "en"), questionnaire._load(where, "1", language)
    assert welsh.title != english.title and [p.title for p in welsh.parts] != [p.title for p in english.parts]
    assert [q.id for q in english.questions] == [q.id for q in welsh.questions]
    for one, other in zip(english.questions, welsh.questions, strict=True):
        assert one.text != other.text, one.id
        assert bool(one.help) == bool(other.help) and (not one.help or one.help != other.help), one.id
        for a, b in zip(one.choices, other.choices, strict=True):
            assert a.text != b.text, (one.id, a.id)
            assert bool(a.risk) == bool(b.risk) and (not a.risk or a.risk != b.risk), (one.id, a.id)
            assert a.modules == b.modules


BROKEN = """\
version: 1
title: Broken
parts:
  - id: before
    title: Before
    sections:
      - id: purpose
        title: Purpose
        questions:
          - id: goals
            type: essay
            text: What for?
          - id: goals
            type: single
            text: Twice
            choices:
              - id: yes
                text: Yes
                modules: [no-such-module]
          - id: colour
            type: text
            text: Colour?
            colour: blue
"""


def test_problems_in_a_questionnaire_file_are_reported_with_their_line(tmp_path):
    problems = Problems("self-assessment")
    assert questionnaire.parse(BROKEN, "v1.yaml", problems, known_modules={"ai-basics"}) is None
    found = [str(problem) for problem in problems.sorted()]
    assert "self-assessment/v1.yaml:11: type \"essay\" must be one of text, long_text, single, multiple" in found
    assert 'self-assessment/v1.yaml:13: question id "goals" is used twice' in found
    assert "self-assessment/v1.yaml:16: a choice question needs at least two choices" in found
    assert 'self-assessment/v1.yaml:19: no module "no-such-module" under courses/' in found
    assert any(line.startswith("self-assessment/v1.yaml:23: unknown setting \"colour\"") for line in found)


GOOD = """\
version: 1
title: Good
parts:
  - id: before
    title: Before
    sections:
      - id: purpose
        title: Purpose
        questions:
          - id: goals
            type: single
            text: What for?
            choices:
              - id: yes
                text: Yes
                modules: [ai-basics]
              - id: no
                text: No
"""


def test_a_translation_names_only_ids_of_the_english_file(tmp_path):
    folder = tmp_path / "courses" / "self-assessment"
    folder.mkdir(parents=True)
    (tmp_path / "courses" / "ai-basics").mkdir()
    (tmp_path / "courses" / "ai-basics" / "module.yaml").write_text("title: x\n")
    (folder / "v1.yaml").write_text(GOOD)
    (folder / "v1.cy.yaml").write_text("parts:\n  - id: before\n    sections:\n      - id: nowhere\n        title: X\n")
    assert [str(problem) for problem in questionnaire.check(folder)] == [
        f'{folder.as_posix()}/v1.cy.yaml:4: no section "nowhere" in the English file'
    ]


# --- access ---


def test_the_team_reads_and_answers_others_see_it_only_once_published(client, auth, people, assessment):
    page = f"{BASE}/{assessment.id}/"
    auth.sign_in("learner@a.example")  # in the team
    assert client.get(page).status_code == 200
    assert client.get(f"{BASE}/{assessment.id}/sections/purpose").status_code == 200
    assert "Repairs triage" in client.get(f"{BASE}/").get_data(as_text=True)
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.get(f"{BASE}/{assessment.id}/team").status_code == 403
    auth.sign_out()
    auth.sign_in("outsider@a.example")  # in the organisation, not the team
    assert client.get(page).status_code == 404
    assert client.get(f"{BASE}/{assessment.id}/report.json").status_code == 404
    assert "Repairs triage" not in client.get(f"{BASE}/").get_data(as_text=True)
    service.set_published(assessment, people["org_a"], people["trainer"], True)
    assert client.get(page).status_code == 200
    assert client.get(f"{BASE}/{assessment.id}/report").status_code == 200
    assert client.get(f"{BASE}/{assessment.id}/sections/purpose").status_code == 403  # reads, does not answer
    auth.sign_out()
    auth.sign_in("manager@b.example")
    assert client.get(page).status_code == 403
    auth.sign_out()
    assert client.get(page).headers["Location"].startswith("/sign-in?next=")


# --- saving and conflicts ---


def test_a_save_writes_only_the_answers_changed_and_keeps_their_history(client, auth, people, assessment):
    auth.sign_in("learner@a.example")
    _, revisions = section_form(client, assessment.id, "purpose")
    response = auth.post(f"{BASE}/{assessment.id}/sections/purpose", {
        **revisions, "q-goals": "Fewer missed repairs.", "q-affected": ["public", "vulnerable"], "q-decisions": "",
    })
    assert response.status_code == 302
    answers = stored(assessment.id)
    assert answers["goals"].value == "Fewer missed repairs." and answers["goals"].revision == 1
    assert answers["affected"].value == "public\nvulnerable"
    assert "decisions" not in answers and "use" not in answers  # left empty: nothing written
    _, revisions = section_form(client, assessment.id, "purpose")
    assert revisions["rev-goals"] == "1"
    auth.post(f"{BASE}/{assessment.id}/sections/purpose", {**revisions, "q-goals": "Fewer missed repairs, sooner.",
                                                           "q-affected": ["public", "vulnerable"]})
    answers = stored(assessment.id)
    assert answers["goals"].revision == 2 and answers["affected"].revision == 1  # unchanged: not written again
    changes = db.session.scalars(select(SelfAssessmentChange).order_by(SelfAssessmentChange.id)).all()
    assert [(c.question_id, c.old_value, c.new_value, c.revision) for c in changes] == [
        ("goals", "", "Fewer missed repairs.", 1),
        ("affected", "", "public\nvulnerable", 1),
        ("goals", "Fewer missed repairs.", "Fewer missed repairs, sooner.", 2),
    ]
    history = client.get(f"{BASE}/{assessment.id}/history").get_data(as_text=True)
    assert "Fewer missed repairs, sooner." in history and "Lee Learner" in history
    assert "Children, or people in a vulnerable situation" in history  # choices by their text


def test_a_concurrent_save_is_never_overwritten_and_the_page_shows_both(app, client, auth, people, assessment):
    auth.sign_in("learner@a.example")
    _, seen = section_form(client, assessment.id, "purpose")  # the learner opens the form
    other = app.test_client()  # a colleague saves the same answer meanwhile
    token = csrf_token(other)
    other.post("/sign-in", data={"email": "colleague@a.example", "password": "correct horse battery",
                                 "csrf_token": token})
    _, theirs = section_form(other, assessment.id, "purpose")
    response = other.post(f"{BASE}/{assessment.id}/sections/purpose",
                          data={**theirs, "q-goals": "Colleague's goal.", "q-use": "Colleague's use.",
                                "csrf_token": csrf_token(other)})
    assert response.status_code == 302

    response = auth.post(f"{BASE}/{assessment.id}/sections/purpose", {
        **seen, "q-goals": "My goal.", "q-use": "", "q-mandate": "clear",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in page and "Someone else saved an answer to" in page
    assert "Colleague&#39;s goal." in page and "Cai Colleague" in page  # their saved value, who
    assert ">My goal.</textarea>" in page  # what this person typed is kept
    answers = stored(assessment.id)
    assert answers["goals"].value == "Colleague's goal."  # not overwritten
    assert answers["use"].value == "Colleague's use."  # this person left it as they saw it (empty): theirs stays
    assert answers["mandate"].value == "clear"  # the change nobody else made is saved
    # saving again from the page that showed the conflict is a deliberate choice: it replaces theirs
    revisions = dict(re.findall(r'name="(rev-[a-z0-9_]+)" value="(-?\d*)"', page))
    assert revisions["rev-goals"] == "1"
    again = auth.post(f"{BASE}/{assessment.id}/sections/purpose", {**revisions, "q-goals": "My goal.",
                                                                 "q-use": "Colleague's use.", "q-mandate": "clear"})
    assert again.status_code == 302
    assert stored(assessment.id)["goals"].value == "My goal."


def test_after_a_conflict_this_person_may_keep_the_colleagues_answer(client, auth, people, assessment):
    auth.sign_in("learner@a.example")
    _, seen = section_form(client, assessment.id, "purpose")
    form = service.questionnaire_of(assessment)
    service.save_answers(assessment, people["org_a"], people["colleague"], form.section("purpose"),
                         {"goals": (0, "Theirs.")})
    page = auth.post(f"{BASE}/{assessment.id}/sections/purpose", {**seen, "q-goals": "Mine."}).get_data(as_text=True)
    assert 'name="keep-goals" value="theirs"' in page and "Which answer do you want to keep?" in page
    revisions = dict(re.findall(r'name="(rev-[a-z0-9_]+)" value="(-?\d*)"', page))
    response = auth.post(f"{BASE}/{assessment.id}/sections/purpose",
                         {**revisions, "q-goals": "Mine.", "keep-goals": "theirs"})
    assert response.status_code == 302
    assert stored(assessment.id)["goals"].value == "Theirs."


def test_the_same_answer_saved_by_two_people_is_no_conflict(client, auth, people, assessment):
    auth.sign_in("learner@a.example")
    _, seen = section_form(client, assessment.id, "data")
    service.save_answers(assessment, people["org_a"], people["colleague"], service.questionnaire_of(assessment)
                         .section("data"), {"dpia": (0, "done")})
    response = auth.post(f"{BASE}/{assessment.id}/sections/data", {**seen, "q-dpia": "done"})
    assert response.status_code == 302


def test_a_problem_saves_nothing_and_keeps_what_was_typed(client, auth, assessment):
    auth.sign_in("learner@a.example")
    _, seen = section_form(client, assessment.id, "purpose")
    response = auth.post(f"{BASE}/{assessment.id}/sections/purpose", {
        **seen, "q-goals": "x" * 20_001, "q-use": "Kept.", "q-decisions": "maybe",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "must be 20000 characters or fewer" in page and "Choose from the answers listed" in page
    assert ">Kept.</textarea>" in page
    assert stored(assessment.id) == {}


# --- report, exports, visibility, ATRS link, audit ---


def answer_some(assessment, people):
    form = service.questionnaire_of(assessment)
    service.save_answers(assessment, people["org_a"], people["learner"], form.section("purpose"),
                         {"goals": (0, "Fewer missed repairs."), "decisions": (0, "decides")})
    service.save_answers(assessment, people["org_a"], people["learner"], form.section("data"),
                         {"bias": (0, "no")})


def test_the_report_shows_answers_unanswered_questions_risks_and_modules(client, auth, people, assessment):
    answer_some(assessment, people)
    auth.sign_in("learner@a.example")
    page = client.get(f"{BASE}/{assessment.id}/report").get_data(as_text=True)
    assert "Sorts repair requests." in page and "Fewer missed repairs." in page
    assert "It decides, or its output is normally followed without review" in page
    assert "Decisions made or effectively made by a system need a lawful basis" in page  # the risk note
    assert "Unchecked data is a common source of unfair treatment" in page
    assert "3 questions not answered:" in page  # purpose: 5 questions, 2 answered
    assert "Questionnaire version" in page and ">1<" in page
    assert page.count('class="assessment-report__part"') == 3
    assert '/modules/managing-bias"' in page or "No module is recommended" in page


def test_the_exports_carry_every_question(client, auth, people, assessment):
    answer_some(assessment, people)
    auth.sign_in("learner@a.example")
    data = json.loads(client.get(f"{BASE}/{assessment.id}/report.json").get_data(as_text=True))
    assert data["questionnaire"]["version"] == "1" and data["system"]["name"] == "Repairs triage"
    purpose = data["parts"][0]["sections"][0]
    assert "use" in purpose["unanswered"] and "goals" not in purpose["unanswered"]
    decisions = next(q for q in purpose["questions"] if q["id"] == "decisions")
    assert decisions["answer"] == "decides" and decisions["risks"] and decisions["changed_by"] == "Lee Learner"
    assert "managing-bias" in data["recommended_modules"]
    response = client.get(f"{BASE}/{assessment.id}/report.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(service.questionnaire_of(assessment).questions)
    assert next(row for row in rows if row["question_id"] == "goals")["answer"] == "Fewer missed repairs."


def test_publishing_is_a_post_by_an_editor(client, auth, people, assessment):
    auth.sign_in("learner@a.example")
    assert auth.post(f"{BASE}/{assessment.id}/visibility", {"is_published": "y"}).status_code == 403
    auth.sign_out()
    auth.sign_in("trainer@a.example")
    assert client.post(f"{BASE}/{assessment.id}/visibility", data={"is_published": "y"}).status_code == 400  # no CSRF
    assert auth.post(f"{BASE}/{assessment.id}/visibility", {"is_published": "y"}).status_code == 302
    db.session.expire_all()
    assert assessment.is_published
    assert auth.post(f"{BASE}/{assessment.id}/visibility", {}).status_code == 302
    db.session.expire_all()
    assert not assessment.is_published


def test_an_atrs_draft_of_the_same_organisation_is_linked_both_ways(client, auth, people, assessment):
    draft = atrs_service.create_record(people["org_a"], people["trainer"], "RepairsBot")
    other = atrs_service.create_record(people["org_b"], people["manager_b"], "Elsewhere")
    auth.sign_in("trainer@a.example")
    page = client.get(f"{BASE}/{assessment.id}/atrs").get_data(as_text=True)
    assert "RepairsBot" in page and "Elsewhere" not in page
    assert auth.post(f"{BASE}/{assessment.id}/atrs", {"record": str(other.id)}).status_code == 400
    assert auth.post(f"{BASE}/{assessment.id}/atrs", {"record": str(draft.id)}).status_code == 302
    assert "RepairsBot" in client.get(f"{BASE}/{assessment.id}/").get_data(as_text=True)
    atrs_page = client.get(f"/organisations/org-a/atrs/{draft.id}/").get_data(as_text=True)
    assert "Linked self-assessments" in atrs_page and "Repairs triage" in atrs_page
    assert not service.link_atrs(assessment, people["org_a"], people["trainer"], other.id)


def test_the_team_page_invites_members_of_the_organisation_only(client, auth, people, assessment):
    auth.sign_in("trainer@a.example")
    page = client.get(f"{BASE}/{assessment.id}/team").get_data(as_text=True)
    assert "Olwen Outsider" in page and "manager@b.example" not in page
    assert auth.post(f"{BASE}/{assessment.id}/team", {"user_id": str(people["manager_b"].id)}).status_code == 400
    assert auth.post(f"{BASE}/{assessment.id}/team", {"user_id": str(people["outsider"].id)}).status_code == 302
    assert people["outsider"].id in {person.id for person in service.team(assessment)}
    response = auth.post(f"{BASE}/{assessment.id}/team", {"user_id": str(people["outsider"].id), "action": "remove"})
    assert response.status_code == 302
    assert people["outsider"].id not in {person.id for person in service.team(assessment)}


def test_assessments_and_atrs_drafts_write_the_audit_log(app, people, assessment):
    answer_some(assessment, people)
    service.set_published(assessment, people["org_a"], people["trainer"], True)
    draft = atrs_service.create_record(people["org_a"], people["trainer"], "RepairsBot")
    service.link_atrs(assessment, people["org_a"], people["trainer"], draft.id)
    atrs_service.save_section(draft, people["trainer"], "summary", {"name": "RepairsBot"})
    atrs_service.set_shared(draft, people["trainer"], True)
    actions = [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [
        "assessment.created", "assessment.team_changed", "assessment.team_changed", "assessment.answers_saved",
        "assessment.answers_saved", "assessment.published", "atrs.created", "assessment.atrs_linked",
        "atrs.section_saved", "atrs.shared",
    ]
    from literacy.audit_log import lines

    with app.test_request_context():
        described = lines(list(db.session.scalars(select(AuditEvent))))
    assert {line.target for line in described} >= {"Repairs triage", "RepairsBot"}
    assert "Self-assessment answers saved" in {line.action for line in described}


def test_an_editor_changes_the_name_and_description(client, auth, people, assessment):
    auth.sign_in("learner@a.example")
    assert client.get(f"{BASE}/{assessment.id}/details").status_code == 403
    auth.sign_out()
    auth.sign_in("trainer@a.example")
    page = client.get(f"{BASE}/{assessment.id}/details").get_data(as_text=True)
    assert 'value="Repairs triage"' in page and "Sorts repair requests." in page
    response = auth.post(f"{BASE}/{assessment.id}/details", {"system_name": "", "description": "Kept text."})
    assert response.status_code == 400 and "Kept text." in response.get_data(as_text=True)
    response = auth.post(f"{BASE}/{assessment.id}/details", {"system_name": "Repairs triage v2", "description": "New."})
    assert response.status_code == 302
    db.session.expire_all()
    assert (assessment.system_name, assessment.description) == ("Repairs triage v2", "New.")
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "assessment.details_changed"


def test_the_courses_check_command_checks_the_questionnaire(runner, tmp_path):
    root = tmp_path / "courses"
    (root / "self-assessment").mkdir(parents=True)
    (root / "self-assessment" / "v1.yaml").write_text(BROKEN, encoding="utf-8")
    failed = runner.invoke(args=["courses", "check", str(root)])
    assert failed.exit_code == 1
    assert f'{(root / "self-assessment").as_posix()}/v1.yaml:13: question id "goals" is used twice' in failed.output
    shipped = runner.invoke(args=["courses", "check", str(questionnaire.PACKAGE_ROOT / "courses")])
    assert "1 self-assessment questionnaire version(s) checked, 0 problems" in shipped.output

"""My learning: modules in progress with a continue link to where the learner stopped, completed modules
with scores and certificates, cohort assignments with due dates; and the summary on the home page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from literacy import summaries
from literacy.cohorts import membership
from literacy.extensions import db
from literacy.i18n import today as site_today
from literacy.learning import my_learning as my_learning_service
from literacy.models import Cohort, CohortAssignment, Module, User, utcnow
from literacy.publishing import sync_courses

from .quiz_support import RIGHT, complete_lessons, start, take, text_of, write_quiz_module
from .support.modules import write_module
from .test_learning import count_queries

TODAY = date(2026, 11, 23)


@pytest.fixture
def courses(tmp_path, app):
    root = tmp_path / "courses"
    root.mkdir()
    write_quiz_module(root, "quiz-module")
    write_module(root, "reading", questions=0, lessons=3, title="Reading module")
    sync_courses(root)
    return root


@pytest.fixture
def learner(make_user, auth, courses, make_organisation):
    organisation = make_organisation("council")
    user = make_user("learner@example.org", name="Lee Learner", organisation=organisation)
    auth.sign_in("learner@example.org")
    return user


def assign(user: User, slug: str, due_on: date | None, *, cohort: str = "Autumn", removed: bool = False) -> None:
    organisation_id = user.memberships[0].organisation_id
    group = db.session.scalar(select(Cohort).where(Cohort.name == cohort))
    if group is None:
        group = Cohort(organisation_id=organisation_id, name=cohort)
        db.session.add(group)
        db.session.flush()
        membership.join(group.id, [user.id])
        if removed:
            membership.leave(group.id, user.id)
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    db.session.add(CohortAssignment(cohort_id=group.id, module_id=module.id, due_on=due_on))
    summaries.module_assigned(group.id, module.id)
    db.session.commit()


def test_my_learning_needs_an_account(client, courses):
    response = client.get("/my-learning")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_the_header_links_to_my_learning(client, learner):
    assert 'href="/my-learning"' in client.get("/").get_data(as_text=True)


def test_nothing_started_yet(client, learner):
    page = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "You have no modules in progress." in page and "You have not completed a module yet." in page


def test_a_module_in_progress_continues_where_the_learner_stopped(client, auth, learner):
    auth.post("/modules/reading/lesson-1/complete")
    client.get("/modules/reading/lesson-2")  # opened, not finished
    page = client.get("/my-learning").get_data(as_text=True)
    assert "1 of 3 lessons completed" in text_of(page)
    assert '<a href="/modules/reading/lesson-2">Continue with Lesson 2 title</a>' in page


def test_an_unfinished_attempt_continues_at_the_next_question(client, auth, learner):
    complete_lessons(auth, "quiz-module")
    _, attempt = start(auth, "quiz-module")
    from .quiz_support import answer_all

    answer_all(auth, "quiz-module", attempt, {"pick-one": "b", "pick-many": ["a"]})
    page = client.get("/my-learning").get_data(as_text=True)
    assert f'href="/modules/quiz-module/quiz/{attempt.id}/questions/3"' in page
    assert "Continue the assessment at question 3" in page
    answer_all(auth, "quiz-module", attempt, RIGHT)
    page = client.get("/my-learning").get_data(as_text=True)
    assert f'href="/modules/quiz-module/quiz/{attempt.id}/check"' in page


def test_lessons_done_and_the_assessment_still_to_take(client, auth, learner):
    complete_lessons(auth, "quiz-module")
    page = client.get("/my-learning").get_data(as_text=True)
    assert '<a href="/modules/quiz-module/quiz">Take the assessment</a>' in page


def test_completed_modules_show_the_date_edition_score_and_certificate(client, auth, learner):
    complete_lessons(auth, "quiz-module")
    take(auth, "quiz-module", RIGHT)
    complete_lessons(auth, "reading", 3)
    page = client.get("/my-learning").get_data(as_text=True)
    text = text_of(page)
    assert "Quiz module quiz-module" in text and "100%" in text and "Reading module" in text
    assert page.count('href="/my-learning/certificates/') == 2
    assert "You have no modules in progress." in text
    assert utcnow().strftime("%Y") in text  # the completion date, written out


def test_a_new_edition_shows_refresh_due(courses, client, auth, learner):
    complete_lessons(auth, "reading", 3)
    yaml = courses / "reading" / "module.yaml"
    yaml.write_text(yaml.read_text().replace("edition: 1", "edition: 2"))
    sync_courses(courses)
    text = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "Refresh due" in text and "You have no modules in progress." in text


def test_assignments_show_due_dates_and_overdue_tags(client, auth, learner, app):
    user = db.session.get(User, learner.id)
    today = site_today()
    assign(user, "quiz-module", today - timedelta(days=3))
    assign(user, "reading", today + timedelta(days=20))
    assign(user, "reading", today - timedelta(days=1), cohort="Old cohort", removed=True)  # left that cohort
    page = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "Assigned to you" in page and "Autumn" in page
    assert "Overdue" in page and "Old cohort" not in page
    due = today + timedelta(days=20)
    assert f"Due {due.day} {due.strftime('%B')} {due.year}" in page
    complete_lessons(auth, "reading", 3)
    page = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "Completed" in page and page.count("Overdue") == 1


def test_the_service_marks_overdue_against_the_given_day(app, learner):
    user = db.session.get(User, learner.id)
    assign(user, "reading", TODAY)
    learning = my_learning_service.my_learning(user, "en", TODAY)
    assert [a.overdue for a in learning.assignments] == [False]
    learning = my_learning_service.my_learning(user, "en", TODAY + timedelta(days=1))
    assert [a.overdue for a in learning.assignments] == [True] and learning.overdue == 1


def test_my_learning_runs_a_constant_number_of_queries(app, courses, client, auth, learner):
    complete_lessons(auth, "quiz-module", 1)
    complete_lessons(auth, "reading", 3)
    client.get("/my-learning")
    few = count_queries(app, lambda: client.get("/my-learning"))
    for number in range(5):
        write_module(courses, f"extra-{number}", lessons=2)
    sync_courses(courses)
    user = db.session.get(User, learner.id)
    for number in range(5):
        auth.post(f"/modules/extra-{number}/lesson-1/complete")
        assign(user, f"extra-{number}", date(2026, 12, 1 + number))
    complete_lessons(auth, "extra-0", 2)
    # the five new versions are read once in this process, in one query for all of them (version_cache)
    first = count_queries(app, lambda: client.get("/my-learning"))
    many = count_queries(app, lambda: client.get("/my-learning"))
    assert len(first) == len(many) + 1, "\n".join(s[:100] for s in first)
    assert sum("module_version.id IN" in s for s in first) == 1, "\n".join(s[:100] for s in first)
    assert len(few) == len(many) <= 16, "\n".join(s[:100] for s in many)
    assert len(count_queries(app, lambda: client.get("/"))) <= len(many) + 2


def test_the_home_page_summarises_the_learners_learning(client, auth, learner):
    page = text_of(client.get("/").get_data(as_text=True))
    assert "will be shown here" not in page and "Who it is for" not in page
    assert "Nothing is assigned to you and you have no modules in progress." in page
    assert "Find a module to start" in page and "Modules you have completed: 0." in page
    auth.post("/modules/reading/lesson-1/complete")
    user = db.session.get(User, learner.id)
    assign(user, "quiz-module", site_today() - timedelta(days=1))
    html = client.get("/").get_data(as_text=True)
    page = text_of(html)
    assert "Find a module to start" not in page  # there is assigned work to do
    assert "You have completed 0 of the 1 module assigned to you." in page
    # the overdue assignment is the button, ahead of the module in progress
    assert '<a class="button" href="/modules/quiz-module">Start<span class="visually-hidden">' in html
    assert page.index("Quiz module quiz-module") < page.index("Reading module")
    assert 'href="/modules/reading/lesson-2">Continue with Lesson 2 title</a>' in html
    assert 'href="/my-learning"' in html


def test_anonymous_visitors_see_no_learning_summary(client, courses):
    page = client.get("/").get_data(as_text=True)
    assert "Your learning" not in page and "Sign in" in page and "Who it is for" in page


def test_opening_only_the_last_lesson_is_not_progress(client, auth, learner):
    """Issue 18: a module merely opened is not "In progress", "Continue" would go to its first lesson, and it
    does not go ahead of assigned work on the home page."""
    client.get("/modules/reading/lesson-3")
    html = client.get("/my-learning").get_data(as_text=True)
    page = text_of(html)
    assert "You have no modules in progress." in page and "Continue with" not in page
    assert "Opened, not started" in page
    assert '<a href="/modules/reading">Start<span class="visually-hidden"> – <span lang="en">Reading module' in html
    learning = my_learning_service.my_learning(db.session.get(User, learner.id), "en", site_today())
    assert learning.in_progress == [] and [item.module.slug for item in learning.opened] == ["reading"]
    user = db.session.get(User, learner.id)
    assign(user, "quiz-module", site_today() + timedelta(days=10))
    home = client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/modules/quiz-module">Start' in home  # the assigned, due module first
    assert text_of(home).index("Quiz module quiz-module") < text_of(home).index("Reading module")


def test_continue_goes_to_the_first_unfinished_lesson_in_order(client, auth, learner):
    auth.post("/modules/reading/lesson-1/complete")
    client.get("/modules/reading/lesson-3")  # the last one opened, lesson 2 skipped
    html = client.get("/my-learning").get_data(as_text=True)
    assert '<a href="/modules/reading/lesson-2">Continue with Lesson 2 title</a>' in html
    assert "Lesson 3 title" not in text_of(html)
    module = client.get("/modules/reading").get_data(as_text=True)
    assert 'href="/modules/reading/lesson-2">Continue</a>' in module


def test_each_assignment_has_its_next_step(courses, client, auth, learner):
    user = db.session.get(User, learner.id)
    for slug in ("extra-start", "extra-done"):
        write_module(courses, slug, lessons=1, questions=0, title=slug.title())
    sync_courses(courses)
    for slug, days in (("quiz-module", 5), ("reading", 10), ("extra-start", 15), ("extra-done", 20)):
        assign(user, slug, site_today() + timedelta(days=days))
    auth.post("/modules/reading/lesson-1/complete")
    complete_lessons(auth, "extra-done", 1)
    html = client.get("/my-learning").get_data(as_text=True)
    rows = {slug: html[html.index(f'<a href="/modules/{slug}" lang="en">'):] for slug in ("quiz-module", "reading")}
    start = rows["quiz-module"][: rows["quiz-module"].index("</tr>")]
    assert '<a href="/modules/quiz-module">Start<span class="visually-hidden"> – ' in start
    go_on = rows["reading"][: rows["reading"].index("</tr>")]
    assert '<a href="/modules/reading/lesson-2">Continue with Lesson 2 title</a>' in go_on
    done = html[html.index('<a href="/modules/extra-done" lang="en">'):]
    assert "Nothing to do" in done[: done.index("</tr>")]
    learning = my_learning_service.my_learning(user, "en", site_today())
    steps = {item.module.slug: (item.resume.kind if item.resume else None) for item in learning.assignments}
    assert steps == {"quiz-module": "module", "reading": "lesson", "extra-start": "module", "extra-done": None}


def test_an_assignment_due_for_renewal_says_renew(courses, client, auth, learner):
    user = db.session.get(User, learner.id)
    assign(user, "reading", site_today() + timedelta(days=5))
    complete_lessons(auth, "reading", 3)
    yaml = courses / "reading" / "module.yaml"
    yaml.write_text(yaml.read_text().replace("edition: 1", "edition: 2"))
    sync_courses(courses)
    html = client.get("/my-learning").get_data(as_text=True)
    assert '<a href="/modules/reading">Renew<span class="visually-hidden">' in html
    assert '<a class="button" href="/modules/reading">Renew' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("moment", "overdue"),
    [
        (datetime(2030, 6, 30, 11, 30, tzinfo=UTC), False),  # 23:30 on 30 June in Auckland: due today
        (datetime(2030, 6, 30, 12, 30, tzinfo=UTC), True),  # 00:30 on 1 July in Auckland, still 30 June in UTC
    ],
)
def test_overdue_means_the_same_on_my_learning_and_the_managers_dashboard_near_midnight(
    client, auth, learner, app, make_user, monkeypatch, moment, overdue
):
    """The site's day, not the server's: in a time zone ahead of UTC both pages turn at local midnight."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Pacific/Auckland"
    monkeypatch.setattr("literacy.i18n.utcnow", lambda: moment)
    user = db.session.get(User, learner.id)
    assign(user, "reading", date(2030, 6, 30))
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Autumn"))
    organisation = user.memberships[0].organisation
    make_user("manager@example.org", organisation=organisation, roles=("manager",))
    assert site_today() == (date(2030, 7, 1) if overdue else date(2030, 6, 30))

    mine = text_of(client.get("/my-learning").get_data(as_text=True))
    assert ("Overdue" in mine) is overdue
    auth.sign_out()
    auth.sign_in("manager@example.org")
    page = client.get(f"/organisations/{organisation.slug}/cohorts/{cohort.id}/dashboard")
    assert page.status_code == 200
    headline = text_of(page.get_data(as_text=True))
    assert (f"{int(overdue)} is overdue" if overdue else "0 are overdue") in headline



def test_my_learning_is_the_same_for_a_person_in_several_organisations(app, courses, client, learner,
                                                                          make_organisation):
    """The modules and assignments come with the person's session, one row per membership each
    (``auth.sessions.read_with_person``): each shows once, as the page's own statement finds them."""
    from literacy.models import Membership

    write_module(courses, "reading", lessons=2, title="Reading module")
    write_module(courses, "extra", lessons=2, title="Extra module")
    sync_courses(courses)
    user = db.session.get(User, learner.id)
    assign(user, "reading", TODAY + timedelta(days=3))
    assign(user, "extra", TODAY + timedelta(days=5), cohort="Winter")

    def main_part() -> str:
        page = client.get("/my-learning").get_data(as_text=True)
        return text_of(page[page.index("<main"):page.index("</main>")])

    main_part()  # the sign-in's message shown once
    one = main_part()
    assert one.count("Extra module") >= 1 and one.count("Reading module") >= 1
    for slug in ("second", "third"):
        db.session.add(Membership(user_id=user.id, organisation_id=make_organisation(slug).id, role="learner"))
    db.session.commit()
    assert main_part() == one
    outside = my_learning_service.my_learning(user, "en", site_today())  # no request: the page's own statement
    assert sorted(item.title for item in outside.assignments) == ["Extra module", "Reading module"]
    assert text_of(client.get("/").get_data(as_text=True)).count("Reading module") >= 1

"""Question statistics for trainers: attempts, facility, discrimination and option shares, set-based; and the
same figures on the cohort dashboard."""

from __future__ import annotations

import statistics as pystats
from datetime import date

import pytest
from sqlalchemy import event, select

from literacy import summaries
from literacy.authoring.statistics import question_statistics
from literacy.authoring.versions import publish_draft
from literacy.cohorts.dashboards import cohort_dashboard
from literacy.extensions import db
from literacy.models import Module, QuizAttempt, Response, utcnow

from .authoring_support import make_draft
from .cohorts_support import make_cohort, make_people


def publish_module(organisation, trainer) -> Module:
    draft = make_draft(organisation, trainer)
    outcome = publish_draft(draft, trainer)
    db.session.commit()
    return outcome.module


def add_attempts(module: Module, make_user, answers: list[tuple[str, str]], *, submitted: bool = True) -> None:
    """One attempt per (colour option, year typed); marks as the quiz engine would record them."""
    for number, (colour, year) in enumerate(answers):
        user = make_user(f"learner{number}-{len(answers)}-{submitted}@example.org")
        attempt = QuizAttempt(user_id=user.id, module_id=module.id, version_id=module.current_version_id,
                              purpose="assessment", language="en", submitted_at=utcnow() if submitted else None)
        db.session.add(attempt)
        db.session.flush()
        db.session.add_all([
            Response(attempt_id=attempt.id, question_key="colour", answer=colour, is_correct=colour == "a"),
            Response(attempt_id=attempt.id, question_key="year", answer=year, is_correct=year == "1822"),
        ])
    db.session.commit()


ANSWERS = [("a", "1822"), ("a", "1822"), ("a", "1900"), ("b", "1900"), ("b", "1822"), ("a", "1822")]


def reference(answers, key_index):
    """Point-biserial correlation of one question with the rest of the score, computed plainly."""
    marks = [[colour == "a", year == "1822"] for colour, year in answers]
    item = [float(m[key_index]) for m in marks]
    rest = [float(sum(m) - m[key_index]) for m in marks]
    return pystats.correlation(item, rest)


def test_statistics_per_question(app, make_organisation, make_user):
    organisation = make_organisation("org-a")
    trainer = make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    module = publish_module(organisation, trainer)
    add_attempts(module, make_user, ANSWERS)
    add_attempts(module, make_user, [("b", "1")], submitted=False)  # unfinished attempts do not count
    stats = {item.key: item for item in question_statistics(module)}
    colour, year = stats["colour"], stats["year"]
    assert colour.stats.answers == year.stats.answers == len(ANSWERS)
    assert colour.stats.facility == pytest.approx(4 / 6)
    assert year.stats.facility == pytest.approx(4 / 6)
    assert colour.stats.discrimination == pytest.approx(reference(ANSWERS, 0))
    assert year.stats.discrimination == pytest.approx(reference(ANSWERS, 1))
    shares = {option.key: (option.count, option.share, option.is_correct) for option in colour.options}
    assert shares == {"a": (4, pytest.approx(4 / 6), True), "b": (2, pytest.approx(2 / 6), False)}
    assert year.options == ()


def test_statistics_use_a_constant_number_of_queries(app, make_organisation, make_user):
    organisation = make_organisation("org-a")
    trainer = make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    module = publish_module(organisation, trainer)

    def count_queries() -> int:
        db.session.expire_all()
        fresh = db.session.scalar(select(Module).where(Module.id == module.id))
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            question_statistics(fresh)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    add_attempts(module, make_user, ANSWERS[:2])
    few = count_queries()
    add_attempts(module, make_user, ANSWERS * 5)
    assert count_queries() == few <= 5


def test_statistics_page(client, auth, make_organisation, make_user):
    organisation = make_organisation("org-a")
    trainer = make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    module = publish_module(organisation, trainer)
    add_attempts(module, make_user, ANSWERS)
    auth.sign_in("trainer@example.org")
    page = client.get("/author/org-a/modules/my-module/statistics").get_data(as_text=True)
    assert "Question 1" in page and "Which colour is between orange and green?" in page  # its text, not its ID
    assert "66.7%" in page and "Yellow" in page
    # the figures in plain words, the technical terms as hints; answers captioned by number, not by id
    assert "Share who got it right" in page and "(facility)" in page
    assert "Does it separate stronger and weaker learners?" in page and "(discrimination)" in page
    assert "Answers chosen for question 1" in page and "question colour" not in page
    auth.sign_out()
    other = make_organisation("org-b")
    make_user("other@example.org", organisation=other, roles=("trainer",))
    auth.sign_in("other@example.org")
    assert client.get("/author/org-a/modules/my-module/statistics").status_code == 403
    assert client.get("/author/org-b/modules/my-module/statistics").status_code == 404


def test_the_trainers_and_the_cohort_dashboard_show_the_same_figures(client, auth, make_organisation, make_user):
    """The same answers give the same ItemStatistics on both pages, each page showing it in its own format."""
    organisation = make_organisation("org-a")
    trainer = make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    make_user("manager@example.org", organisation=organisation, roles=("manager",))
    module = publish_module(organisation, trainer)
    people = make_people(organisation, len(ANSWERS))
    cohort = make_cohort(organisation, "Autumn", people, [(module, None)])
    for person, (colour, year) in zip(people, ANSWERS, strict=True):
        answer(person, module, {"colour": (colour, colour == "a"), "year": (year, year == "1822")})

    trainers = {item.key: item.stats for item in question_statistics(module)}
    dashboard = cohort_dashboard(cohort, date(2026, 11, 23))
    managers = {item.key: item.stats for item in dashboard.questions[module.id]}
    assert trainers == managers
    assert trainers["colour"].facility == pytest.approx(4 / 6)
    assert trainers["colour"].discrimination == pytest.approx(reference(ANSWERS, 0))

    auth.sign_in("trainer@example.org")
    page = client.get("/author/org-a/modules/my-module/statistics").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("manager@example.org")
    shown = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    for stats in trainers.values():
        share = f"{round(100 * stats.facility, 1)}%"
        assert share in page and f"({stats.discrimination:.2f})" in page
        assert f"Share who got it right: {share}." in shown and f"({stats.discrimination:.2f})" in shown


def answer(person, module: Module, marks: dict[str, tuple[str, bool]]) -> None:
    """A submitted attempt, counted in the cohort's answer tally as the quiz engine counts it."""
    score = sum(right for _answer, right in marks.values())
    attempt = QuizAttempt(user_id=person.id, module_id=module.id, version_id=module.current_version_id,
                          purpose="assessment", language="en", submitted_at=utcnow(), score=score,
                          max_score=len(marks), percent=round(100 * score / len(marks)), passed=score == len(marks))
    db.session.add(attempt)
    db.session.flush()
    db.session.add_all(
        Response(attempt_id=attempt.id, question_key=key, answer=given, is_correct=right)
        for key, (given, right) in marks.items()
    )
    summaries.refresh_learner(person.id, module.id)
    summaries.tally_answers(1, attempts=[attempt.id])
    db.session.commit()

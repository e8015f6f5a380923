"""Question statistics for trainers: attempts, facility, discrimination and option shares, set-based."""

from __future__ import annotations

import statistics as pystats

import pytest
from sqlalchemy import event, select

from literacy.authoring.statistics import question_statistics
from literacy.authoring.versions import publish_draft
from literacy.extensions import db
from literacy.models import Module, QuizAttempt, Response, utcnow

from .authoring_support import make_draft


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
    assert "Question colour" in page and "67%" in page and "Yellow" in page
    auth.sign_out()
    other = make_organisation("org-b")
    make_user("other@example.org", organisation=other, roles=("trainer",))
    auth.sign_in("other@example.org")
    assert client.get("/author/org-a/modules/my-module/statistics").status_code == 403
    assert client.get("/author/org-b/modules/my-module/statistics").status_code == 404

"""One learner walked through a programme's year, as people see it: assigned, reminded, overdue,
completed, told before the certificate expires, expired with a renewal due, reminded, renewed.

Mail is received by a real SMTP server and the operator's command (``flask notifications run --now``)
moves the reminders' clock; the learner's own past is moved back (every stored time of theirs) so the
pages, which run on the real "now", see the certificate age. Nothing is ever sent twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from literacy import validity
from literacy.extensions import db
from literacy.i18n import today
from literacy.models import Certificate, CohortAssignment, CohortMember, Module, ModuleCompletion, OutboxMessage
from literacy.publishing import sync_courses

from .cohorts_support import make_cohort
from .conftest import Auth
from .quiz_support import RIGHT, complete_lessons, take, text_of, write_quiz_module
from .support.mail import mail_config
from .test_renewal_completion import age, with_valid_for


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


def run(runner, day) -> str:
    """The operator's command at 09:00 UTC on ``day``."""
    moment = datetime.combine(day, time(9), tzinfo=UTC).isoformat()
    result = runner.invoke(args=["notifications", "run", "--now", moment])
    assert result.exit_code == 0, result.output
    return result.output


def long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


def subjects(inbox, address: str) -> list[str]:
    return [message["Subject"] for message in inbox.to(address)]


def test_a_learners_year_from_assigned_to_renewed(app, client, auth, runner, inbox, courses, make_organisation,
                                                 make_user):
    with_valid_for(write_quiz_module(courses, "yearly", precheck=False), "12 months")
    sync_courses(courses)
    organisation = make_organisation("vale", "Vale Council")
    learner = make_user("lowri@vale.example", name="Lowri Learner", organisation=organisation)
    make_user("megan@vale.example", name="Megan Manager", organisation=organisation, roles=("manager",))
    module = db.session.scalar(select(Module).where(Module.slug == "yearly"))
    now = today()
    due = now + timedelta(days=20)
    cohort = make_cohort(organisation, "Everyone", members=[learner], modules=[(module, due)])
    long_ago = datetime.now(UTC) - timedelta(days=500)  # the programme began long before the learner's year
    db.session.execute(update(CohortAssignment).values(assigned_at=long_ago))
    db.session.execute(update(CohortMember).values(added_at=long_ago))
    db.session.commit()
    title = "Quiz module yearly"
    manager = app.test_client()
    Auth(manager).sign_in("megan@vale.example")

    # Assigned, then reminded a week and a day before the due date, then overdue.
    run(runner, due - timedelta(days=8))
    assert subjects(inbox, learner.email) == []
    run(runner, due - timedelta(days=7))
    run(runner, due - timedelta(days=7))  # the same moment again sends nothing twice
    run(runner, due - timedelta(days=1))
    run(runner, due + timedelta(days=1))
    assert subjects(inbox, learner.email) == [
        f"Reminder: {title} is due on {long_date(due)}",
        f"Reminder: {title} is due on {long_date(due)}",
        f"Overdue: {title} was due on {long_date(due)}",
    ]
    reminder = inbox.to(learner.email)[0]
    assert "Vale Council" in inbox.body(reminder) and "Vale Council" in inbox.html(reminder)
    assert reminder["List-Unsubscribe"]  # optional: one click turns these off

    # Completed through the pages (lessons, then the assessment): no more overdue reminders.
    auth.sign_in(learner.email)
    complete_lessons(auth, "yearly")
    take(auth, "yearly", RIGHT)
    run(runner, due + timedelta(days=8))
    assert len(subjects(inbox, learner.email)) == 3
    first = db.session.scalar(select(Certificate))
    completed = db.session.get(ModuleCompletion, first.completion_id).completed_at
    assert first.valid_until == validity.add(completed, "P12M")
    assert "Valid until" in text_of(client.get(f"/certificates/{first.code}").get_data(as_text=True))

    # Told ten days before it expires, once.
    run(runner, first.valid_until.date() - timedelta(days=10))
    run(runner, first.valid_until.date() - timedelta(days=9))
    assert subjects(inbox, learner.email)[3:] == [
        f"Your certificate for {title} expires on {long_date(first.valid_until.date())}"
    ]

    # The learner's year goes by (their past moved back 355 days): My learning says it expires soon.
    age(learner.id, 355)
    assert "Expires" in text_of(client.get("/my-learning").get_data(as_text=True))

    # A month later it expired 20 days ago: renewal is due within the cohort's 30 days to renew.
    age(learner.id, 30)
    db.session.refresh(first)
    expired_on = first.valid_until.date()
    renew_by = expired_on + timedelta(days=cohort.renewal_days)
    mine = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "Renewal due" in mine and f"Renew by {long_date(renew_by)}" in mine
    check = text_of(client.get(f"/certificates/{first.code}").get_data(as_text=True))
    assert f"Expired on {long_date(expired_on)}" in check
    expired_view = text_of(manager.get(f"/organisations/vale/cohorts/{cohort.id}/dashboard").get_data(as_text=True))
    assert "0 have a valid completion of every module" in expired_view and "1 needs to renew" in expired_view
    run(runner, renew_by - timedelta(days=7))
    assert subjects(inbox, learner.email)[4:] == [
        f"Reminder: renew your certificate for {title} by {long_date(renew_by)}"
    ]

    # Renewed by passing the assessment again: a second certificate; the first stays, expired.
    take(auth, "yearly", RIGHT)
    completions = list(db.session.scalars(select(ModuleCompletion).order_by(ModuleCompletion.id)))
    assert [(c.edition, c.renewal) for c in completions] == [(1, 0), (1, 1)]
    second = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()[1]
    assert "Valid until" in text_of(client.get(f"/certificates/{second.code}").get_data(as_text=True))
    assert "Expired on" in text_of(client.get(f"/certificates/{first.code}").get_data(as_text=True))
    assert "Renewal due" not in text_of(client.get("/my-learning").get_data(as_text=True))
    renewed_view = text_of(manager.get(f"/organisations/vale/cohorts/{cohort.id}/dashboard").get_data(as_text=True))
    assert "1 has a valid completion of every module" in renewed_view and "0 need to renew" in renewed_view

    # Nothing more: no renewal reminder, no overdue renewal, whatever the day.
    for day in (renew_by - timedelta(days=1), renew_by + timedelta(days=1), renew_by + timedelta(days=8)):
        run(runner, day)
    assert len(subjects(inbox, learner.email)) == 5
    sent = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.user_id == learner.id, OutboxMessage.status == "sent")
    ).all()
    assert sorted(sent) == ["due_reminder", "due_reminder", "due_reminder", "expiry_reminder", "overdue_reminder"]


"""Reminders and digests: each kind queued exactly when it is due (the clock walked with a fixed "now"),
once per event whatever the number of runs or consumers, never to people who opted out, were switched
off or left the cohort; written at send time (skipped when no longer needed) and received by a real SMTP
server in the recipient's language."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import event, func, select

from literacy import summaries
from literacy.cohorts import membership
from literacy.extensions import db
from literacy.models import (
    Certificate,
    CohortAssignment,
    Membership,
    ModuleCompletion,
    ModuleVersion,
    Organisation,
    OutboxMessage,
    User,
)
from literacy.notifications import jobs, reminders

from .cohorts_support import make_cohort, make_module, make_people
from .support.mail import mail_config

DUE = date(2027, 3, 15)  # a Monday
NOTHING = {"due_reminder": 0, "overdue_reminder": 0, "expiry_reminder": 0, "manager_digest": 0}


@pytest.fixture
def app_config(inbox):
    return {**mail_config(inbox), "SITE_URL": "http://localhost"}


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def on(month: int, day: int) -> datetime:
    return at(date(2027, month, day))


def unsubscribe(message) -> str:
    """The List-Unsubscribe header as the mail program reads it."""
    return str(make_header(decode_header(message["List-Unsubscribe"])))


def keys(kind: str | None = None) -> list[str]:
    statement = select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)
    if kind:
        statement = statement.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(statement))


def queued(now: datetime, **expected: int) -> None:
    assert reminders.queue_due(now) == {**NOTHING, **expected}


class World:
    def __init__(self, organisation, cohort, module, people):
        self.organisation = organisation
        self.cohort = cohort
        self.module = module
        self.people = people

    @property
    def assignment(self) -> CohortAssignment:
        return db.session.scalar(select(CohortAssignment).where(CohortAssignment.cohort_id == self.cohort.id))


@pytest.fixture
def world(app, make_organisation):
    """Organisation A's cohort of three learners (Ann in English, Bryn in Welsh, Cai with no language
    chosen), a module with an English and a Welsh title assigned with a due date of 15 March 2027."""
    organisation = make_organisation("org-a", "Organisation A")
    people = make_people(organisation, 3)
    for person, name, locale in zip(people, ("Ann Jones", "Bryn Evans", "Cai Lewis"), ("en", "cy", None), strict=True):
        person.name, person.locale = name, locale
    module = make_module("using-ai", organisation=organisation)
    version = db.session.get(ModuleVersion, module.current_version_id)
    version.languages = ["en", "cy"]
    version.texts = {"en": {"title": "Using AI safely"}, "cy": {"title": "Defnyddio DA yn ddiogel"}}
    db.session.commit()
    cohort = make_cohort(organisation, "Spring cohort", people, [(module, DUE)])
    return World(organisation, cohort, module, people)


def certify(user: User, module, *, completed: datetime, valid_until: datetime | None) -> Certificate:
    """A completion of the module with its certificate (valid until ``valid_until``), summaries kept."""
    renewal = db.session.scalar(
        select(func.count()).where(ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id)
    )
    completion = ModuleCompletion(
        user_id=user.id,
        module_id=module.id,
        version_id=module.current_version_id,
        edition=1,
        language="en",
        completed_at=completed,
        percent=100,
        renewal=renewal,
    )
    db.session.add(completion)
    db.session.flush()
    certificate = Certificate(
        code=secrets.token_hex(8), completion_id=completion.id, issued_at=completed, valid_until=valid_until
    )
    db.session.add(certificate)
    summaries.refresh_learner(user.id, module.id)
    db.session.commit()
    return certificate


def leave(world: World, user: User) -> None:
    membership.leave(world.cohort.id, user.id, on(3, 1))
    db.session.commit()


# --- due and overdue ---------------------------------------------------------------------------------


def test_due_and_overdue_reminders_are_queued_exactly_when_due(world):
    ann, bryn, cai = world.people
    a = world.assignment.id
    for day in range(1, 8):  # 14 to 8 days before
        queued(on(3, day))
    queued(on(3, 8), due_reminder=3)  # 7 days before
    assert keys() == [f"due:{a}:{person.id}:2027-03-15:7" for person in world.people]
    for day in range(9, 14):
        queued(on(3, day))
    queued(on(3, 14), due_reminder=3)  # the day before
    assert keys()[3:] == [f"due:{a}:{person.id}:2027-03-15:1" for person in world.people]
    queued(on(3, 15))  # the due date itself: not overdue yet
    certify(ann, world.module, completed=on(3, 15), valid_until=None)
    queued(on(3, 16), overdue_reminder=2)  # the day after: week 1, Ann has finished
    assert keys("overdue_reminder") == [f"overdue:{a}:{person.id}:2027-03-15:1" for person in (bryn, cai)]
    for day in range(17, 23):
        queued(on(3, day))
    queued(on(3, 23), overdue_reminder=2)  # a week later: week 2
    certify(bryn, world.module, completed=on(3, 24), valid_until=None)
    queued(on(3, 30), overdue_reminder=1)  # week 3: only Cai is left
    assert keys("overdue_reminder")[-1] == f"overdue:{a}:{cai.id}:2027-03-15:3"
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("overdue:%:3")))
    assert row.context == {
        "assignment_id": a,
        "cohort_id": world.cohort.id,
        "module_id": world.module.id,
        "due_on": "2027-03-15",
        "week": 3,
        "work": "assignment",
    }
    assert (row.kind, row.recipient, row.user_id, row.organisation_id) == (
        "overdue_reminder",
        cai.email,
        cai.id,
        world.organisation.id,
    )
    assert (row.status, row.attempts, row.is_optional, row.subject, row.created_at) == (
        "queued",
        0,
        True,
        "",
        on(3, 30),
    )


def test_after_an_outage_only_the_nearest_reminder_is_sent(world):
    queued(on(3, 14), due_reminder=3)  # the service was down on the 8th: only the day-before one
    assert all(key.endswith(":2027-03-15:1") for key in keys())
    queued(on(3, 15))
    queued(on(3, 29), overdue_reminder=3)  # down for two weeks after the due date: one reminder, week 2
    assert all(key.endswith(":2027-03-15:2") for key in keys("overdue_reminder"))


def test_each_person_gets_the_language_they_chose_or_the_sites(world):
    queued(on(3, 8), due_reminder=3)
    languages = dict(db.session.execute(select(OutboxMessage.user_id, OutboxMessage.language)).all())
    assert [languages[person.id] for person in world.people] == ["en", "cy", "en"]


def test_running_again_queues_nothing_twice(world):
    queued(on(3, 8), due_reminder=3)
    for _ in range(3):
        queued(on(3, 8))
        queued(on(3, 10))
    assert len(keys()) == 3


def test_organisation_settings_change_the_days(world):
    world.organisation.reminder_days_before = [3]
    world.organisation.overdue_reminders = False
    db.session.commit()
    queued(on(3, 8))
    queued(on(3, 12), due_reminder=3)
    assert all(key.endswith(":3") for key in keys())
    queued(on(3, 14))  # no day-before reminder
    queued(on(3, 16))  # no overdue reminders
    queued(on(3, 23))


def test_opted_out_switched_off_and_departed_people_and_archived_organisations_get_nothing(world):
    ann, bryn, cai = world.people
    ann.notify_reminders = False
    bryn.is_enabled = False
    db.session.commit()
    leave(world, cai)
    queued(on(3, 8))
    queued(on(3, 16))
    cai_back = membership.join(world.cohort.id, [cai.id], on(3, 16))
    db.session.commit()
    assert cai_back == [cai.id]
    queued(on(3, 16), overdue_reminder=1)
    world.organisation.archived_at = on(3, 17)
    db.session.commit()
    queued(on(3, 23))


def test_a_completion_that_no_longer_counts_is_due_again(world):
    """A revoked certificate does not count: the work is due again as a renewal, by the cohort's renewal
    days (30) after the revocation."""
    ann = world.people[0]
    certificate = certify(ann, world.module, completed=on(3, 1), valid_until=None)
    queued(on(3, 8), due_reminder=2)
    assert ann.id not in set(db.session.scalars(select(OutboxMessage.user_id)))
    certificate.revoked_at = on(3, 9)
    summaries.refresh_learner(ann.id, world.module.id)
    db.session.commit()
    assert reminders.queue_due(on(4, 1))["due_reminder"] == 1
    assert keys("due_reminder")[-1] == f"due:{world.assignment.id}:{ann.id}:2027-04-08:7"


# --- certificates about to expire and renewals -------------------------------------------------------


def test_an_expiring_certificate_is_told_once_within_the_notice(world):
    ann, bryn, cai = world.people
    expires = on(4, 20)
    mine = certify(ann, world.module, completed=on(3, 1), valid_until=expires)
    certify(bryn, world.module, completed=on(3, 1), valid_until=expires)
    renewed = certify(cai, world.module, completed=on(3, 1), valid_until=expires)
    certify(cai, world.module, completed=on(3, 10), valid_until=on(4, 20) + timedelta(days=365))  # renewed
    bryn.notify_renewals = False
    db.session.commit()
    queued(expires - timedelta(days=30, hours=1))
    queued(expires - timedelta(days=30), expiry_reminder=1)
    assert keys("expiry_reminder") == [f"expiry:{mine.id}"]
    assert f"expiry:{renewed.id}" not in keys()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "expiry_reminder"))
    assert row.context == {"certificate_id": mine.id, "module_id": world.module.id}
    assert row.organisation_id == world.organisation.id
    queued(expires - timedelta(days=1))
    queued(expires + timedelta(days=1))  # expired: no expiry notice (renewal reminders take over)


def test_the_notice_period_is_the_organisations(world):
    ann = world.people[0]
    world.organisation.expiry_notice_days = 10
    db.session.commit()
    certify(ann, world.module, completed=on(3, 1), valid_until=on(4, 20))
    assert reminders.queue_due(on(4, 9))["expiry_reminder"] == 0
    assert reminders.queue_due(on(4, 10))["expiry_reminder"] == 1


def test_a_revoked_certificate_is_not_told_about(world):
    certificate = certify(world.people[0], world.module, completed=on(3, 1), valid_until=on(4, 20))
    certificate.revoked_at = on(3, 2)
    db.session.commit()
    assert reminders.queue_due(on(4, 10))["expiry_reminder"] == 0


def test_a_certificate_for_the_modules_own_organisation_without_a_cohort_is_told(world, make_user):
    """Someone of the organisation who took its module on their own, outside any cohort."""
    dana = make_user("dana@a.example", name="Dana", organisation=world.organisation)
    certificate = certify(dana, world.module, completed=on(3, 1), valid_until=on(4, 20))
    assert reminders.queue_due(on(4, 1))["expiry_reminder"] == 1
    assert keys("expiry_reminder") == [f"expiry:{certificate.id}"]


def test_renewal_due_dates_get_due_and_overdue_reminders(world, inbox):
    """Once a certificate expires, renewal is due (the cohort's 30 days after expiry): reminded before that
    date, then weekly, with the renewal's own due date in the key."""
    ann = world.people[0]
    for person in world.people[1:]:
        leave(world, person)
    certify(ann, world.module, completed=on(3, 1), valid_until=on(4, 20))
    renew_by = date(2027, 5, 20)
    queued(at(renew_by - timedelta(days=8)))
    queued(at(renew_by - timedelta(days=7)), due_reminder=1)
    assert keys("due_reminder") == [f"due:{world.assignment.id}:{ann.id}:2027-05-20:7"]
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "due_reminder"))
    assert row.context["work"] == "renewal"
    queued(at(renew_by + timedelta(days=1)), overdue_reminder=1)
    jobs.run(at(renew_by + timedelta(days=1)))
    subjects = [message["Subject"] for message in inbox.messages]
    assert subjects == [
        "Reminder: renew your certificate for Using AI safely by 20 May 2027",
        "Overdue: renew your certificate for Using AI safely",
    ]
    assert "Renew your certificate" in inbox.body(inbox.messages[0])


# --- the managers' weekly digest ---------------------------------------------------------------------


@pytest.fixture
def managers(world, make_user):
    organisation = world.organisation
    mina = make_user("mina@a.example", name="Mina Manager", organisation=organisation, roles=("manager",))
    ada = make_user("ada@a.example", name="Ada Admin", organisation=organisation, roles=("org_admin", "manager"))
    make_user("quiet@a.example", name="Quiet Manager", organisation=organisation, roles=("manager",))
    mina.notify_digest = ada.notify_digest = True
    ada.locale = "cy"
    db.session.commit()
    return mina, ada


def test_a_digest_is_queued_once_a_week_for_each_manager_who_asked(world, managers):
    mina, ada = managers
    c = world.cohort.id
    assert reminders.queue_due(on(3, 21))["manager_digest"] == 2  # Sunday of week 11
    assert sorted(keys("manager_digest")) == sorted(f"digest:{c}:{u.id}:2027-W11" for u in (mina, ada))
    for day in (22, 24, 28):  # Monday, Wednesday, Sunday of week 12: once
        reminders.queue_due(on(3, day))
    assert sorted(key for key in keys("manager_digest") if key.endswith("W12")) == sorted(
        f"digest:{c}:{u.id}:2027-W12" for u in (mina, ada)
    )
    assert reminders.queue_due(on(3, 29))["manager_digest"] == 2  # the next Monday
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"digest:{c}:{ada.id}:2027-W13"))
    assert row.context == {"cohort_id": c, "week": "2027-W13", "starts_on": "2027-03-22", "ends_on": "2027-03-29"}
    assert row.language == "cy" and row.organisation_id == world.organisation.id


def test_the_digest_names_who_is_newly_overdue_who_completed_and_whose_renewal_is_due(world, managers, inbox):
    ann, bryn, cai = world.people
    mina, ada = managers
    certify(ann, world.module, completed=on(3, 17), valid_until=None)
    certify(cai, world.module, completed=on(3, 17), valid_until=on(4, 10))
    monday = on(3, 22)
    jobs.run(monday)
    digests = [message for message in inbox.messages if "Spring cohort" in message["Subject"]]
    assert sorted(message["To"] for message in digests) == ["ada@a.example", "mina@a.example"]
    english = next(message for message in digests if message["To"] == "mina@a.example")
    text = inbox.body(english)
    assert english["Subject"] == "Weekly summary for Spring cohort"
    assert "What happened in Spring cohort at Organisation A from 15 March 2027 to 21 March 2027." in text
    assert "Newly overdue: 1" in text and "Newly overdue: Bryn Evans." in text
    assert "Completed this week: 2" in text and "Completed this week: Ann Jones, Cai Lewis." in text
    assert "Renewals due: 1" in text and "Renewals due: Cai Lewis." in text
    assert f"/organisations/org-a/cohorts/{world.cohort.id}/dashboard" in text
    assert "See the cohort dashboard" in inbox.html(english) and "<table" in inbox.html(english)
    assert english["List-Unsubscribe"]
    welsh = next(message for message in digests if message["To"] == "ada@a.example")
    assert welsh["Content-Language"] == "cy" and "Bryn Evans" in inbox.body(welsh)
    assert welsh["Subject"] == "Crynodeb wythnosol ar gyfer Spring cohort"
    assert "Yn hwyr o'r newydd: Bryn Evans." in inbox.body(welsh) and "15 Mawrth 2027" in inbox.body(welsh)


def test_a_week_with_nothing_to_report_sends_no_digest(world, managers, inbox):
    for person in world.people:
        certify(person, world.module, completed=on(3, 1), valid_until=None)
    counts = jobs.run(on(3, 22))
    assert counts["manager_digest"] == 2 and counts["skipped"] == 2 and inbox.messages == []
    reasons = set(db.session.scalars(select(OutboxMessage.last_error)))
    assert reasons == {"nothing to report for the week"}


def test_a_manager_who_lost_the_role_gets_no_digest(world, managers, inbox):
    mina, _ = managers
    reminders.queue_due(on(3, 22))
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == mina.id))
    db.session.commit()
    jobs.run(on(3, 22))
    assert "mina@a.example" not in [message["To"] for message in inbox.messages]
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == mina.id))
    assert (row.status, row.last_error) == ("skipped", "the person no longer manages the organisation's cohorts")


# --- writing and sending -----------------------------------------------------------------------------


def test_reminders_arrive_in_english_and_welsh_with_the_organisations_name(world, inbox):
    counts = jobs.run(on(3, 8))
    assert counts["due_reminder"] == 3 and counts["sent"] == 3
    ann, bryn, cai = world.people
    english = inbox.to(ann.email)[0]
    assert english["Subject"] == "Reminder: Using AI safely is due on 15 March 2027"
    assert english["Content-Language"] == "en"
    text = inbox.body(english)
    assert text.startswith("Organisation A")
    assert "Organisation A asked you to complete “Using AI safely” as part of Spring cohort." in text
    assert "It is due on 15 March 2027. That is in 7 days." in text
    assert "Continue learning" in text and "http://localhost/modules/using-ai" in text
    html = inbox.html(english)
    assert 'lang="en"' in html and "Organisation A" in html and 'href="http://localhost/modules/using-ai"' in html
    assert unsubscribe(english).startswith("<http://localhost/") and english["List-Unsubscribe-Post"]
    welsh = inbox.to(bryn.email)[0]
    assert welsh["Content-Language"] == "cy"
    assert "Defnyddio DA yn ddiogel" in welsh["Subject"] and "Mawrth 2027" in welsh["Subject"]
    welsh_text = inbox.body(welsh)
    assert "Organisation A" in welsh_text and "Defnyddio DA yn ddiogel" in welsh_text
    assert "Continue learning" not in welsh_text and 'lang="cy"' in inbox.html(welsh)
    assert welsh["List-Unsubscribe"]
    assert inbox.to(cai.email)[0]["Content-Language"] == "en"
    # a second run at the same moment, or later the same week, sends nothing more
    assert jobs.run(on(3, 8))["sent"] == 0
    assert jobs.run(on(3, 10))["sent"] == 0
    assert len(inbox.messages) == 3


def test_overdue_and_expiry_messages(world, inbox):
    ann, bryn, cai = world.people
    for person in (bryn, cai):
        leave(world, person)
    jobs.run(on(3, 16))
    overdue = inbox.to(ann.email)[-1]
    assert overdue["Subject"] == "Overdue: Using AI safely was due on 15 March 2027"
    assert "You will get this reminder once a week until it is done." in inbox.body(overdue)
    certify(ann, world.module, completed=on(3, 17), valid_until=on(4, 20))
    jobs.run(on(4, 1))
    expiry = inbox.to(ann.email)[-1]
    assert expiry["Subject"] == "Your certificate for Using AI safely expires on 20 April 2027"
    text = inbox.body(expiry)
    assert "To keep it valid for Organisation A, complete the module again before then." in text
    assert "Renew your certificate" in text and expiry["List-Unsubscribe"]


def skipped() -> dict[int, str]:
    """The reason each person's skipped message was not sent."""
    rows = db.session.execute(
        select(OutboxMessage.user_id, OutboxMessage.last_error).where(OutboxMessage.status == "skipped")
    )
    return dict(rows.all())


def test_writers_skip_what_is_no_longer_needed(world, inbox, make_organisation):
    ann, bryn, cai = world.people
    reminders.queue_due(on(3, 8))
    certify(ann, world.module, completed=on(3, 9), valid_until=None)  # completed since
    leave(world, bryn)  # removed from the cohort
    cai.notify_reminders = False  # opted out since
    db.session.commit()
    counts = jobs.run(on(3, 9))
    assert counts["skipped"] == 3 and inbox.messages == []
    assert skipped() == {
        ann.id: "nothing is due any more: completed, or no longer in the cohort",
        bryn.id: "nothing is due any more: completed, or no longer in the cohort",
        cai.id: "the person turned these messages off",
    }


def test_a_changed_due_date_or_a_removed_assignment_skips_the_reminder(world, inbox):
    ann, bryn, cai = world.people
    reminders.queue_due(on(3, 14))
    world.assignment.due_on = date(2027, 4, 15)
    db.session.commit()
    jobs.run(on(3, 14))
    assert set(skipped().values()) == {"the due date changed since the reminder was queued"}
    queued(on(4, 8), due_reminder=3)  # the new date has reminders of its own
    db.session.delete(world.assignment)
    db.session.commit()
    jobs.run(on(4, 8))
    assert inbox.messages == []
    reasons = list(db.session.scalars(select(OutboxMessage.last_error).order_by(OutboxMessage.id)))
    assert (
        reasons
        == ["the due date changed since the reminder was queued"] * 3
        + ["the module is no longer assigned to the cohort"] * 3
    )


def test_a_renewed_certificate_skips_its_expiry_notice(world, inbox):
    ann = world.people[0]
    certify(ann, world.module, completed=on(3, 1), valid_until=on(4, 20))
    reminders.queue_due(on(4, 1))
    certify(ann, world.module, completed=on(4, 2), valid_until=on(4, 2) + timedelta(days=365))
    jobs.run(on(4, 2))
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "expiry_reminder"))
    assert (row.status, row.last_error) == ("skipped", "the certificate was renewed")


# --- many consumers, many people ---------------------------------------------------------------------


def test_two_consumers_at_the_same_moment_queue_each_reminder_once(app, world):
    extra = make_people(world.organisation, 40, prefix="more")
    membership.join(world.cohort.id, [person.id for person in extra], on(3, 1))
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def consumer() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(reminders.queue_due(on(3, 8)))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(result["due_reminder"] for result in results) == [0, 43]
    assert len(keys()) == len(set(keys())) == 43


def statements_of(now: datetime) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        reminders.queue_due(now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_statements_do_not_grow_with_the_number_of_people(world, managers):
    certify(world.people[0], world.module, completed=on(3, 1), valid_until=on(4, 1))
    few = statements_of(on(3, 8))
    people = make_people(world.organisation, 60, prefix="many")
    membership.join(world.cohort.id, [person.id for person in people], on(3, 1))
    for person in people[:20]:
        certify(person, world.module, completed=on(3, 1), valid_until=on(4, 1))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) > 0
    many = statements_of(on(3, 15))
    assert few == many <= 7
    assert reminders.queue_due(on(3, 16))["overdue_reminder"] == 42  # two of the first three and 40 new


def test_archived_organisations_are_left_out_of_the_settings(world, make_organisation):
    archived = make_organisation("old", "Old organisation")
    archived.archived_at = on(1, 1)
    db.session.commit()
    found = reminders.settings()
    assert found.days_before == {(1, 7): [world.organisation.id]}
    assert found.expiry_days == {30: [world.organisation.id]}
    assert db.session.get(Organisation, archived.id) is not None


def test_without_the_renewal_rules_the_assignments_due_dates_are_used(world, monkeypatch):
    """``outstanding_work`` (assigned work without a valid completion) gives the same reminders for
    assigned work as ``renewal.due_work``; it is what the reminders use where renewal is not installed."""
    ann = world.people[0]
    certify(ann, world.module, completed=on(3, 1), valid_until=on(3, 20))
    with_renewal = [reminders.queue_due(on(3, day)) for day in (8, 14, 16)]
    found = keys()
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    monkeypatch.setattr(reminders, "_renewal_module", lambda: None)
    assert [reminders.queue_due(on(3, day)) for day in (8, 14, 16)] == with_renewal
    assert keys() == found
    assert reminders.queue_due(on(3, 23))["overdue_reminder"] == 3  # Ann's certificate expired on the 20th


def test_a_learner_walked_from_assigned_to_renewed(world, inbox):
    """Assigned, reminded, overdue, completed, told before the certificate expires, renewal due when it
    has expired, renewed: each message once, in order, and nothing after the renewal."""
    ann, bryn, cai = world.people
    for person in (bryn, cai):
        leave(world, person)
    moments = [on(3, day) for day in range(1, 32)]
    for now in moments[:16]:  # 1 to 16 March
        jobs.run(now)
    certify(ann, world.module, completed=on(3, 17), valid_until=at(date(2028, 3, 17)))
    year = [at(date(2027, 3, 17) + timedelta(days=day)) for day in range(0, 378, 7)]  # weekly to 22 March 2028
    year += [at(date(2028, 3, 29) + timedelta(days=day)) for day in range(30)]  # then daily
    renewed = False
    for now in year:
        if not renewed and now >= at(date(2028, 4, 16)):  # renewed on the day it is due
            certify(ann, world.module, completed=now, valid_until=now + timedelta(days=365))
            renewed = True
        jobs.run(now)
    assert [message["Subject"] for message in inbox.to(ann.email)] == [
        "Reminder: Using AI safely is due on 15 March 2027",
        "Reminder: Using AI safely is due on 15 March 2027",
        "Overdue: Using AI safely was due on 15 March 2027",
        "Your certificate for Using AI safely expires on 17 March 2028",
        "Reminder: renew your certificate for Using AI safely by 16 April 2028",
        "Reminder: renew your certificate for Using AI safely by 16 April 2028",
    ]
    assert "That is tomorrow." in inbox.body(inbox.to(ann.email)[1])
    assert "That is in 7 days." in inbox.body(inbox.to(ann.email)[4])

"""Renewal: when someone's certificate for the live edition has expired, was revoked, or expires within the
renewal window, passing the assessment again (or, without an assessment, completing a lesson again) records a
new completion with ``renewal`` one higher and a new certificate; the earlier ones stay on record.

Time is walked by moving a learner's past back (every stored time of theirs), never by freezing the clock:
the pages run on the real "now", as they do in production.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from literacy import content, summaries, validity
from literacy.content.courses import read_folder
from literacy.extensions import db
from literacy.learning import certificates, quiz, service
from literacy.models import (
    Certificate,
    LessonProgress,
    Module,
    ModuleCompletion,
    ModuleVersion,
    Organisation,
    QuizAttempt,
    Response,
    User,
    utcnow,
)
from literacy.publishing import publish, sync_courses

from .quiz_support import RIGHT, WRONG, complete_lessons, start, take, text_of, write_quiz_module
from .support.modules import write_module


def with_valid_for(folder: Path, valid_for: str) -> Path:
    yaml = folder / "module.yaml"
    yaml.write_text(yaml.read_text() + f"valid_for: {valid_for}\n")
    return folder


def age(user_id: int, days: float) -> None:
    """Move everything ``user_id`` did ``days`` into the past: as if that much time had gone by since."""
    shift = timedelta(days=days)

    def back(row, *names):
        for name in names:
            if getattr(row, name) is not None:
                setattr(row, name, getattr(row, name) - shift)

    for completion in db.session.scalars(select(ModuleCompletion).where(ModuleCompletion.user_id == user_id)):
        back(completion, "completed_at")
        for certificate in db.session.scalars(select(Certificate).where(Certificate.completion_id == completion.id)):
            back(certificate, "issued_at", "valid_until", "revoked_at")
    for attempt in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user_id)):
        back(attempt, "started_at", "submitted_at")
        for response in db.session.scalars(select(Response).where(Response.attempt_id == attempt.id)):
            back(response, "answered_at")
    for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id)):
        back(row, "started_at", "completed_at")
    db.session.flush()
    for module_id in db.session.scalars(select(Module.id)):
        summaries.refresh_learner(user_id, module_id)
    db.session.commit()


def completions(user_id: int) -> list[tuple[int, int]]:
    """(edition, renewal) of each completion, in order."""
    db.session.expire_all()
    return [
        (c.edition, c.renewal)
        for c in db.session.scalars(
            select(ModuleCompletion).where(ModuleCompletion.user_id == user_id).order_by(ModuleCompletion.id)
        )
    ]


def certificates_of(user_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
            .where(ModuleCompletion.user_id == user_id)
            .order_by(Certificate.id)
        )
    )


@pytest.fixture
def yearly(courses, make_user, auth):
    """A learner who passed a module valid for 12 months (one attempt allowed) and so holds a certificate."""
    with_valid_for(write_quiz_module(courses, "yearly", max_attempts=1, precheck=False), "12 months")
    sync_courses(courses)
    learner = make_user("renew@example.org", name="Rhys Renew")
    auth.sign_in("renew@example.org")
    complete_lessons(auth, "yearly")
    take(auth, "yearly", RIGHT)
    assert completions(learner.id) == [(1, 0)]
    return learner


def test_a_valid_certificate_is_not_renewed_and_the_attempts_stay_used(client, auth, yearly):
    intro = text_of(client.get("/modules/yearly/quiz").get_data(as_text=True))
    assert "Renewal due" not in intro and "You have used all your attempts" in intro
    assert "Renewal due" not in text_of(client.get("/modules/yearly").get_data(as_text=True))
    assert auth.post("/modules/yearly/quiz").status_code == 302
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1  # no second attempt started
    assert completions(yearly.id) == [(1, 0)]


def test_an_expired_certificate_is_renewed_by_passing_the_assessment_again(client, auth, yearly):
    age(yearly.id, 370)  # a year and a few days later: the certificate expired five days ago
    first = certificates_of(yearly.id)[0]
    assert certificates.by_code(first.code).state() == "expired"

    overview = text_of(client.get("/modules/yearly").get_data(as_text=True))
    assert "Renewal due" in overview and "Your certificate expired on" in overview
    assert "Retake the assessment to renew your certificate." in overview
    intro = text_of(client.get("/modules/yearly/quiz").get_data(as_text=True))
    assert "Renewal due" in intro and "Retake the assessment to renew your certificate." in intro
    assert "Attempts left 1 of 1" in intro and "Start the assessment" in intro  # the used attempt no longer counts

    attempt = take(auth, "yearly", RIGHT)
    result = client.get(f"/modules/yearly/quiz/{attempt.id}")
    assert completions(yearly.id) == [(1, 0), (1, 1)]
    old, new = certificates_of(yearly.id)
    assert old.code == first.code and old.valid_until == first.valid_until  # history keeps both
    renewal = db.session.get(ModuleCompletion, new.completion_id)
    assert renewal.attempt_id == attempt.id and renewal.renewal == 1
    assert new.valid_until == validity.add(renewal.completed_at, "P12M")
    assert certificates.by_code(new.code).state() == "valid" and certificates.by_code(old.code).state() == "expired"
    assert new.code in result.get_data(as_text=True)  # the result page offers the new certificate
    assert "Certificate renewed." in text_of(result.get_data(as_text=True))
    assert "Renewal due" not in text_of(client.get("/modules/yearly").get_data(as_text=True))
    assert summaries.differences() == []


def test_a_failed_renewal_attempt_renews_nothing_and_uses_the_new_cycles_attempt(client, auth, yearly):
    age(yearly.id, 400)
    take(auth, "yearly", WRONG)
    assert completions(yearly.id) == [(1, 0)]
    intro = text_of(client.get("/modules/yearly/quiz").get_data(as_text=True))
    assert "Renewal due" in intro and "You have used all your attempts" in intro
    assert "Attempts left 0 of 1" in intro


def test_renewal_opens_thirty_days_before_expiry(client, auth, yearly):
    age(yearly.id, 365 - 40)  # expires in about 40 days: not yet
    overview = text_of(client.get("/modules/yearly").get_data(as_text=True))
    assert "Renewal due" not in overview and "Expires soon" not in overview
    age(yearly.id, 15)  # about 25 days to go: inside the window, still valid
    overview = text_of(client.get("/modules/yearly").get_data(as_text=True))
    assert "Expires soon" in overview and "Renewal due" not in overview
    assert "Your certificate expires on" in overview and "You can renew it now." in overview
    assert "Retake the assessment to renew your certificate." in overview
    assert "Expires soon" in text_of(client.get("/modules/yearly/quiz").get_data(as_text=True))
    take(auth, "yearly", RIGHT)
    assert completions(yearly.id) == [(1, 0), (1, 1)]
    old, new = certificates_of(yearly.id)
    assert certificates.by_code(old.code).state() == "valid"  # renewed early, the old one runs its course
    assert new.valid_until > old.valid_until


def test_a_revoked_certificate_may_be_renewed_at_once(client, auth, make_user, yearly):
    admin = make_user("admin@example.org", site_admin=True)
    age(yearly.id, 1)
    certificates.revoke(certificates_of(yearly.id)[0].code, admin, "Issued in error")
    db.session.commit()
    overview = text_of(client.get("/modules/yearly").get_data(as_text=True))
    assert "Renewal due" in overview and "Your certificate was revoked on" in overview
    take(auth, "yearly", RIGHT)
    assert completions(yearly.id) == [(1, 0), (1, 1)]
    assert [certificates.by_code(c.code).state() for c in certificates_of(yearly.id)] == ["revoked", "valid"]


def test_renewing_twice_counts_up_and_each_renewal_needs_its_own_pass(client, auth, yearly):
    age(yearly.id, 370)
    take(auth, "yearly", RIGHT)
    # Right after renewing, nothing more is recorded: pressing a lesson's button again changes nothing.
    auth.post("/modules/yearly/lesson-1/complete")
    assert completions(yearly.id) == [(1, 0), (1, 1)]
    age(yearly.id, 370)
    assert service.complete_module_if_done(yearly, db.session.scalar(select(Module)), current_version()) is None
    take(auth, "yearly", RIGHT)
    assert completions(yearly.id) == [(1, 0), (1, 1), (1, 2)]
    assert len(certificates_of(yearly.id)) == 3


def current_version() -> ModuleVersion:
    module = db.session.scalar(select(Module))
    return db.session.get(ModuleVersion, module.current_version_id)


def test_one_open_attempt_still_holds_during_a_renewal(auth, yearly):
    age(yearly.id, 370)
    _, first = start(auth, "yearly")
    _, again = start(auth, "yearly")
    assert first.id == again.id
    assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.submitted_at.is_(None))) == 1


def test_a_module_without_valid_for_is_completed_once(courses, client, auth, make_user):
    write_quiz_module(courses, "forever", precheck=False)
    sync_courses(courses)
    learner = make_user("forever@example.org")
    auth.sign_in("forever@example.org")
    complete_lessons(auth, "forever")
    take(auth, "forever", RIGHT)
    age(learner.id, 3650)
    take(auth, "forever", RIGHT)
    assert completions(learner.id) == [(1, 0)]
    assert "Renewal due" not in text_of(client.get("/modules/forever").get_data(as_text=True))
    assert "Does not expire" in text_of(client.get("/modules/forever").get_data(as_text=True))


def test_a_module_without_an_assessment_is_renewed_by_completing_a_lesson_again(courses, client, auth, make_user):
    with_valid_for(write_module(courses, "reading", questions=0, lessons=2), "2 years")
    sync_courses(courses)
    learner = make_user("reader@example.org")
    auth.sign_in("reader@example.org")
    complete_lessons(auth, "reading")
    assert completions(learner.id) == [(1, 0)]
    lesson = text_of(client.get("/modules/reading/lesson-2").get_data(as_text=True))
    assert "You have completed this lesson." in lesson and "Mark as complete" not in lesson
    age(learner.id, 2 * 365 + 10)

    overview = text_of(client.get("/modules/reading").get_data(as_text=True))
    assert "Renewal due" in overview and "mark it as complete to renew your certificate" in overview
    lesson = text_of(client.get("/modules/reading/lesson-2").get_data(as_text=True))
    assert "Mark as complete" in lesson  # the button is back, to renew
    response = auth.post("/modules/reading/lesson-2/complete")
    assert response.status_code == 302
    assert "Certificate renewed." in text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert completions(learner.id) == [(1, 0), (1, 1)]
    assert "You have completed this lesson." in text_of(client.get("/modules/reading/lesson-2").get_data(as_text=True))
    assert summaries.differences() == []


def test_a_short_validity_cannot_be_renewed_in_its_first_half(courses, client, auth, make_user):
    """Six weeks is shorter than the 30-day window: renewal still waits until halfway (three weeks)."""
    with_valid_for(write_quiz_module(courses, "short", precheck=False), "6 weeks")
    sync_courses(courses)
    learner = make_user("short@example.org")
    auth.sign_in("short@example.org")
    complete_lessons(auth, "short")
    take(auth, "short", RIGHT)
    take(auth, "short", RIGHT)  # straight away again: no renewal
    assert completions(learner.id) == [(1, 0)]
    age(learner.id, 22)
    take(auth, "short", RIGHT)
    assert completions(learner.id) == [(1, 0), (1, 1)]


def test_an_organisations_expiry_notice_sets_its_modules_window(courses, client, auth, make_user, make_organisation):
    organisation = make_organisation("org-a")
    organisation.expiry_notice_days = 60
    db.session.commit()
    folder = with_valid_for(write_quiz_module(courses, "own", precheck=False), "12 months")
    parsed = content.parse_module(read_folder(folder))
    publish(parsed.module, organisation_id=organisation.id, origin="browser")
    db.session.commit()
    learner = make_user("member@a.example", organisation=organisation)
    auth.sign_in("member@a.example")
    complete_lessons(auth, "own")
    take(auth, "own", RIGHT)
    age(learner.id, 365 - 45)  # 45 days to go: inside this organisation's 60 days, outside the default 30
    assert "Expires soon" in text_of(client.get("/modules/own").get_data(as_text=True))
    take(auth, "own", RIGHT)
    assert completions(learner.id) == [(1, 0), (1, 1)]


def test_a_new_edition_is_a_first_completion_not_a_renewal(courses, client, auth, yearly):
    folder = courses / "yearly"
    yaml = folder / "module.yaml"
    yaml.write_text(yaml.read_text().replace("edition: 1", "edition: 2"))
    sync_courses(courses)
    take(auth, "yearly", RIGHT)
    assert completions(yearly.id) == [(1, 0), (2, 0)]


def test_renewal_of_reports_when_the_window_opens(yearly):
    module = db.session.scalar(select(Module))
    renewal = service.renewal_of(yearly, module, current_version())
    certificate = certificates_of(yearly.id)[0]
    assert renewal.valid_until == certificate.valid_until and renewal.revoked_at is None
    assert renewal.opens_at == certificate.valid_until - timedelta(days=service.RENEWAL_WINDOW_DAYS)
    assert not renewal.is_open(renewal.opens_at - timedelta(seconds=1)) and renewal.is_open(renewal.opens_at)
    assert renewal.state(certificate.valid_until) == "expired"
    someone = User(email="nobody@example.org", name="Nobody")
    db.session.add(someone)
    db.session.flush()
    assert service.renewal_of(someone, module, current_version()) is None


def test_renewal_opens_at_rules():
    now = utcnow()
    year = validity.add(now, "P12M")
    assert service.renewal_opens_at(now, None, None, 30) is None
    assert service.renewal_opens_at(now, year, None, 30) == year - timedelta(days=30)
    later = now + timedelta(days=3)
    assert service.renewal_opens_at(now, year, later, 30) == later
    short = now + timedelta(days=10)
    assert service.renewal_opens_at(now, short, None, 30) == now + timedelta(days=5)


def test_the_quiz_state_counts_only_the_renewals_attempts(auth, yearly):
    module, version = db.session.scalar(select(Module)), current_version()
    state = quiz.quiz_state(yearly, module, version, quiz.ASSESSMENT)
    assert not state.renewing and state.attempts_left == 0 and state.closed == quiz.Closed.NO_ATTEMPTS_LEFT
    certificate = certificates_of(yearly.id)[0]
    later = certificate.valid_until + timedelta(days=1)
    state = quiz.quiz_state(yearly, module, version, quiz.ASSESSMENT, now=later)
    assert state.renewing and state.attempts_left == 1 and state.closed is None and not state.passed
    assert len(state.submitted) == 1 and state.counted == []
    assert quiz.assessment_status(state, "completed") == "not-started"


def test_organisation_default_window_is_the_named_constant():
    assert Organisation.__table__.c.expiry_notice_days.default.arg == service.RENEWAL_WINDOW_DAYS


def test_the_catalogue_and_module_page_say_renewal_due_once_the_certificate_has_expired(client, auth, yearly):
    def tag(path: str) -> str:
        return text_of(client.get(path).get_data(as_text=True))

    assert "Completed" in tag("/modules") and "Renewal due" not in tag("/modules")
    age(yearly.id, 370)
    assert "Renewal due" in tag("/modules")
    assert "Renewal due" in tag("/modules/yearly")
    progress = service.progress_by_module(yearly, [db.session.scalar(select(Module.id))])
    version = db.session.scalar(select(ModuleVersion))
    assert next(iter(progress.values())).status(version) == service.Status.RENEWAL_DUE
    from literacy.learning.my_learning import my_learning

    page = my_learning(yearly, "en", utcnow().date())
    assert page.in_progress == []  # due for renewal, not "in progress" with a Continue link
    assert [entry.module.slug for entry in page.completed] == ["yearly"]

"""Time adding a 10,000-row CSV of people to a cohort, through the service and through the real page.

Builds an organisation of 10,000 people (names, emails, passwords, learner roles), a cohort with three
modules assigned, a tenth of the people already in it (and some who left it), about half of them with
lessons, assessment attempts and answers (so the summaries have work to do), accounts of another
organisation and new addresses (who are invited), some with an earlier open invitation. Then:

* ``service.add_members`` for the whole CSV (timed to the flush, then rolled back), the invitations'
  emails queued in the outbox with it;
* the add-members page with the test client (parse, add, queue, commit), which is what a manager waits
  for, and apart from it the outbox sending every invitation to a local SMTP server (the consumer's
  work; the test app runs it at once, after the response);
* new addresses only: the invitations and their outbox rows, without sending.

Rows are written with bulk inserts; ``--people`` scales it. ``summaries.differences()`` is checked after.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from common import timed

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
MODULES = 3
QUESTIONS = 8
LESSONS = 4
FIRST = ["Aisha", "Bryn", "Carys", "Dafydd", "Efa", "Ffion", "Gethin", "Hannah", "Iwan", "Jess", "Kai", "Lowri"]
LAST = ["Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan", "Price"]
HASH = "pbkdf2:sha256:1000$bench$" + "0" * 64  # a password set (nobody signs in with it)


def generate(db, people: int, seed: int = 13) -> tuple[list[tuple[str, str]], int]:
    """Fill an empty database; returns the CSV rows (name, email) and the manager's id."""
    from literacy.models import (
        Cohort,
        CohortAssignment,
        CohortMember,
        Invitation,
        LessonProgress,
        Membership,
        Module,
        ModuleVersion,
        Organisation,
        Question,
        QuizAttempt,
        Response,
        User,
    )

    rng = random.Random(seed)
    t = {model: model.__table__ for model in (Organisation, User, Membership, Module, ModuleVersion, Question)}
    t |= {model: model.__table__ for model in (Cohort, CohortMember, CohortAssignment, Invitation)}
    t |= {model: model.__table__ for model in (LessonProgress, QuizAttempt, Response)}
    rows: dict[object, list[dict]] = {table: [] for table in t.values()}

    def add(model, **row) -> None:
        rows[t[model]].append(row)

    add(Organisation, id=1, slug="bench", name="Bench organisation", created_at=START)
    add(Organisation, id=2, slug="elsewhere", name="Another organisation", created_at=START)
    for number in range(1, MODULES + 1):
        add(Module, id=number, slug=f"module-{number}", origin="files", status="published", created_at=START)
        add(
            ModuleVersion, id=number, module_id=number, number=1, edition=1, content_hash=str(number), language="en",
            languages=["en"], texts={"en": {"title": f"Module {number}"}}, level="introductory", minutes=40,
            pass_mark=70, max_attempts=None, shuffle=True, lesson_count=LESSONS, question_count=QUESTIONS,
            source={}, published_at=START,
        )  # fmt: skip
        for q in range(QUESTIONS):
            add(
                Question, version_id=number, key=f"a{q}", language="en", purpose="assessment", lesson_slug=None,
                position=q, kind="single", prompt_html=f"<p>Question {q}?</p>",
                options=[{"key": k, "html": f"<p>{k}</p>"} for k in "abcd"], answer={"correct": ["abcd"[q % 4]]},
                feedback={}, ask_confidence=True, shuffle=True,
            )  # fmt: skip
    add(Cohort, id=1, organisation_id=1, name="Autumn intake", description="", starts_on=START.date(), created_at=START)
    for number in range(1, MODULES + 1):
        add(CohortAssignment, cohort_id=1, module_id=number, due_on=None, assigned_at=START)

    csv_rows: list[tuple[str, str]] = []
    organisation_people = people * 7 // 10  # learners of the organisation: added at once
    elsewhere = people // 10  # accounts of another organisation: invited
    placeholders = people // 20  # old rows without a password: invited
    attempt_id = 0
    manager = people + 1
    for user_id in range(1, people + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{name.lower().replace(' ', '.')}.{user_id}@bench.example"
        csv_rows.append((name, email))
        if user_id > organisation_people + elsewhere + placeholders:
            if rng.random() < 0.1:  # a new address invited before: the earlier link is cancelled
                add(
                    Invitation, token_hash=f"{user_id:064d}", email=email, name=name, organisation_id=1, cohort_id=1,
                    role="learner", invited_by_id=manager, created_at=START, expires_at=START + timedelta(days=14),
                )  # fmt: skip
            continue  # no account yet
        has_password = user_id <= organisation_people + elsewhere
        add(User, id=user_id, email=email, name=name, password_hash=HASH if has_password else None,
            is_site_admin=False, is_enabled=True, created_at=START)  # fmt: skip
        add(Membership, user_id=user_id, organisation_id=1 if user_id <= organisation_people else 2,
            role="learner", created_at=START)  # fmt: skip
        if user_id > organisation_people:
            continue
        if user_id % 10 == 0:
            add(CohortMember, cohort_id=1, user_id=user_id, added_at=START, removed_at=None)  # already in
        elif user_id % 25 == 1:
            add(CohortMember, cohort_id=1, user_id=user_id, added_at=START, removed_at=START + timedelta(days=3))
        if rng.random() < 0.5:
            continue  # not started anything
        for module in range(1, MODULES + 1):
            if rng.random() < 0.4:
                continue
            moment = START + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
            for lesson in range(1, rng.randint(1, LESSONS) + 1):
                add(LessonProgress, user_id=user_id, module_id=module, lesson_slug=f"lesson-{lesson}",
                    version_id=module, started_at=moment, completed_at=moment + timedelta(minutes=8))  # fmt: skip
            if rng.random() < 0.5:
                continue
            attempt_id += 1
            right = [rng.random() < 0.7 for _ in range(QUESTIONS)]
            percent = round(100 * sum(right) / QUESTIONS)
            add(
                QuizAttempt, id=attempt_id, user_id=user_id, module_id=module, version_id=module,
                purpose="assessment", language="en", option_order={}, started_at=moment,
                submitted_at=moment + timedelta(minutes=12), score=sum(right), max_score=QUESTIONS,
                percent=percent, passed=percent >= 70,
            )  # fmt: skip
            for q, correct in enumerate(right):
                answer = "abcd"[q % 4] if correct else "abcd"[(q + 1) % 4]
                add(Response, attempt_id=attempt_id, question_key=f"a{q}", answer=answer, is_correct=correct,
                    confidence=rng.choice((1, 2, 3)), answered_at=moment)  # fmt: skip
    add(User, id=manager, email="manager@bench.example", name="Morgan Manager", password_hash=None,
        is_site_admin=False, is_enabled=True, created_at=START)  # fmt: skip
    add(Membership, user_id=manager, organisation_id=1, role="manager", created_at=START)
    with db.engine.begin() as connection:
        for table, batch in rows.items():
            for start in range(0, len(batch), 20_000):
                if batch[start : start + 20_000]:
                    connection.execute(table.insert(), batch[start : start + 20_000])
        if connection.dialect.name == "postgresql":
            for name in ("user", "quiz_attempt", "invitation", "cohort_member"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))"
                )
    print("rows written: " + ", ".join(f"{table.name} {len(batch):,}" for table, batch in rows.items() if batch))
    return csv_rows, manager


def as_csv(rows: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    out.write("name,email\n")
    for name, email in rows:
        out.write(f"{name},{email}\n")
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    from literacy import create_app, summaries
    from literacy.cohorts import roster, service
    from literacy.extensions import db
    from literacy.models import AuditEvent, Cohort, CohortMember, Invitation, OutboxMessage, User

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # a mail server in its own process (in this one it would compete for the interpreter), that accepts
    # and drops every message
    smtp = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    for _try in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "INVITATIONS_PER_DAY": 10 * args.people,
                "MAIL_HOST": "127.0.0.1",
                "MAIL_PORT": str(port),
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            print(f"{args.people:,} people; database {db.engine.url.drivername}")
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            rows, manager_id = generate(db, args.people)
            summaries.rebuild()
            db.session.commit()
            print(f"generated in {time.perf_counter() - started:.1f} s")
            manager = db.session.get(User, manager_id)
            manager.set_password("benchmark password")
            db.session.commit()
            data = as_csv(rows)
            print(f"CSV: {len(rows):,} rows, {len(data) / 1024:.0f} KiB")

            queries = {"n": 0}

            def count(*_args) -> None:
                queries["n"] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            parsed = None

            def parse() -> None:
                nonlocal parsed
                parsed = roster.parse_csv(data)

            print(f"{'parse the CSV':<44} {timed(parse):6.2f} s")
            cohort = db.session.get(Cohort, 1)
            result = None

            def add() -> None:
                nonlocal result
                with app.test_request_context():
                    result = service.add_members(manager, cohort, parsed.candidates, expires_days=14)
                    db.session.flush()

            queries["n"] = 0
            seconds = timed(add)
            print(
                f"{'service.add_members':<44} {seconds:6.2f} s  {len(rows) / seconds:8,.0f} rows/s  "
                f"({queries['n']} queries; {len(result.added):,} added, {len(result.invited):,} invited, "
                f"{len(result.already):,} already)"
            )
            db.session.rollback()

        from literacy.notifications import delivery

        mailing = {"seconds": 0.0}
        send_due = delivery.send_due

        def timed_send(*args, **kwargs):  # the consumer's sending, timed apart from the page
            started = time.perf_counter()
            try:
                if os.environ.get("BENCH_PROFILE"):
                    import cProfile
                    import pstats

                    profile = cProfile.Profile()
                    result = profile.runcall(send_due, *args, **kwargs)
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
                    return result
                return send_due(*args, **kwargs)
            finally:
                mailing["seconds"] += time.perf_counter() - started

        delivery.send_due = timed_send
        client = app.test_client()
        response = client.post("/sign-in", data={"email": "manager@bench.example", "password": "benchmark password"})
        assert response.status_code == 302, response.status_code
        path = "/organisations/bench/cohorts/1/members/add"
        client.get(path)
        queries["n"] = 0
        started = time.perf_counter()
        response = client.post(
            path, data={"upload": (io.BytesIO(data), "people.csv")}, content_type="multipart/form-data"
        )
        seconds = time.perf_counter() - started
        assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:2000])
        mail_seconds = mailing["seconds"]
        print(
            f"{'the add-members page, without the mail':<44} {seconds - mail_seconds:6.2f} s  "
            f"{len(rows) / (seconds - mail_seconds):8,.0f} rows/s  ({queries['n']} queries, the sending's included)"
        )
        print(f"{'  the outbox sending its invitations':<44} {mail_seconds:6.2f} s  (both: {seconds:.2f} s)")
        with app.app_context():
            members = db.session.scalar(
                select(func.count()).where(CohortMember.cohort_id == 1, CohortMember.removed_at.is_(None))
            )
            waiting = db.session.scalar(
                select(func.count())
                .select_from(Invitation)
                .join(OutboxMessage, OutboxMessage.id == Invitation.message_id)
                .where(Invitation.cohort_id == 1, Invitation.cancelled_at.is_(None), OutboxMessage.status == "sent")
            )
            events = db.session.scalar(select(func.count()).select_from(AuditEvent))
            problems = summaries.differences()
            print(f"after: {members:,} members, {waiting:,} invitations sent, {events:,} audit events")
            print("summaries agree with the raw rows" if not problems else f"SUMMARIES DIFFER: {problems[:3]}")

            fresh = [
                roster.Candidate(n + 2, f"fresh.person{n}@new.example", f"Fresh Person {n}") for n in range(len(rows))
            ]
            cohort = db.session.get(Cohort, 1)
            manager = db.session.get(User, manager_id)

            def invite_everyone() -> None:
                with app.test_request_context():
                    service.add_members(manager, cohort, fresh, expires_days=14)
                    db.session.flush()

            queries["n"] = 0
            seconds = timed(invite_everyone)
            db.session.rollback()
            print(
                f"{f'{len(fresh):,} new addresses, with their outbox rows':<44} {seconds:6.2f} s  "
                f"{len(fresh) / seconds:8,.0f} rows/s  ({queries['n']} queries)"
            )

    smtp.terminate()
    smtp.wait()


if __name__ == "__main__":
    main()

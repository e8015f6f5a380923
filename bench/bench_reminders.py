"""Time ``reminders.queue_due`` for an organisation of 50,000 people.

Builds one organisation of 50,000 learners (a tenth in Welsh, a few who opted out or were switched off)
and 20 managers (half asked for the weekly digest), 100 cohorts of 500 with 3 to 6 of 8 modules each,
due dates spread from 60 days ago to 60 days ahead (so thousands are due within a week and tens of
thousands are overdue), completions for most overdue work and some upcoming work, each with a
certificate valid for a year from a completion date spread over the last 400 days (so some expire within
the 30 days' notice and some have expired: renewal due). The summaries are rebuilt once, set-based.

Then, at a fixed Monday morning, times:

* the first run, which queues everything due (as after installing, or a long outage);
* a second run at the same moment, which queues nothing new (every dedupe key exists);
* a run the next day (the hourly job's usual day: the next thresholds and nothing else).

with the rows queued per kind and the statements each run took (which do not depend on the people).
Rows are written with bulk inserts; ``--people`` scales it.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta

from common import timed

START = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 3, 15, 7, 7, tzinfo=UTC)  # a Monday, at the hourly job's minute
TODAY = NOW.date()
MODULES = 8
COHORT_SIZE = 500
MANAGERS = 20
CHUNK = 20_000


class Writer:
    """Buffers rows per table and writes them in large executemany batches."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.buffers: dict[object, list[dict]] = {}

    def add(self, table, row: dict) -> None:
        buffer = self.buffers.setdefault(table, [])
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table, rows in list(self.buffers.items()):
            if rows:
                self.connection.execute(table.insert(), rows)
                self.buffers[table] = []


def generate(db, people: int, seed: int = 15) -> dict[str, int]:
    """Fill an empty database; returns counts of what was written."""
    from literacy.models import (
        Certificate,
        Cohort,
        CohortAssignment,
        CohortMember,
        Membership,
        Module,
        ModuleCompletion,
        ModuleVersion,
        Organisation,
        User,
    )

    rng = random.Random(seed)
    t = {
        model: model.__table__
        for model in (
            Organisation,
            User,
            Membership,
            Module,
            ModuleVersion,
            Cohort,
            CohortMember,
            CohortAssignment,
            ModuleCompletion,
            Certificate,
        )
    }
    counts = {"completions": 0, "expiring": 0, "expired": 0}
    with db.engine.begin() as connection:
        out = Writer(connection)
        out.add(t[Organisation], {"id": 1, "slug": "bench", "name": "Bench organisation", "created_at": START})
        for number in range(1, MODULES + 1):
            out.add(
                t[Module],
                {
                    "id": number,
                    "slug": f"module-{number}",
                    "origin": "files",
                    "status": "published",
                    "created_at": START,
                },
            )
        out.flush()
        for number in range(1, MODULES + 1):
            out.add(
                t[ModuleVersion],
                {
                    "id": number,
                    "module_id": number,
                    "number": 1,
                    "edition": 1,
                    "content_hash": str(number),
                    "language": "en",
                    "languages": ["en", "cy"],
                    "texts": {"en": {"title": f"Module {number}"}, "cy": {"title": f"Modiwl {number}"}},
                    "level": "introductory",
                    "minutes": 40,
                    "pass_mark": 70,
                    "valid_for": "P12M",
                    "source": {},
                    "published_at": START,
                },
            )
        out.flush()
        connection.execute(t[Module].update().values(current_version_id=t[Module].c.id))
        total = people + MANAGERS
        for user_id in range(1, total + 1):
            manager = user_id > people
            out.add(
                t[User],
                {
                    "id": user_id,
                    "email": f"person{user_id}@bench.example",
                    "name": f"Person {user_id:06d}",
                    "is_site_admin": False,
                    "is_enabled": user_id % 97 != 0,
                    "locale": "cy" if user_id % 10 == 0 else None,
                    "created_at": START,
                    "notify_reminders": user_id % 53 != 0,
                    "notify_renewals": True,
                    "notify_digest": manager and user_id % 2 == 0,
                },
            )
        out.flush()
        for user_id in range(1, total + 1):
            role = ("org_admin" if user_id == total else "manager") if user_id > people else "learner"
            out.add(t[Membership], {"user_id": user_id, "organisation_id": 1, "role": role, "created_at": START})
        out.flush()
        cohorts = max(1, people // COHORT_SIZE)
        completion_id = 0
        for cohort in range(1, cohorts + 1):
            out.add(
                t[Cohort],
                {
                    "id": cohort,
                    "organisation_id": 1,
                    "name": f"Cohort {cohort:03d}",
                    "description": "",
                    "renewal_days": 30,
                    "created_at": START,
                },
            )
            out.flush()
            modules = rng.sample(range(1, MODULES + 1), rng.randint(3, 6))
            due = {module: TODAY + timedelta(days=rng.randint(-60, 60)) for module in modules}
            for module in modules:
                out.add(
                    t[CohortAssignment],
                    {"cohort_id": cohort, "module_id": module, "due_on": due[module], "assigned_at": START},
                )
            first = (cohort - 1) * people // cohorts + 1
            last = cohort * people // cohorts
            for user_id in range(first, last + 1):
                out.add(
                    t[CohortMember],
                    {
                        "cohort_id": cohort,
                        "user_id": user_id,
                        "added_at": START,
                        "removed_at": NOW - timedelta(days=3) if user_id % 61 == 0 else None,
                    },
                )
                for module in modules:
                    done = rng.random() < (0.7 if due[module] < TODAY else 0.3)
                    if not done:
                        continue
                    completion_id += 1
                    completed = NOW - timedelta(days=rng.uniform(1, 400))
                    valid_until = completed + timedelta(days=365)
                    counts["completions"] += 1
                    counts["expired"] += valid_until <= NOW
                    counts["expiring"] += NOW < valid_until <= NOW + timedelta(days=30)
                    out.add(
                        t[ModuleCompletion],
                        {
                            "id": completion_id,
                            "user_id": user_id,
                            "module_id": module,
                            "version_id": module,
                            "edition": 1,
                            "language": "en",
                            "completed_at": completed,
                            "percent": 90,
                            "renewal": 0,
                        },
                    )
                    out.add(
                        t[Certificate],
                        {
                            "code": f"bench{completion_id:08d}",
                            "completion_id": completion_id,
                            "issued_at": completed,
                            "valid_until": valid_until,
                        },
                    )
        out.flush()
    counts["cohorts"] = cohorts
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from sqlalchemy import event, func, select, text

    from literacy import create_app, summaries
    from literacy.extensions import db
    from literacy.models import OutboxMessage
    from literacy.notifications import reminders

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            counts = generate(db, args.people)
            print(
                f"{args.people:,} people in {counts['cohorts']} cohorts; {counts['completions']:,} completions, "
                f"{counts['expiring']:,} certificates expiring within 30 days, {counts['expired']:,} expired; "
                f"database {db.engine.url.drivername}; generated in {time.perf_counter() - started:.0f} s"
            )
            started = time.perf_counter()
            summaries.rebuild()
            db.session.commit()
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            print(f"summaries rebuilt in {time.perf_counter() - started:.1f} s")
            db.session.remove()

            statements = {"n": 0}

            def count(*_args) -> None:
                statements["n"] += 1

            event.listen(db.engine, "before_cursor_execute", count)

            def run(label: str, now: datetime) -> None:
                statements["n"] = 0
                result: dict[str, int] = {}
                seconds = timed(lambda: result.update(reminders.queue_due(now)))
                queued = ", ".join(f"{kind} {number:,}" for kind, number in result.items())
                print(f"{label:<36} {seconds:6.2f} s  {statements['n']} statements  queued: {queued}")
                db.session.remove()

            run("first run (everything due)", NOW)
            run("second run, same moment", NOW)
            run("next day", NOW + timedelta(days=1))
            run("next day again", NOW + timedelta(days=1))
            event.remove(db.engine, "before_cursor_execute", count)
            total = db.session.scalar(select(func.count()).select_from(OutboxMessage))
            keys = db.session.scalar(select(func.count(func.distinct(OutboxMessage.dedupe_key))))
            print(f"outbox rows {total:,}, distinct keys {keys:,}")
            assert total == keys


if __name__ == "__main__":
    main()


__all__ = ["generate", "main"]

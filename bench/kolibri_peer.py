"""Kolibri's coach class summary, measured as the peer of our cohort dashboard (issue 16).

Kolibri (Learning Equality's LMS, Django) is installed from PyPI into a virtual environment of its own,
outside this repository (see bench/README.md); nothing of it is committed. Given that environment's python
(``--kolibri /tmp/kolibri-venv/bin/python`` or ``KOLIBRI_PYTHON``), this script

1. provisions a device in a fresh ``KOLIBRI_HOME`` under /tmp (SQLite, Kolibri's default, or with
   ``--database`` a PostgreSQL database through Kolibri's own ``postgres`` engine), non-interactively, with
   the statistics ping, zeroconf and every outside URL turned off;
2. builds, through Kolibri's own Django ORM in a ``kolibri manage shell`` (bulk inserts, never one HTTP call
   per row), a facility with a classroom of 5,000 learners and one of 500, a coach of both, a small offline
   channel (ContentNode/ChannelMetadata rows made here: no channel can be imported without a network), six
   lessons and six quizzes assigned to each class, and progress shaped like ``dashboards.py``'s: content
   session and summary logs, mastery and attempt logs, and the coach notifications Kolibri writes as learners
   go along;
3. starts Kolibri's server on a loopback port, signs in as the coach through the session API and times
   ``GET /coach/api/classsummary/<classroom>/`` (the coach's class summary) — median and p95 over
   ``--requests``, the JSON's size and KiB/ms — for both classes, then stops the server.

The data are cached: ``--reuse`` measures what an earlier run built in ``--home`` (same sizes and seed);
``--build-only`` builds and times nothing, so the timed part can then run alone under
``flock /tmp/bench.lock``. ``dashboards.py --kolibri PYTHON`` calls :func:`measure` in its own run.

The same file is also run inside Kolibri's Django shell (``run_name == "__kolibri_build__"``), where
:func:`_build` writes the rows; at the top it imports nothing but the standard library for that reason.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HOME = "/tmp/kolibri-bench/home"  # noqa: S108 - a benchmark's scratch data, rebuilt at will
CLASSES = (5_000, 500)
SEED = 7
MODULES = 8  # as dashboards.py: 8 modules in the channel, 6 of them assigned to each class
ASSIGNED = 6
LESSON_PAGES = 5
PRECHECK_QUESTIONS = 5
ASSESSMENT_QUESTIONS = 10
COACH = "coach"
COACH_PASSWORD = "benchmark password"
MARKER = "bench-peer.json"  # written into KOLIBRI_HOME once the data are complete


# ---------------------------------------------------------------------------------------------------------
# The driver (any Python 3.11): provisions, builds, serves and times.


def kolibri_env(home: str, port: int | None = None) -> dict[str, str]:
    """The environment every Kolibri command runs in: its own home, loopback only, nothing phoning home."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOLIBRI_")}
    env.update(
        {
            "KOLIBRI_HOME": home,
            "KOLIBRI_LISTEN_ADDRESS": "127.0.0.1",
            "KOLIBRI_DISABLE_PING": "1",  # the statistics pingback, and with it the update check
            "KOLIBRI_ZEROCONF_ENABLED": "0",  # no multicast discovery of other devices
            "KOLIBRI_CENTRAL_CONTENT_BASE_URL": "http://127.0.0.1:9",  # Studio: nothing is imported
            "KOLIBRI_DATA_PORTAL_SYNCING_BASE_URL": "http://127.0.0.1:9",  # the data portal: nothing syncs
            "KOLIBRI_CHERRYPY_THREAD_POOL": "4",
        }
    )
    if port:
        env["KOLIBRI_HTTP_PORT"] = str(port)
    return env


def _kolibri(python: str, home: str, *args: str, log: Path, extra: dict[str, str] | None = None) -> None:
    env = kolibri_env(home) | (extra or {})
    with log.open("a") as out:
        out.write(f"\n$ kolibri {' '.join(args)}\n")
        out.flush()
        command = [python, "-m", "kolibri", *args]
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603 - fixed arguments
    if done.returncode:
        raise SystemExit(f"kolibri {args[0]} {args[1] if len(args) > 1 else ''} failed: see {log}")


def _wanted(classes: tuple[int, ...], seed: int, database: str | None = None) -> dict:
    wanted = {"classes": list(classes), "seed": seed, "modules": MODULES, "assigned": ASSIGNED}
    if database:
        wanted["database"] = database
    return wanted


def _use_postgresql(python: str, home: str, database: str) -> None:
    """Point the new home's options.ini at an (emptied) PostgreSQL database: Kolibri's ``postgres`` engine,
    which needs psycopg2 in Kolibri's venv (``pip install psycopg2-binary``)."""
    url = urllib.parse.urlsplit(database)
    name = url.path.lstrip("/")
    options = {
        "DATABASE_ENGINE": "postgres",
        "DATABASE_NAME": name,
        "DATABASE_USER": url.username or "",
        "DATABASE_PASSWORD": url.password or "",
        "DATABASE_HOST": url.hostname or "",
        "DATABASE_PORT": str(url.port or ""),
    }
    (Path(home) / "options.ini").write_text(
        "[Database]\n" + "".join(f"{key} = {value}\n" for key, value in options.items())
    )
    reset = (
        "import psycopg2, sys; c = psycopg2.connect(dbname=sys.argv[1], user=sys.argv[2], password=sys.argv[3], "
        "host=sys.argv[4], port=sys.argv[5] or None); c.autocommit = True; "
        "c.cursor().execute('DROP SCHEMA public CASCADE; CREATE SCHEMA public')"
    )
    arguments = [name, options["DATABASE_USER"], options["DATABASE_PASSWORD"], options["DATABASE_HOST"]]
    subprocess.run([python, "-c", reset, *arguments, options["DATABASE_PORT"]], check=True)  # noqa: S603


def engine(built: dict) -> str:
    return "PostgreSQL" if built["wanted"].get("database") else "SQLite"


def build(
    python: str,
    home: str,
    classes: tuple[int, ...] = CLASSES,
    seed: int = SEED,
    reuse: bool = False,
    database: str | None = None,
) -> dict:
    """The facility described by the marker in ``home``, building it first unless ``reuse`` finds it.

    ``database``: a PostgreSQL URL for Kolibri's data (emptied first), instead of SQLite files in ``home``.
    """
    marker = Path(home) / MARKER
    if reuse and marker.exists():
        built = json.loads(marker.read_text())
        if built["wanted"] == _wanted(classes, seed, database):
            print(f"Kolibri {built['version']}: reusing the data built in {home}", flush=True)
            return built
        print(f"{marker} was built for {built['wanted']}: building again", flush=True)
    if Path(home).exists():
        shutil.rmtree(home)
    Path(home).mkdir(parents=True)
    if database:
        _use_postgresql(python, home, database)
    log = Path(home) / "bench-peer.log"
    started = time.perf_counter()
    _kolibri(
        python,
        home,
        "manage",
        "provisiondevice",
        "--facility",
        "Bench facility",
        "--superusername",
        "benchadmin",
        "--superuserpassword",
        COACH_PASSWORD,
        "--preset",
        "formal",
        "--language_id",
        "en",
        "--noinput",
        log=log,
    )
    print(f"Kolibri device provisioned in {time.perf_counter() - started:.0f} s", flush=True)
    out = Path(home) / "bench-peer-built.json"
    spec = _wanted(classes, seed) | {"out": str(out), "coach": COACH, "password": COACH_PASSWORD}
    started = time.perf_counter()
    code = f"import runpy; runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__kolibri_build__')"
    _kolibri(
        python,
        home,
        "manage",
        "--skip-update",
        "shell",
        "--command",
        code,
        log=log,
        extra={"KOLIBRI_PEER_SPEC": json.dumps(spec)},
    )
    built = json.loads(out.read_text()) | {"wanted": _wanted(classes, seed, database)}
    built["build_seconds"] = round(time.perf_counter() - started)
    marker.write_text(json.dumps(built, indent=1))
    print(
        f"Kolibri {built['version']}: built in {built['build_seconds']} s: "
        + ", ".join(f"{name} {count:,}" for name, count in built["rows"].items()),
        flush=True,
    )
    return built


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``kolibri start --foreground`` on a loopback port, stopped (its process group) on exit."""

    def __init__(self, python: str, home: str) -> None:
        self.python, self.home = python, home
        self.port, self.zip_port = _free_port(), _free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        log = (Path(self.home) / "bench-peer-server.log").open("a")
        self.process = subprocess.Popen(  # noqa: S603 - Kolibri's own server, fixed arguments
            [
                self.python,
                "-m",
                "kolibri",
                "start",
                "--foreground",
                "--skip-update",
                "--port",
                str(self.port),
                "--zip-port",
                str(self.zip_port),
            ],
            env=kolibri_env(self.home, self.port),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"Kolibri's server stopped at start: see {log.name}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/public/info/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self.__exit__()
        raise SystemExit("Kolibri's server did not answer within 180 s")

    def __exit__(self, *_exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def measure(
    python: str, home: str = HOME, requests: int = 10, reuse: bool = True, classes=CLASSES, database: str | None = None
) -> dict:
    """Build (or reuse) the facility, then time the coach's class summary of each class over HTTP.

    Returns ``{"version", "engine", "classes": [{"learners", "median_ms", "p95_ms", "bytes", "kib_per_ms",
    "entries"}, ...]}``, biggest class first.
    """
    built = build(python, home, tuple(classes), reuse=reuse, database=database)
    results = []
    with Server(python, home) as server:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        body = json.dumps({"username": COACH, "password": COACH_PASSWORD, "facility": built["facility"]}).encode()
        sign_in = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            f"{server.base}/api/auth/session/",
            data=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        with opener.open(sign_in, timeout=60) as answer:
            session = json.loads(answer.read())
        assert session.get("username") == COACH, session
        for classroom in built["classrooms"]:
            url = f"{server.base}/coach/api/classsummary/{classroom['id']}/"

            def fetch(url: str = url) -> bytes:
                request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
                with opener.open(request, timeout=600) as answer:
                    assert answer.status == 200, answer.status
                    return answer.read()

            data = fetch()  # warm up: the first request after start loads code and fills Kolibri's caches
            summary = json.loads(data)
            assert len(summary["learners"]) == classroom["learners"], (len(summary["learners"]), classroom)
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                fetch()
                times.append(time.perf_counter() - started)
            median, p95 = _percentiles(times)
            results.append(
                {
                    "learners": classroom["learners"],
                    "median_ms": median,
                    "p95_ms": p95,
                    "requests": requests,
                    "bytes": len(data),
                    "kib_per_ms": len(data) / 1024 / median,
                    "entries": {
                        key: len(summary[key])
                        for key in ("lessons", "exams", "content", "content_learner_status", "exam_learner_status")
                    },
                }
            )
    return {"version": built["version"], "engine": engine(built), "rows": built["rows"], "classes": results}


def report(peer: dict) -> None:
    print(f"Kolibri {peer['version']} on {peer['engine']}, coach class summary over HTTP (loopback, CherryPy):")
    for each in peer["classes"]:
        entries = each["entries"]
        print(
            f"  {'classsummary, ' + format(each['learners'], ',') + ' learners':<46} median {each['median_ms']:8.1f} ms"
            f"   p95 {each['p95_ms']:8.1f} ms   (n={each['requests']}, {each['bytes'] / 1024:,.0f} KiB JSON, "
            f"{each['kib_per_ms']:.1f} KiB/ms; {entries['content_learner_status']:,} content and "
            f"{entries['exam_learner_status']:,} quiz statuses)"
        )
    big, small = peer["classes"][0], peer["classes"][-1]
    if big is not small:
        print(
            f"  growth {small['learners']:,} -> {big['learners']:,} learners: "
            f"{big['median_ms'] / small['median_ms']:.1f}x"
        )


def breakdown(python: str, home: str = HOME, requests: int = 5, classes=CLASSES, database: str | None = None) -> dict:
    """Where Kolibri's time goes: the view called in process (no HTTP, as ours is timed through the WSGI app),
    its JSON rendering apart, its SQL statements counted, and one profiled request's share inside SQLite."""
    built = build(python, home, tuple(classes), reuse=True, database=database)
    out = Path(home) / "bench-peer-breakdown.json"
    spec = {"out": str(out), "coach": COACH, "classrooms": built["classrooms"], "requests": requests}
    code = f"import runpy; runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__kolibri_breakdown__')"
    log = Path(home) / "bench-peer.log"
    extra = {"KOLIBRI_PEER_SPEC": json.dumps(spec)}
    _kolibri(python, home, "manage", "--skip-update", "shell", "--command", code, log=log, extra=extra)
    found = json.loads(out.read_text())
    print(f"Kolibri {built['version']}: the class summary in process (Django view + DRF's JSON rendering):")
    for each in found:
        print(
            f"  {each['learners']:>6,} learners: median {each['total_ms']:8.1f} ms (view {each['view_ms']:.1f}, "
            f"JSON rendering {each['render_ms']:.1f}; n={requests}); {each['queries']} SQL statements; "
            f"profiled: {each['driver_share']:.0%} of the time inside the database driver ({engine(built)})"
        )
    return {"version": built["version"], "classes": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kolibri", default=os.environ.get("KOLIBRI_PYTHON"), help="Kolibri's venv python")
    parser.add_argument("--home", default=HOME, help="KOLIBRI_HOME for the peer (deleted and rebuilt unless reused)")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument(
        "--database",
        help="a PostgreSQL URL for Kolibri's data (emptied when built; psycopg2-binary in Kolibri's venv); "
        "default SQLite in --home",
    )
    parser.add_argument("--reuse", action="store_true", help="measure the data an earlier run built in --home")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the data and time nothing")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the view in process: view, JSON rendering, SQL share"
    )
    parser.add_argument(
        "--classes", default=",".join(map(str, CLASSES)), help="learners per class, biggest first (5000,500)"
    )
    args = parser.parse_args()
    if not args.kolibri:
        parser.error("give Kolibri's python with --kolibri or KOLIBRI_PYTHON")
    classes = tuple(int(each) for each in args.classes.split(","))
    if args.build_only:
        build(args.kolibri, args.home, classes, reuse=args.reuse, database=args.database)
        return
    report(measure(args.kolibri, args.home, args.requests, args.reuse, classes, args.database))
    if args.breakdown:
        breakdown(args.kolibri, args.home, min(args.requests, 5), classes, args.database)


# ---------------------------------------------------------------------------------------------------------
# The builder: runs inside ``kolibri manage shell`` (Kolibri's python, Django set up).


def _build(spec: dict) -> None:  # noqa: C901 - one pass that writes every table, parents first
    from datetime import UTC, datetime, timedelta

    import kolibri
    from django.contrib.auth.hashers import make_password
    from django.db import connections, transaction
    from kolibri.core.auth.constants import role_kinds
    from kolibri.core.auth.models import Classroom, Facility, FacilityUser, Membership, Role
    from kolibri.core.content.models import ChannelMetadata, ContentNode
    from kolibri.core.exams.models import Exam, ExamAssignment
    from kolibri.core.lessons.models import Lesson, LessonAssignment
    from kolibri.core.logger.models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog
    from kolibri.core.notifications.models import (
        LearnerProgressNotification,
        NotificationEventType,
        NotificationObjectType,
    )
    from morango.sync.backends.utils import calculate_max_sqlite_variables

    rng = random.Random(spec["seed"])
    start = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    facility = Facility.get_default_facility()
    dataset_id = facility.dataset_id
    counts: dict[str, int] = {}

    def syncable(obj):
        """What Kolibri's own bulk paths do before bulk_create: dataset, morango partition and id."""
        obj.dataset_id = dataset_id
        obj.id = obj.calculate_uuid()
        obj._morango_dirty_bit = True
        return obj

    def insert(model, rows: list) -> None:
        if not rows:
            return
        database = model.objects.db
        if connections[database].vendor == "sqlite":
            batch = max(1, min(calculate_max_sqlite_variables() // len(model._meta.fields), 2_000))
        else:
            batch = 2_000
        model.objects.bulk_create(rows, batch_size=batch)
        counts[model.__name__] = counts.get(model.__name__, 0) + len(rows)
        rows.clear()

    def uuid(rand=rng) -> str:
        return f"{rand.getrandbits(128):032x}"

    # An offline channel: a topic per module with its five lesson pages (HTML5 apps), a 5-question pre-check
    # exercise and the 10-question exercise the module's quiz draws from.
    channel_id = uuid()
    root = ContentNode.objects.create(
        id=uuid(), title="Bench channel", kind="topic", channel_id=channel_id, content_id=uuid(), available=True
    )
    ChannelMetadata.objects.create(
        id=channel_id, name="Bench channel", root=root, min_schema_version="1", version=1, last_updated=start
    )
    modules = []
    for number in range(1, spec["modules"] + 1):
        topic = ContentNode.objects.create(
            id=uuid(),
            parent=root,
            title=f"Module {number}",
            kind="topic",
            channel_id=channel_id,
            content_id=uuid(),
            available=True,
        )

        def node(title: str, kind: str, items: int = 0, parent=topic, number=number):
            options = (
                {"completion_criteria": {"model": "mastery", "threshold": {"m": items, "n": items}}} if items else {}
            )
            made = ContentNode.objects.create(
                id=uuid(),
                parent=parent,
                title=f"Module {number}: {title}",
                kind=kind,
                channel_id=channel_id,
                content_id=uuid(),
                available=True,
                options=options,
            )
            made.items = [uuid() for _ in range(items)]
            return made

        pages = [node(f"lesson {page}", "html5") for page in range(1, LESSON_PAGES + 1)]
        modules.append(
            {
                "pages": pages,
                "precheck": node("pre-check", "exercise", PRECHECK_QUESTIONS),
                "assessment": node("assessment", "exercise", ASSESSMENT_QUESTIONS),
            }
        )
    ContentNode.objects.rebuild()  # MPTT fields consistent after the inserts

    password = make_password(spec["password"])
    learner_password = make_password("learner password")  # one hash shared: 5,500 hashes would take minutes
    coach = syncable(
        FacilityUser(username=spec["coach"], full_name="Bench Coach", facility=facility, password=password)
    )
    insert(FacilityUser, [coach])
    facility.add_role(coach, role_kinds.ASSIGNABLE_COACH)

    users, memberships, roles = [], [], []
    sessions, summaries, masteries, attempts, notes = [], [], [], [], []
    classrooms = []
    serial = 0

    def flush() -> None:
        # parents first: users and memberships, then summary logs, sessions, mastery logs, attempts
        for model, rows in (
            (FacilityUser, users),
            (Membership, memberships),
            (Role, roles),
            (ContentSummaryLog, summaries),
            (ContentSessionLog, sessions),
            (MasteryLog, masteries),
            (AttemptLog, attempts),
            (LearnerProgressNotification, notes),
        ):
            insert(model, rows)

    def log(user, content_id, kind, begun, minutes, progress, channel=channel_id):
        ended = begun + timedelta(minutes=minutes)
        done = progress >= 1
        summary = syncable(
            ContentSummaryLog(
                user_id=user.id,
                content_id=content_id,
                channel_id=channel,
                kind=kind,
                start_timestamp=begun,
                end_timestamp=ended,
                completion_timestamp=ended if done else None,
                time_spent=minutes * 60 * rng.uniform(0.5, 1),
                progress=min(progress, 1.0),
            )
        )
        session = syncable(
            ContentSessionLog(
                user_id=user.id,
                content_id=content_id,
                channel_id=channel,
                kind=kind,
                start_timestamp=begun,
                end_timestamp=ended,
                time_spent=summary.time_spent,
                progress=min(progress, 1.0),
            )
        )
        summaries.append(summary)
        sessions.append(session)
        return summary, session

    def answers(user, summary, session, level, criterion, item_prefix, items, right, begun):
        mastery = syncable(
            MasteryLog(
                user_id=user.id,
                summarylog_id=summary.id,
                mastery_criterion=criterion,
                start_timestamp=begun,
                end_timestamp=begun + timedelta(minutes=12),
                completion_timestamp=begun + timedelta(minutes=12),
                mastery_level=level,
                complete=True,
                time_spent=600.0,
            )
        )
        masteries.append(mastery)
        for index, (item, correct) in enumerate(zip(items, right, strict=True)):
            moment = begun + timedelta(minutes=index + 1)
            attempts.append(
                syncable(
                    AttemptLog(
                        user_id=user.id,
                        masterylog_id=mastery.id,
                        sessionlog_id=session.id,
                        item=item_prefix + item,
                        start_timestamp=moment,
                        end_timestamp=moment + timedelta(seconds=50),
                        completion_timestamp=moment + timedelta(seconds=50),
                        time_spent=50.0,
                        complete=True,
                        correct=1.0 if correct else 0.0,
                        hinted=False,
                        answer={"question": item, "answer": "a" if correct else "b"},
                        simple_answer="a" if correct else "b",
                        interaction_history=[{"type": "answer", "correct": int(correct)}],
                    )
                )
            )

    def note(user, classroom, lesson, node, obj, event, moment, **extra):
        notes.append(
            LearnerProgressNotification(
                user_id=user.id,
                classroom_id=classroom.id,
                assignment_collections=[classroom.id],
                lesson_id=lesson.id if lesson else None,
                contentnode_id=node.id if node else None,
                notification_object=obj,
                notification_event=event,
                timestamp=moment,
                **extra,
            )
        )

    for index, size in enumerate(spec["classes"], start=1):
        classroom = Classroom.objects.create(parent=facility, name=f"Class {index:02d} ({size:,} learners)")
        classroom.add_coach(coach)
        chosen = [(index + offset) % spec["modules"] for offset in range(spec["assigned"])]
        lessons, quizzes = [], []
        for position, number in enumerate(chosen):
            module = modules[number]
            resources = module["pages"] + [module["precheck"]]
            lesson = Lesson.objects.create(
                title=f"Module {number + 1}",
                resources=[
                    {"contentnode_id": each.id, "content_id": each.content_id, "channel_id": channel_id}
                    for each in resources
                ],
                is_active=True,
                collection=classroom,
                created_by=coach,
                date_created=start,
            )
            LessonAssignment.objects.create(lesson=lesson, collection=classroom, assigned_by=coach)
            exercise = module["assessment"]
            quiz = Exam.objects.create(
                title=f"Module {number + 1} assessment",
                question_count=len(exercise.items),
                question_sources=[
                    {
                        "section_id": uuid(),
                        "section_title": "",
                        "description": "",
                        "learners_see_fixed_order": False,
                        "questions": [
                            {
                                "exercise_id": exercise.id,
                                "question_id": item,
                                "title": exercise.title,
                                "counter_in_exercise": counter + 1,
                            }
                            for counter, item in enumerate(exercise.items)
                        ],
                    }
                ],
                active=True,
                collection=classroom,
                creator=coach,
                data_model_version=3,
                date_activated=start,
            )
            ExamAssignment.objects.create(exam=quiz, collection=classroom, assigned_by=coach)
            lessons.append((lesson, module))
            quizzes.append((quiz, exercise, position))
        for _ in range(size):
            serial += 1
            user = syncable(
                FacilityUser(
                    username=f"learner{serial:05d}",
                    full_name=f"Learner {serial:05d}",
                    facility=facility,
                    password=learner_password,
                    date_joined=start,
                )
            )
            users.append(user)
            memberships.append(syncable(Membership(user_id=user.id, collection_id=classroom.id)))
            ability = rng.betavariate(5, 2)
            for (lesson, module), (quiz, exercise, _position) in zip(lessons, quizzes, strict=True):
                roll = rng.random()
                if roll < 0.15:
                    continue  # not started
                moment = start + timedelta(days=rng.randint(0, 80), minutes=rng.randint(0, 600))
                opened = rng.randint(1, LESSON_PAGES - 1) if roll < 0.35 else LESSON_PAGES
                for page in module["pages"][:opened]:
                    log(user, page.content_id, "html5", moment, 8, 1.0)
                    note(user, classroom, lesson, page, NotificationObjectType.Resource, "Started", moment)
                    note(
                        user,
                        classroom,
                        lesson,
                        page,
                        NotificationObjectType.Resource,
                        NotificationEventType.Completed,
                        moment + timedelta(minutes=8),
                    )
                if roll < 0.35:
                    continue  # in progress
                if rng.random() < 0.4:  # the pre-check, a practice exercise inside the lesson
                    precheck = module["precheck"]
                    right = [rng.random() < ability * 0.6 for _ in precheck.items]
                    summary, session = log(user, precheck.content_id, "exercise", moment, 12, 1.0)
                    criterion = {"type": "m_of_n", "m": len(right), "n": len(right)}
                    answers(user, summary, session, 1, criterion, "", precheck.items, right, moment)
                    if sum(right) < len(right) / 2:
                        note(
                            user,
                            classroom,
                            lesson,
                            precheck,
                            NotificationObjectType.Help,
                            NotificationEventType.Help,
                            moment + timedelta(minutes=12),
                            reason="MultipleUnsuccessfulAttempts",
                        )
                # the module's quiz, assigned by the coach: one submitted try of ten questions
                quiz_at = moment + timedelta(hours=1)
                right = [rng.random() < ability + 0.05 * (q % 3) for q in range(len(exercise.items))]
                summary, session = log(user, quiz.id, "quiz", quiz_at, 12, 1.0, channel=None)
                criterion = {"type": "quiz", "coach_assigned": True}
                level = -rng.randint(1, 2**31 - 1)
                answers(
                    user, summary, session, level, criterion, f"{exercise.content_id}:", exercise.items, right, quiz_at
                )
                note(user, classroom, None, None, NotificationObjectType.Quiz, "Started", quiz_at, quiz_id=quiz.id)
                note(
                    user,
                    classroom,
                    None,
                    None,
                    NotificationObjectType.Quiz,
                    NotificationEventType.Completed,
                    quiz_at + timedelta(minutes=12),
                    quiz_id=quiz.id,
                    quiz_num_correct=sum(right),
                    quiz_num_answered=len(right),
                )
            if len(attempts) > 20_000:
                with transaction.atomic():
                    flush()
        with transaction.atomic():
            flush()
        classrooms.append({"id": classroom.id, "name": classroom.name, "learners": size})
    for database in connections:
        vendor = connections[database].vendor
        if vendor in ("sqlite", "postgresql"):
            with connections[database].cursor() as cursor:
                cursor.execute("ANALYZE" if vendor == "sqlite" else "VACUUM ANALYZE")
    Path(spec["out"]).write_text(
        json.dumps(
            {
                "version": kolibri.__version__,
                "facility": facility.id,
                "classrooms": classrooms,
                "rows": counts,
            }
        )
    )


def _breakdown(spec: dict) -> None:
    import cProfile
    import pstats

    from django.db import connections
    from kolibri.core.auth.models import FacilityUser
    from kolibri.plugins.coach.class_summary_api import ClassSummaryViewSet
    from rest_framework.test import APIRequestFactory, force_authenticate

    view = ClassSummaryViewSet.as_view({"get": "retrieve"})
    coach = FacilityUser.objects.get(username=spec["coach"])
    factory = APIRequestFactory()
    statements = {"n": 0}

    def counted(execute, sql, params, many, context):
        statements["n"] += 1
        return execute(sql, params, many, context)

    def once(pk: str) -> tuple[float, float]:
        request = factory.get(f"/coach/api/classsummary/{pk}/", HTTP_ACCEPT="application/json")
        force_authenticate(request, user=coach)
        started = time.perf_counter()
        response = view(request, pk=pk)
        viewed = time.perf_counter()
        response.render()
        assert response.status_code == 200, response.status_code
        return viewed - started, time.perf_counter() - viewed

    found = []
    for classroom in spec["classrooms"]:
        once(classroom["id"])  # warm up
        samples = [once(classroom["id"]) for _ in range(spec["requests"])]
        statements["n"] = 0
        wrappers = [connections[name].execute_wrapper(counted) for name in connections]
        for each in wrappers:
            each.__enter__()
        try:
            once(classroom["id"])
        finally:
            for each in wrappers:
                each.__exit__(None, None, None)
        profile = cProfile.Profile()
        profile.enable()
        once(classroom["id"])
        profile.disable()
        stats = pstats.Stats(profile).stats
        total = sum(entry[2] for entry in stats.values())
        inside = sum(entry[2] for key, entry in stats.items() if "sqlite3.Cursor" in key[2] or "psycopg2" in key[2])
        found.append(
            {
                "learners": classroom["learners"],
                "total_ms": statistics.median(view + render for view, render in samples) * 1000,
                "view_ms": statistics.median(view for view, _ in samples) * 1000,
                "render_ms": statistics.median(render for _, render in samples) * 1000,
                "queries": statements["n"],
                "driver_share": inside / total if total else 0.0,
            }
        )
    Path(spec["out"]).write_text(json.dumps(found))


if __name__ == "__kolibri_breakdown__":
    _breakdown(json.loads(os.environ["KOLIBRI_PEER_SPEC"]))
elif __name__ == "__kolibri_build__":
    _build(json.loads(os.environ["KOLIBRI_PEER_SPEC"]))
elif __name__ == "__main__":
    main()

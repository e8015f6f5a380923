"""Two app instances behind nginx on one PostgreSQL database and one Redis: the scale-out claims, checked.

It runs what ``docs/operations.md`` ("Several instances behind nginx") documents, from the same files:
``docs/examples/nginx-literacy.conf`` (only the ports, the host name and the certificate's paths are
replaced; each replaced text must occur exactly once, so the example cannot change without this script
noticing), the ``ExecStart`` lines of ``docs/examples/literacy-web@.service`` and
``literacy-consumer.service`` (the virtualenv's path and ``%i`` replaced), and every setting of
``docs/examples/environment``. On this machine:

- a database it creates (emptied when it exists; its name must contain ``scale_out``), migrated with
  ``flask db upgrade``, the shipped courses published with ``flask courses sync``, and learners in a cohort
  with one module due in 7 days and every lesson of another done, so its assessment is open;
- Redis databases 13 (rate limits) and 14 (the task queue), with names of this run's own (a queue name and
  accounts with a tag), deleted at the end; an SMTP server (aiosmtpd) in this process;
- instance A and instance B: each ``gunicorn -c python:literacy.gunicorn_config --workers 2`` on its own port
  and one Huey consumer; nginx in front on HTTPS (a throw-away self-signed certificate), round robin.

Then it checks, printing PASS or FAIL for each:

1. sessions: a person signed in on A (its own port) is signed in on B, and through nginx on both in turn
   (nginx's log says which instance answered); signing out on B ends the session on A as well;
2. rate limits: failed sign-ins to one account, alternating between A and B, are refused (429) from the
   configured count on, not from twice it;
3. background jobs: password resets asked for on A and B alternately are each delivered once (one SMTP
   message, one attempt in the outbox), and the hourly reminder job and the sweep, queued several times
   at once so both consumers run them together, deliver each due reminder exactly once;
4. one instance killed: learners answer assessment questions through nginx while instance A's gunicorn
   (master and workers) is killed with SIGKILL; every answer a learner was told was saved is in the
   database exactly once with the option and confidence sent, every request that failed succeeded when the
   learner sent it again, every attempt said to be submitted is graded, and after the kill the errors
   stop within a few seconds while the answers go on. The load runs under ``/tmp/bench.lock``.

Exit status 1 when any check fails. Run: ``.venv/bin/python bench/scale_out.py`` (PostgreSQL on 127.0.0.1,
Redis on 127.0.0.1:6379, Debian's nginx-light).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import common  # noqa: F401  (puts the repository on sys.path)
import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLES = REPO / "docs" / "examples"
NGINX_SITE = EXAMPLES / "nginx-literacy.conf"
WEB_UNIT = EXAMPLES / "literacy-web@.service"
CONSUMER_UNIT = EXAMPLES / "literacy-consumer.service"
ENVIRONMENT_FILE = EXAMPLES / "environment"
UNIT_VENV = "/srv/literacy/.venv/bin/"
EXAMPLE_PORTS = (8001, 8002)
EXAMPLE_HOST = "learning.example.gov.uk"
EXAMPLE_CERTIFICATE = f"/etc/ssl/certs/{EXAMPLE_HOST}.pem"
EXAMPLE_KEY = f"/etc/ssl/private/{EXAMPLE_HOST}.key"
#: settings of the example environment file that this machine does without (no SMTP login, no TLS to it)
NOT_NEEDED_HERE = {"LITERACY_MAIL_USERNAME", "LITERACY_MAIL_PASSWORD", "LITERACY_MAIL_USE_TLS"}

PASSWORD = "scale-out password"
QUIZ_MODULE = "ai-basics"  # every lesson done: the learners answer its assessment under load
DUE_MODULE = "managing-bias"  # assigned, due in 7 days: the hourly job queues one reminder per member
SIGN_IN_LIMIT = 4
LOCK = "/tmp/bench.lock"  # noqa: S108 - the lock every benchmark script on this machine takes
TIMEOUT = 30

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE_RE = re.compile(r'<input type="(radio|checkbox)" id="answer-\d+" name="answer" value="(\d+)"')


# --- the documented examples, made local ---------------------------------------------------------------


def _replace_once(text: str, replacements: dict[str, str], source: Path) -> str:
    for old, new in replacements.items():
        found = text.count(old)
        if found != 1:
            raise SystemExit(f"{source}: expected {old!r} once, found it {found} times; update bench/scale_out.py")
        text = text.replace(old, new)
    return text


def nginx_site(ports: tuple[int, int], listen: int, certificate: str, key: str) -> str:
    """docs/examples/nginx-literacy.conf with this machine's ports, host and certificate."""
    replacements = {
        f"server 127.0.0.1:{example} ": f"server 127.0.0.1:{port} "
        for example, port in zip(EXAMPLE_PORTS, ports, strict=True)
    }
    replacements.update(
        {
            "listen 443 ssl;": f"listen 127.0.0.1:{listen} ssl;",
            f"server_name {EXAMPLE_HOST};": "server_name 127.0.0.1;",
            EXAMPLE_CERTIFICATE: certificate,
            EXAMPLE_KEY: key,
        }
    )
    return _replace_once(NGINX_SITE.read_text(), replacements, NGINX_SITE)


def nginx_main(folder: Path, site: Path) -> str:
    """The main configuration around the site (what Debian's /etc/nginx/nginx.conf is), in ``folder``;
    its access log says which instance answered each request, and whether nginx tried another."""
    return f"""worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$msec|$request_method|$request_uri|$status|$upstream_addr|$upstream_status';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


def unit_command(unit: Path, instance: str = "") -> list[str]:
    """A systemd unit's ExecStart as a command line, with this virtualenv and the instance (``%i``)."""
    line = next(line for line in unit.read_text().splitlines() if line.startswith("ExecStart="))
    words = [word.replace("%i", instance) for word in shlex.split(line.removeprefix("ExecStart="))]
    if not words[0].startswith(UNIT_VENV):
        raise SystemExit(f"{unit}: ExecStart should run a program from {UNIT_VENV}")
    return [str(BIN / words[0].removeprefix(UNIT_VENV)), *words[1:]]


def unit_environment(unit: Path, instance: str, run: Path) -> dict[str, str]:
    """A unit's ``Environment=`` settings, with ``/run/`` (systemd's RuntimeDirectory) under ``run``; the
    runtime directories are made, empty, as systemd makes them."""
    settings = {}
    for line in unit.read_text().splitlines():
        line = line.replace("%i", instance)
        if line.startswith("RuntimeDirectory="):
            (run / line.removeprefix("RuntimeDirectory=")).mkdir(parents=True, exist_ok=True)
        elif line.startswith("Environment="):
            name, value = line.removeprefix("Environment=").split("=", 1)
            settings[name] = str(run / value.removeprefix("/run/")) if value.startswith("/run/") else value
    return settings


def documented_settings() -> set[str]:
    return {
        line.split("=", 1)[0]
        for line in ENVIRONMENT_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }


# --- the machine's services ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url: str, create: bool = True) -> None:
    """Drop and create (or only drop) the database ``url`` names (from the same server's ``postgres``)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if "scale_out" not in name or not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"--database: the database's name must contain 'scale_out' (it is dropped), not {name!r}")
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {name}")


def forget(url: str, numbers: tuple[int, ...], tag: str) -> None:
    """Delete this run's keys (its queue, its accounts' counts) from the Redis databases it used."""
    import redis

    for number in numbers:
        client = redis.Redis.from_url(f"{url}/{number}")
        for key in client.scan_iter(f"*{tag}*"):
            client.delete(key)


class Inbox:
    """What the SMTP server received: one entry per message and recipient."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (recipient, subject)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email

        subject = str(email.message_from_bytes(envelope.content)["Subject"] or "")
        with self._lock:
            self.received.extend((recipient, subject) for recipient in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def count(self) -> Counter:
        with self._lock:
            return Counter(recipient for recipient, _subject in self.received)


@dataclass
class Instance:
    name: str
    port: int
    web: subprocess.Popen
    consumer: subprocess.Popen
    web_log: Path
    consumer_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(command: list[str], environment: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 - our own programs, from the documented units
            command, cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(url: str, process: subprocess.Popen | None, log: Path, verify: str | bool = True) -> str:
    """Wait until ``url`` answers /readyz (or /healthz, or the home page, where those do not exist yet)."""
    deadline = time.monotonic() + 90
    while True:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{log.name}: stopped with status {process.returncode}:\n{log.read_text()[-3000:]}")
        for path in ("/readyz", "/healthz", "/"):
            try:
                status = requests.get(url + path, timeout=5, verify=verify).status_code
            except requests.RequestException:
                break
            if status == 200:
                return path
            if status != 404:
                break
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer in 90 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def workers(pid: int) -> list[int]:
    """The process ids of a gunicorn master's workers."""
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return [int(word) for word in done.stdout.split()]


def kill_now(process: subprocess.Popen) -> int:
    """SIGKILL a gunicorn master and its workers at once (a machine losing power); returns how many."""
    pids = [process.pid, *workers(process.pid)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
    return len(pids)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def bench_lock(waited: list[float]) -> Iterator[None]:
    """Hold the benchmarks' lock; appends to ``waited`` how long it took to get it."""
    started = time.monotonic()
    with open(LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"  (waiting for {LOCK}: another benchmark is running)", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        waited.append(time.monotonic() - started)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def access_log(path: Path) -> list[tuple[str, str, str, str]]:
    """nginx's log lines as (method, request URI, status, upstream addresses)."""
    lines = []
    for line in path.read_text().splitlines():
        fields = line.split("|")
        if len(fields) == 6:
            lines.append((fields[1], fields[2], fields[3], fields[4]))
    return lines


# --- the data ------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    learners: list[str]  # emails, all members of the cohort
    lessons: list[str]  # QUIZ_MODULE's lesson slugs
    spare: list[str]  # accounts for the session, limit and reset checks (not in the cohort)
    questions: int


def seed(learners: int, spare: int, tag: str) -> Seeded:
    """Learners in a cohort of an organisation, DUE_MODULE due in 7 days, QUIZ_MODULE's lessons done."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from literacy import summaries
    from literacy.extensions import db
    from literacy.models import (
        Cohort,
        CohortAssignment,
        CohortMember,
        Lesson,
        LessonProgress,
        Membership,
        Module,
        ModuleVersion,
        Organisation,
        Question,
        User,
    )

    now = datetime.now(UTC)
    hashed = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")  # quick to check; production uses scrypt
    organisation = Organisation(slug="scale-out", name="Scale-out Council")
    db.session.add(organisation)
    db.session.flush()
    modules = {module.slug: module for module in db.session.scalars(select(Module))}
    quiz_module, due_module = modules[QUIZ_MODULE], modules[DUE_MODULE]
    version = db.session.get(ModuleVersion, quiz_module.current_version_id)
    lessons = db.session.scalars(
        select(Lesson.slug).where(Lesson.version_id == version.id, Lesson.language == version.language)
    ).all()
    questions = len(
        db.session.scalars(
            select(Question.key).where(
                Question.version_id == version.id,
                Question.purpose == "assessment",
                Question.language == version.language,
            )
        ).all()
    )
    cohort = Cohort(organisation_id=organisation.id, name="Scale-out cohort", starts_on=now.date())
    db.session.add(cohort)
    db.session.flush()
    today = datetime.now(ZoneInfo("Europe/London")).date()
    db.session.add(CohortAssignment(cohort_id=cohort.id, module_id=due_module.id, due_on=today + timedelta(days=7)))
    emails = [f"learner{number}-{tag}@scale-out.example" for number in range(1, learners + 1)]
    spares = [f"person{number}-{tag}@scale-out.example" for number in range(1, spare + 1)]
    for email in emails + spares:
        user = User(email=email, name=email.split("@")[0].title(), password_hash=hashed, email_verified_at=now)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="learner"))
        if email in spares:
            continue
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        for lesson in lessons:
            db.session.add(
                LessonProgress(
                    user_id=user.id,
                    module_id=quiz_module.id,
                    lesson_slug=lesson,
                    version_id=version.id,
                    started_at=now - timedelta(hours=2),
                    completed_at=now - timedelta(hours=1),
                )
            )
    db.session.commit()
    summaries.rebuild()
    db.session.commit()
    return Seeded(emails, list(lessons), spares, questions)


# --- a browser -----------------------------------------------------------------------------------------


class Browser:
    """A person's browser: one cookie jar (sent to every port of 127.0.0.1) and one User-Agent."""

    def __init__(self, name: str, verify: str) -> None:
        self.http = requests.Session()
        self.verify = verify  # given with each request: REQUESTS_CA_BUNDLE would win over Session.verify
        self.http.headers["User-Agent"] = f"scale-out/{name}"

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, allow_redirects=False, timeout=TIMEOUT, verify=self.verify)

    def post(self, url: str, data: dict) -> requests.Response:
        return self.http.post(
            url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=TIMEOUT, verify=self.verify
        )

    def token(self, url: str) -> str:
        response = self.get(url)
        match = CSRF_RE.search(response.text)
        if response.status_code != 200 or match is None:
            raise RuntimeError(f"no form at {url}: {response.status_code}")
        return match.group(1)

    def sign_in(self, base: str, email: str, password: str = PASSWORD) -> requests.Response:
        token = self.token(base + "/sign-in")
        return self.post(base + "/sign-in", {"email": email, "password": password, "csrf_token": token})

    def signed_in(self, url: str) -> bool:
        response = self.get(url)
        return response.status_code == 200 and 'action="/sign-out"' in response.text


@dataclass
class Result:
    name: str
    passed: bool
    lines: list[str] = field(default_factory=list)


def report(result: Result) -> Result:
    print(f"{'PASS' if result.passed else 'FAIL'} {result.name}")
    for line in result.lines:
        print(f"     {line}")
    sys.stdout.flush()
    return result


# --- 1. sessions ---------------------------------------------------------------------------------------


def check_sessions(a: Instance, b: Instance, front: str, verify: str, email: str, log: Path) -> Result:
    lines, ok = [], True
    browser = Browser("sessions", verify)
    signed = browser.sign_in(a.url, email)
    ok &= signed.status_code == 302 and "/sign-in" not in signed.headers.get("Location", "")
    on_b = browser.signed_in(b.url + "/my-learning")
    lines.append(
        f"signed in on A (port {a.port}): {signed.status_code}; My learning on B (port {b.port}): "
        f"{'signed in' if on_b else 'NOT signed in'}"
    )
    ok &= on_b
    before = len(access_log(log))
    answers = [browser.signed_in(f"{front}/my-learning?probe={number}") for number in range(6)]
    deadline = time.monotonic() + 5  # nginx writes a request's log line just after its answer
    while True:
        served = [upstream for _m, uri, _s, upstream in access_log(log)[before:] if "probe=" in uri]
        if len(served) >= 6 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    ports = [upstream.rsplit(":", 1)[-1] for upstream in served]
    alternating = len(ports) == 6 and all(first != second for first, second in zip(ports, ports[1:], strict=False))
    lines.append(f"through nginx, 6 requests: {sum(answers)} signed in, answered by ports {' '.join(ports)}")
    ok &= all(answers) and alternating and {str(a.port), str(b.port)} == set(ports)
    hsts = "Strict-Transport-Security" in browser.get(front + "/").headers
    direct = "Strict-Transport-Security" in browser.get(a.url + "/").headers
    lines.append(
        f"HTTPS seen through nginx (X-Forwarded-Proto): HSTS {'sent' if hsts else 'MISSING'}; "
        f"on the plain port: {'sent (wrong)' if direct else 'not sent'}"
    )
    ok &= hsts and not direct
    copy = requests.utils.dict_from_cookiejar(browser.http.cookies)
    token = CSRF_RE.search(browser.get(b.url + "/my-learning").text)
    out = browser.post(b.url + "/sign-out", {"csrf_token": token.group(1) if token else ""})
    other = Browser("sessions", verify)  # the same User-Agent, a copy of the cookie from before signing out
    requests.utils.add_dict_to_cookiejar(other.http.cookies, copy)
    refused = other.get(a.url + "/my-learning")
    ended = refused.status_code == 302 and "/sign-in" in refused.headers.get("Location", "")
    lines.append(
        f"signed out on B ({out.status_code}); the old cookie on A: "
        f"{'sent to sign in' if ended else f'still works ({refused.status_code})'}"
    )
    ok &= out.status_code == 302 and ended
    return Result("1. a session made through one instance works on the other, and ends on both", ok, lines)


# --- 2. rate limits ------------------------------------------------------------------------------------


def check_rate_limit(a: Instance, b: Instance, front: str, verify: str, emails: list[str]) -> Result:
    lines, ok = [], True
    for label, bases, email in (
        ("A, B, A, B, ... (direct ports)", (a.url, b.url), emails[0]),
        ("through nginx", (front,), emails[1]),
    ):
        browser = Browser("limits", verify)
        statuses = []
        for attempt in range(2 * SIGN_IN_LIMIT):
            base = bases[attempt % len(bases)]
            token = browser.token(base + "/sign-in")
            data = {"email": email, "password": "not the password", "csrf_token": token}
            statuses.append(browser.post(base + "/sign-in", data).status_code)
        expected = [200] * SIGN_IN_LIMIT + [429] * SIGN_IN_LIMIT
        lines.append(
            f"{label}: {' '.join(map(str, statuses))} (limit {SIGN_IN_LIMIT}: 429 from attempt {SIGN_IN_LIMIT + 1})"
        )
        ok &= statuses == expected
    return Result(f"2. the sign-in limit ({SIGN_IN_LIMIT} per account) holds across both instances", ok, lines)


# --- 3. background jobs --------------------------------------------------------------------------------


def executed(log: Path) -> Counter:
    """Tasks a consumer ran, by name, from its log ("Executing literacy.notifications.jobs.sweep: ...")."""
    found = re.findall(r"Executing (?:[\w.]+\.)?(\w+):", log.read_text())
    return Counter(found)


def wait_for(inbox: Inbox, recipients: list[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(inbox.count()[r] < 1 for r in recipients):
        time.sleep(0.2)
    time.sleep(2)  # a second copy would arrive now


def outbox_rows(kind: str) -> list[tuple[str, str, int]]:
    from sqlalchemy import select

    from literacy.extensions import db
    from literacy.models import OutboxMessage

    rows = db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.status, OutboxMessage.attempts).where(OutboxMessage.kind == kind)
    ).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def check_jobs(a: Instance, b: Instance, verify: str, inbox: Inbox, spares: list[str], members: list[str]) -> Result:
    from literacy.notifications import jobs

    lines, ok = [], True
    before = {instance.name: executed(instance.consumer_log) for instance in (a, b)}
    browser = Browser("resets", verify)
    for number, email in enumerate(spares):
        base = (a.url, b.url)[number % 2]
        token = browser.token(base + "/password-reset")
        response = browser.post(base + "/password-reset", {"email": email, "csrf_token": token})
        ok &= response.status_code in (200, 302)
    wait_for(inbox, spares)
    received = inbox.count()
    rows = outbox_rows("password_reset")
    once = all(received[email] == 1 for email in spares)
    rows_ok = sorted(r for r, _s, _a in rows) == sorted(spares) and all(s == "sent" and n == 1 for _r, s, n in rows)
    lines.append(
        f"{len(spares)} password resets asked on A and B in turn: messages received "
        f"{sum(received[e] for e in spares)}, each once: {once}; outbox rows {len(rows)}, all sent at the "
        f"first attempt: {rows_ok}"
    )
    ok &= once and rows_ok

    for _ in range(3):  # queued at once: both consumers take some and run them side by side
        jobs.hourly_reminders()
        jobs.sweep()
    wait_for(inbox, members)
    received = inbox.count()
    rows = outbox_rows("due_reminder")
    once = all(received[email] == 1 for email in members)
    rows_ok = sorted(r for r, _s, _a in rows) == sorted(members) and all(s == "sent" and n == 1 for _r, s, n in rows)
    lines.append(
        f"hourly_reminders and sweep queued 3 times each for {len(members)} members with work due in 7 days: "
        f"reminders received {sum(received[e] for e in members)}, each once: {once}; outbox rows "
        f"{len(rows)}, all sent at the first attempt: {rows_ok}"
    )
    ok &= once and rows_ok
    extra = sorted(set(inbox.count()) - set(spares) - set(members))
    if extra:
        lines.append(f"unexpected messages to {extra}")
        ok = False
    for instance in (a, b):
        ran = executed(instance.consumer_log) - before[instance.name]
        lines.append(
            f"consumer {instance.name} ran: " + (", ".join(f"{n} x{c}" for n, c in sorted(ran.items())) or "nothing")
        )
    both = all(executed(i.consumer_log) - before[i.name] for i in (a, b))
    lines.append("both consumers took work from the one Redis queue" if both else "one consumer took all the work")
    return Result("3. a background job's work is done exactly once with a consumer on each instance", ok, lines)


# --- 4. one instance killed under load -----------------------------------------------------------------


class Stopped(Exception):
    """The load is over (raised out of a request that is not an answer)."""


@dataclass
class Event:
    at: float  # seconds since the load started
    kind: str  # "intro", "start", "question", "answer", "check", "complete" (a lesson)
    error: str | None = None


class Learner:
    """Takes the assessment again and again through nginx; a failed request is sent again until it works."""

    def __init__(self, front: str, email: str, verify: str, index: int, lessons: list[str]) -> None:
        self.front = front
        self.lessons = lessons
        self.email = email
        self.browser = Browser(f"learner-{index}", verify)
        self.events: list[Event] = []
        self.saved: dict[tuple[int, int], tuple[int, int | None]] = {}  # (attempt, number) -> (position, confidence)
        self.submitted: set[int] = set()
        self.recovered = 0  # requests that failed and then worked when sent again
        self.started = 0.0
        self.index = index

    def _note(self, kind: str, error: str | None) -> None:
        self.events.append(Event(time.monotonic() - self.started, kind, error))

    def _send(self, kind: str, method: str, path: str, data: dict | None, good) -> requests.Response:  # noqa: ANN001
        """Send until ``good(response)``; every failure is an event, and the same request is sent again."""
        failed = False
        while True:
            try:
                response = (
                    self.browser.get(self.front + path)
                    if method == "GET"
                    else self.browser.post(self.front + path, data)
                )
                error = None if good(response) else f"status {response.status_code}"
            except requests.RequestException as problem:
                response, error = None, type(problem).__name__
            self._note(kind, error)
            if error is None:
                self.recovered += failed
                return response
            failed = True
            if self.stop.is_set() and kind != "answer":  # an answer is sent until it is saved
                raise Stopped
            time.sleep(0.2)

    def run(self, started: float, stop: threading.Event) -> None:
        self.started, self.stop = started, stop
        quiz = f"/modules/{QUIZ_MODULE}/quiz"
        with contextlib.suppress(Stopped):
            while not stop.is_set():
                page = self._send("intro", "GET", quiz, None, lambda r: r.status_code == 200 and CSRF_RE.search(r.text))
                token = form_token = CSRF_RE.search(page.text).group(1)
                moved = self._send("start", "POST", quiz, {"csrf_token": token}, lambda r: _moved(r, "/quiz/"))
                path = requests.utils.urlparse(moved.headers["Location"]).path
                attempt = int(re.search(r"/quiz/(\d+)", path).group(1))
                while "/questions/" in path and not stop.is_set():
                    if (attempt + len(path)) % 3 == 0:  # now and then "Mark as done" on a lesson: a POST nginx
                        lesson = self.lessons[(self.index + len(path)) % len(self.lessons)]  # does not resend
                        complete = f"/modules/{QUIZ_MODULE}/{lesson}/complete"
                        self._send(
                            "complete", "POST", complete, {"csrf_token": form_token}, lambda r: _moved(r, "/modules/")
                        )
                    page = self._send(
                        "question", "GET", path, None, lambda r: r.status_code == 200 and CHOICE_RE.search(r.text)
                    )
                    choices = [int(value) for _type, value in CHOICE_RE.findall(page.text)]
                    position = choices[(self.index + attempt) % len(choices)]
                    confidence = 1 + (attempt + len(path)) % 3 if 'name="confidence"' in page.text else None
                    form = {"csrf_token": CSRF_RE.search(page.text).group(1), "answer": str(position)}
                    if confidence:
                        form["confidence"] = str(confidence)
                    moved = self._send("answer", "POST", path, form, lambda r, to=f"/quiz/{attempt}/": _moved(r, to))
                    self.saved[(attempt, int(path.rsplit("/", 1)[1]))] = (position, confidence)
                    path = requests.utils.urlparse(moved.headers["Location"]).path
                if path.endswith("/check") and not stop.is_set():
                    page = self._send(
                        "check", "GET", path, None, lambda r: r.status_code == 200 and CSRF_RE.search(r.text)
                    )
                    token = CSRF_RE.search(page.text).group(1)
                    self._send(
                        "check", "POST", path, {"csrf_token": token}, lambda r, to=f"/quiz/{attempt}": _moved(r, to)
                    )
                    self.submitted.add(attempt)


def _moved(response: requests.Response, to: str) -> bool:
    """A redirect whose path contains ``to`` (so not to the sign-in page, whose ``next`` is in the query)."""
    path = requests.utils.urlparse(response.headers.get("Location", "")).path
    return response.status_code == 302 and to in path and not path.startswith("/sign-in")


def verify_answers(learners: list[Learner]) -> list[str]:
    """Every answer a learner was told was saved, in the database once, as sent; every submitted attempt graded."""
    from sqlalchemy import func, select

    from literacy.extensions import db
    from literacy.learning import quiz
    from literacy.models import Question, QuizAttempt, Response

    problems: list[str] = []
    attempts = {attempt for learner in learners for attempt, _n in learner.saved} | {
        a for learner in learners for a in learner.submitted
    }
    rows = {row.id: row for row in db.session.scalars(select(QuizAttempt).where(QuizAttempt.id.in_(attempts)))}
    stored: dict[tuple[int, str], Response] = {}
    for response in db.session.scalars(select(Response).where(Response.attempt_id.in_(attempts))):
        stored[(response.attempt_id, response.question_key)] = response
    doubles = db.session.execute(
        select(Response.attempt_id, Response.question_key, func.count())
        .where(Response.attempt_id.in_(attempts))
        .group_by(Response.attempt_id, Response.question_key)
        .having(func.count() > 1)
    ).all()
    problems += [f"attempt {a}: {k} stored {n} times" for a, k, n in doubles]
    questions_of: dict[int, list[Question]] = {}
    for learner in learners:
        for (attempt_id, number), (position, confidence) in learner.saved.items():
            attempt = rows.get(attempt_id)
            if attempt is None:
                problems.append(f"attempt {attempt_id} missing")
                continue
            if attempt.version_id not in questions_of:
                questions_of[attempt.version_id] = quiz.questions_in(attempt.version_id, "en", "assessment", "en")
            row = questions_of[attempt.version_id][number - 1]
            key = quiz.shown_options(attempt, row)[position - 1].key
            saved = stored.get((attempt_id, row.key))
            if saved is None:
                problems.append(f"attempt {attempt_id} question {number}: the learner was told it was saved; it is not")
                continue
            keys = set(saved.answer) if isinstance(saved.answer, list) else {saved.answer}
            if keys != {key} or saved.confidence != confidence:
                problems.append(
                    f"attempt {attempt_id} question {number}: "
                    f"stored {saved.answer}/{saved.confidence}, sent {key}/{confidence}"
                )
        for attempt_id in learner.submitted:
            if rows[attempt_id].submitted_at is None or rows[attempt_id].percent is None:
                problems.append(f"attempt {attempt_id}: the learner was told it was submitted; it is not graded")
    db.session.rollback()
    return problems


def check_kill(
    a: Instance,
    b: Instance,
    front: str,
    verify: str,
    emails: list[str],
    lessons: list[str],
    seconds: float,
    kill_after: float,
    settle: float,
    log: Path,
) -> Result:
    lines = []
    learners = [Learner(front, email, verify, index, lessons) for index, email in enumerate(emails)]
    for learner in learners:
        signed = learner.browser.sign_in(front, learner.email)
        if signed.status_code != 302:
            return Result(
                "4. one instance killed mid-load", False, [f"{learner.email} could not sign in: {signed.status_code}"]
            )
    before = len(access_log(log))
    stop = threading.Event()
    started = time.monotonic()
    threads = [threading.Thread(target=learner.run, args=(started, stop)) for learner in learners]
    for thread in threads:
        thread.start()
    time.sleep(kill_after)
    killed_at = time.monotonic() - started
    killed = kill_now(a.web)
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    events = [event for learner in learners for event in learner.events]
    errors = [event for event in events if event.error]
    late = [event for event in errors if event.at > killed_at + settle]
    answers_after = [e for e in events if e.kind == "answer" and not e.error and e.at > killed_at + settle]
    recovered = sum(learner.recovered for learner in learners)
    saved = sum(len(learner.saved) for learner in learners)
    submitted = sum(len(learner.submitted) for learner in learners)
    served = access_log(log)[before:]
    by_instance = Counter(upstream.split(", ")[-1].rsplit(":", 1)[-1] for _m, _u, _s, upstream in served)
    passed_on = [(method, uri, upstream) for method, uri, _s, upstream in served if ", " in upstream]
    lines.append(
        f"{len(learners)} learners through nginx for {elapsed:.0f} s; instance A (port {a.port}) killed at "
        f"{killed_at:.1f} s ({killed} processes, SIGKILL)"
    )
    lines.append(
        f"{len(events)} requests ({len(events) / elapsed:.0f}/s): {saved} answers saved, {submitted} attempts "
        f"submitted; answered by port: " + ", ".join(f"{p} {c}" for p, c in sorted(by_instance.items()))
    )
    lines.append(
        f"nginx passed {len(passed_on)} requests on to the other instance after A failed ("
        + ", ".join(f"{m} {c}" for m, c in sorted(Counter(m for m, _u, _up in passed_on).items()))
        + ")"
    )
    reasons = Counter(f"{e.kind}: {e.error}" for e in errors)
    lines.append(
        f"errors the learners saw: {len(errors)}"
        + (f" ({', '.join(f'{r} x{c}' for r, c in reasons.items())})" if errors else "")
        + f"; each sent again and then accepted: {recovered} requests"
    )
    lines.append(
        f"errors more than {settle:.0f} s after the kill: {len(late)}; answers saved after then: {len(answers_after)}"
    )
    problems = verify_answers(learners)
    lines.append(
        f"database: every answer the learners were told was saved is stored once, as sent, and every "
        f"submitted attempt graded: {'yes' if not problems else f'NO, {len(problems)} problems'}"
    )
    lines.extend(f"  {problem}" for problem in problems[:10])
    pending = sum(thread.is_alive() for thread in threads)
    both_served = by_instance[str(a.port)] > 0 and by_instance[str(b.port)] > 0  # the load was spread before
    ok = not problems and not late and answers_after and not pending and b.web.poll() is None and both_served
    if pending:
        lines.append(f"{pending} learners still waiting for a request to succeed")
    return Result("4. one instance killed mid-load: no answer lost, the other keeps serving", bool(ok), lines)


# --- the run -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="postgresql://postgres@127.0.0.1/literacy_scale_out",
        help="a PostgreSQL database this script drops and creates (its name must contain scale_out)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis, without a database number")
    parser.add_argument("--limits-db", type=int, default=13, help="Redis database for the rate limits")
    parser.add_argument("--queue-db", type=int, default=14, help="Redis database for the task queue")
    parser.add_argument("--learners", type=int, default=30, help="learners answering at once in check 4")
    parser.add_argument("--seconds", type=float, default=30, help="length of the load in check 4")
    parser.add_argument("--kill-after", type=float, default=10, help="seconds into the load when A is killed")
    parser.add_argument("--settle", type=float, default=5, help="seconds after the kill in which errors may happen")
    parser.add_argument("--resets", type=int, default=10, help="password resets asked for in check 3")
    parser.add_argument("--keep", action="store_true", help="print the folder of logs and configuration and keep it")
    parser.add_argument("--drop-database", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--no-lock",
        action="store_true",
        help=f"do not wait for {LOCK} (the test suite: its small load is not a measurement, and tests never wait)",
    )
    args = parser.parse_args(argv)
    # Stopped with SIGTERM (a timeout, a test runner), the servers are still stopped (the ``finally`` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    nginx = shutil_which("nginx")
    if nginx is None:
        raise SystemExit("nginx is not installed (apt-get install nginx-light)")

    # This run's names in Redis (the queue's name, the accounts the limits count) carry a tag of their own, so
    # runs at the same time (the test beside a manual run) never take each other's tasks or counts; only
    # this run's keys are deleted at the end.
    tag = secrets.token_hex(4)
    began = time.monotonic()
    recreate_database(args.database)
    folder = Path(tempfile.mkdtemp(prefix="scale-out-"))
    folder.chmod(0o755)  # nginx's workers (nobody, when started as root) write their temporary files here
    inbox = Inbox()
    from aiosmtpd.controller import Controller

    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    ports = (free_port(), free_port())
    listen = free_port()
    front = f"https://127.0.0.1:{listen}"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LITERACY_")}
    settings = {
        "LITERACY_SECRET_KEY": secrets.token_urlsafe(48),  # one key for every instance: sessions are signed cookies
        "LITERACY_DATABASE_URL": args.database,
        "LITERACY_QUEUE_URL": f"{args.redis}/{args.queue_db}?name=scale-out-{tag}",
        "LITERACY_RATELIMIT_STORAGE_URL": f"{args.redis}/{args.limits_db}",
        "LITERACY_TRUSTED_PROXIES": "1",
        "LITERACY_TRUSTED_HOSTS": "127.0.0.1",
        "LITERACY_SITE_URL": front,
        "LITERACY_MAIL_HOST": "127.0.0.1",
        "LITERACY_MAIL_PORT": str(smtp.port),
        "LITERACY_MAIL_SENDER": "scale-out@example.gov.uk",
        # this machine's differences: the checks use the plain ports too, and everyone is 127.0.0.1
        "LITERACY_SECURE_COOKIES": "false",
        "LITERACY_SIGN_IN_LIMIT_ACCOUNT": f"{SIGN_IN_LIMIT} per hour",
        "LITERACY_SIGN_IN_LIMIT_ADDRESS": "100000 per minute",
        "LITERACY_RESET_LIMIT_ADDRESS": "100000 per hour",
    }
    missing = documented_settings() - set(settings) - NOT_NEEDED_HERE
    if missing:
        raise SystemExit(f"{ENVIRONMENT_FILE} names settings this script does not set: {sorted(missing)}")
    environment.update(settings, PYTHONPATH=str(REPO))
    os.environ.update(settings)  # for this process's own app (seeding, checking the database, queueing jobs)

    processes: list[tuple[subprocess.Popen, int]] = []  # and the signal that stops each (Huey: SIGINT)
    results: list[Result] = []
    try:
        for command in (["db", "upgrade"], ["courses", "sync"]):
            done = subprocess.run(  # noqa: S603 - our own flask commands
                [str(BIN / "flask"), "--app", "literacy", *command],
                cwd=REPO,
                env=environment,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
        from literacy import create_app
        from literacy.extensions import db

        app = create_app()
        context = app.app_context()
        context.push()
        data = seed(args.learners, args.resets + 3, tag)
        db.session.remove()

        instances = []
        for name, port in zip("AB", ports, strict=True):
            web_log, consumer_log = folder / f"web-{name}.log", folder / f"consumer-{name}.log"
            web_environment = {**environment, **unit_environment(WEB_UNIT, str(port), folder / "run")}
            web = start(unit_command(WEB_UNIT, str(port)), web_environment, web_log, folder)
            consumer_environment = {**environment, **unit_environment(CONSUMER_UNIT, "", folder / "run")}
            consumer = start(unit_command(CONSUMER_UNIT), consumer_environment, consumer_log, folder)
            processes += [(web, signal.SIGTERM), (consumer, signal.SIGINT)]
            instances.append(Instance(name, port, web, consumer, web_log, consumer_log))
        a, b = instances
        certificate, key = folder / "certificate.pem", folder / "key.pem"
        subprocess.run(  # noqa: S603 - openssl with fixed arguments
            [  # noqa: S607
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(certificate),
            ],
            check=True,
            capture_output=True,
        )
        site = folder / "literacy.conf"
        site.write_text(nginx_site(ports, listen, str(certificate), str(key)))
        (folder / "nginx.conf").write_text(nginx_main(folder, site))
        nginx_log = folder / "nginx.log"
        proxy = start(
            [
                nginx,
                "-p",
                str(folder),
                "-c",
                str(folder / "nginx.conf"),
                "-g",
                f"daemon off; pid {folder}/nginx.pid; error_log stderr;",
            ],
            environment,
            nginx_log,
            folder,
        )
        processes.append((proxy, signal.SIGTERM))
        prepared = time.monotonic() - began
        waited = [wait_ready(instance.url, instance.web, instance.web_log) for instance in instances]
        wait_ready(front, proxy, nginx_log, verify=str(certificate))
        serving = time.monotonic() - began - prepared
        print(
            f"PostgreSQL {args.database}; Redis {args.redis}/{args.limits_db} (limits), /{args.queue_db} (queue); "
            f"SMTP 127.0.0.1:{smtp.port}"
        )
        print(
            f"instance A: gunicorn on {a.port} + consumer; instance B: gunicorn on {b.port} + consumer; "
            f"nginx on {front} (waited for {waited[0]}); code at {source_version()}"
        )
        print(
            f"{len(data.learners)} learners with {QUIZ_MODULE}'s {data.questions}-question assessment open, "
            f"{DUE_MODULE} due in 7 days; database ready in {prepared:.0f} s (migrations, courses sync, seed), "
            f"instances and nginx serving {serving:.0f} s later\n"
        )
        verify = str(certificate)
        log = folder / "access.log"
        spares = data.spare
        results.append(report(check_sessions(a, b, front, verify, spares[0], log)))
        results.append(report(check_rate_limit(a, b, front, verify, spares[1:3])))
        results.append(report(check_jobs(a, b, verify, inbox, spares[3:], data.learners)))
        waited_for_lock: list[float] = []
        with contextlib.nullcontext() if args.no_lock else bench_lock(waited_for_lock):
            results.append(
                report(
                    check_kill(
                        a,
                        b,
                        front,
                        verify,
                        data.learners,
                        data.lessons,
                        args.seconds,
                        args.kill_after,
                        args.settle,
                        log,
                    )
                )
            )
        status, said = summaries_check(environment)
        print(f"\nflask summaries check: exit {status} ({said})")
        tracebacks = {p.name: p.read_text().count("Traceback") for p in folder.glob("*.log")}
        print("tracebacks in the logs: " + ", ".join(f"{name} {count}" for name, count in sorted(tracebacks.items())))
        failed = [result.name for result in results if not result.passed]
        took = time.monotonic() - began - sum(waited_for_lock)
        print(
            f"\n{len(results) - len(failed)} of {len(results)} checks passed in {took:.0f} s "
            f"(and {sum(waited_for_lock):.0f} s waiting for {LOCK})"
        )
        return 1 if failed or status != 0 else 0
    finally:
        for process, sig in reversed(processes):
            stop(process, sig)
        smtp.stop()
        forget(args.redis, (args.limits_db, args.queue_db), tag)
        if args.drop_database:
            with contextlib.suppress(Exception):
                from literacy.extensions import db

                db.engine.dispose()
            recreate_database(args.database, create=False)
        if args.keep:
            print(f"logs and configuration kept in {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}",) if os.access(p, os.X_OK)), None)


def summaries_check(environment: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(  # noqa: S603 - our own flask command
        [str(BIN / "flask"), "--app", "literacy", "summaries", "check"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, said[-1] if said else ""


def source_version() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)  # noqa: S603, S607
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    sys.exit(main())

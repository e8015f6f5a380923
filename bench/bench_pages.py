"""Learners' pages against a floor: requests/s of the project's pages as a share of a bare Flask app's.

Starts two servers side by side, each under gunicorn with ``--workers`` sync workers (default 4): the floor
(``floor_app.py``: bare Flask + sqlite3 + Jinja serving a stored page) and the project on the real curriculum
(SQLite in a temporary file, or ``--database`` an empty PostgreSQL database it fills). A learner in an
organisation, with two modules assigned through a cohort and some lessons opened and completed, signs in with
the same User-Agent wrk sends (session protection binds a session to it). The floor stores the project's
signed-in lesson page, so both serve the same bytes.

Every page is requested once first and must answer 200 (not a redirect to sign in); then wrk runs
``--connections`` connections for ``--seconds`` against each: the floor, the anonymous home page, the
signed-in lesson page, the catalogue and My learning. A wrk script counts every answer that is not 200
(wrk itself counts redirects as successes); the script fails if there is any.

    flock /tmp/bench.lock .venv/bin/python bench/bench_pages.py [--database URL] [--source PATH]

Beside requests/s, each run reads the server's CPU time (its gunicorn master and workers, from /proc) and
prints CPU ms a request and the floor's CPU a request as a share of the page's: requests/s on a shared
two-core machine move with wrk and with whatever else runs (the floor alone swung 668-857 requests/s between
runs minutes apart), while the CPU a request costs moves much less.

``--rounds N`` measures every page N times, each time just after the floor, and reports each page's median
share of the floor measured just before it: the machine's other work comes and goes, and a floor measured a
minute before a page says little about it. ``--source`` runs another copy of the code (an unpacked
``git archive`` of an older commit) for a before and after comparison; the floor is the same. Targets
(issue 16): lesson page >= 50 % of the floor, catalogue and My learning >= 30 %; ``--check-targets`` makes
missing one an error too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv" / "bin"
AGENT = "literacy-bench-pages/1"  # sent by wrk (-H) and by the sign-in, so the session matches
PASSWORD = "correct horse battery"
LESSON = "/modules/ai-basics/what-ai-is"
STARTED = (LESSON, "/modules/managing-bias/where-bias-comes-from", "/modules/procuring-ai/start-with-the-problem")
TARGETS = {"lesson (signed in)": 0.5, "catalogue (signed in)": 0.3, "My learning": 0.3}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Imports the code under ``--source``, not the checkout the virtualenv's editable install points at.
SHIM = """
import sys
sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in type(finder).__module__]
sys.path.insert(0, {source!r})
from literacy import create_app
assert __import__("literacy").__file__.startswith({source!r}), __import__("literacy").__file__
"""
# As literacy.wsgi, without its refusal of several workers with in-memory rate limits (one sign-in here).
APP = """
import gc
from literacy import require_secret_key
app = create_app()
require_secret_key(app)
try:  # the case library read before the first request, as literacy.wsgi does (older copies have none)
    from literacy.practice.cases.index import warm
except ImportError:
    pass
else:
    warm(app)
gc.freeze()
"""
SETUP = """
from datetime import timedelta
from literacy.cohorts import service as cohorts
from literacy.cohorts.roster import Candidate
from literacy.config import PACKAGE_ROOT
from literacy.extensions import db
from literacy.models import Membership, Module, Organisation, User, utcnow
from literacy.publishing import sync_courses

app = create_app()
with app.app_context():
    db.drop_all()
    db.create_all()
    report = sync_courses(PACKAGE_ROOT / "courses")
    assert not report.problems, report.problems
    organisation = Organisation(slug="council", name="A council")
    db.session.add(organisation)
    db.session.flush()
    people = {{}}
    for email, role in (("manager@example.org", "manager"), ("learner@example.org", "learner")):
        person = User(email=email, name=email.split("@")[0].title())
        person.set_password({password!r})
        db.session.add(person)
        db.session.flush()
        db.session.add(Membership(user_id=person.id, organisation_id=organisation.id, role=role))
        people[role] = person
    db.session.commit()
    cohort = cohorts.create_cohort(people["manager"], organisation, "Everyone", None, None, "")
    db.session.commit()
    cohorts.add_members(people["manager"], cohort, [Candidate(1, "learner@example.org")])
    for number, slug in enumerate(("ai-basics", "managing-bias")):
        module = db.session.query(Module).filter_by(slug=slug).one()
        cohorts.assign_module(people["manager"], cohort, module, (utcnow() + timedelta(days=30 * number)).date())
    db.session.commit()
    print("published", len(report.published), "modules")
"""
LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "p50_us": %d, "p99_us": %d, "non200": %d, ' ..
    '"socket_errors": %d}\\n', summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(99), total, e.connect + e.read + e.write + e.timeout))
end
"""


class Browser:
    """One browser: its cookies, and the User-Agent wrk sends."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": AGENT}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        page = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, page

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def post_form(self, page_path: str, action: str) -> int:
        status, page = self.request("GET", page_path)
        match = CSRF.search(page)
        assert status == 200 and match, f"no form on {page_path} ({status})"
        return self.request("POST", action, {"csrf_token": match.group(1)})[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, log: Path) -> None:
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"the server on port {port} stopped:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing answers on port {port}")


def gunicorn(app: str, port: int, workers: int, folder: Path, env: dict[str, str], name: str) -> subprocess.Popen:
    log = folder / f"{name}.log"
    return subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(VENV / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "120",
         "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null", app],
        env=env, cwd=folder, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def server_cpu_seconds(master: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by a gunicorn master and its workers, from /proc: what the server
    spent, whatever else the machine was doing (requests/s also depend on wrk and on other work)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended between the listing and the read
        pid, parent = int(entry.name), int(fields[1])
        if pid == master.pid or parent == master.pid:
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def run_wrk(url: str, options: argparse.Namespace, script: Path, cookie: str | None,
            server: subprocess.Popen | None = None) -> dict[str, float]:
    command = ["wrk", "-t", str(options.threads), "-c", str(options.connections), "-d", f"{options.seconds}s",
               "--latency", "-s", str(script), "-H", f"User-Agent: {AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    cpu_before = server_cpu_seconds(server) if server is not None else 0.0
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    cpu_used = server_cpu_seconds(server) - cpu_before if server is not None else 0.0
    line = next((line for line in output.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk printed no result for {url}:\n{output}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    result["cpu_ms"] = 1000 * cpu_used / result["requests"] if result["requests"] else 0.0
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default: a temporary SQLite file)")
    parser.add_argument("--source", type=Path, default=REPO, help="the copy of the code to run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the floor and every page this many times, alternating, and report each page's "
                             "median share of the floor measured just before it (the machine's other work varies)")
    parser.add_argument("--check-targets", action="store_true", help="fail when a target ratio is missed")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    source = options.source.resolve()
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    database = options.database or f"sqlite:///{folder / 'pages.sqlite3'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(folder),
        "LITERACY_DATABASE_URL": database,
        "LITERACY_SECRET_KEY": "bench-pages-secret",
        "LITERACY_SECURE_COOKIES": "0",
        "LITERACY_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "FLOOR_DATABASE": str(folder / "floor.sqlite3"),
    }
    env.pop("WEB_CONCURRENCY", None)
    shim = SHIM.format(source=str(source))
    (folder / "pages_app.py").write_text(shim + APP)
    shutil.copy(Path(__file__).with_name("floor_app.py"), folder / "floor_app.py")
    script = folder / "count.lua"
    script.write_text(LUA)
    subprocess.run([str(VENV / "python"), "-c", shim + SETUP.format(password=PASSWORD)], env=env, check=True,  # noqa: S603
                   cwd=folder)

    project_port, floor_port = free_port(), free_port()
    project = gunicorn("pages_app:app", project_port, options.workers, folder, env, "project")
    wait_for(project_port, project, folder / "project.log")
    floor = None
    try:
        learner = Browser(project_port)
        status, _page = learner.request("POST", "/sign-in", {
            "email": "learner@example.org", "password": PASSWORD,
            "csrf_token": CSRF.search(learner.request("GET", "/sign-in")[1]).group(1),
        })
        assert status == 302, f"sign-in answered {status}"
        # some progress: lessons opened in three modules, two completed
        for path in STARTED:
            learner.request("GET", path)
        for lesson in ("what-ai-is", "kinds-of-ai"):
            page = f"/modules/ai-basics/{lesson}"
            assert learner.post_form(page, f"{page}/complete") == 302
        status, lesson_page = learner.request("GET", LESSON)
        if status != 200 or "Sign out" not in lesson_page:
            sys.exit(f"the signed-in lesson page answered {status} (not signed in?)")
        (folder / "lesson.html").write_text(lesson_page)
        subprocess.run([str(VENV / "python"), str(folder / "floor_app.py"), "store", env["FLOOR_DATABASE"],  # noqa: S603
                        str(folder / "lesson.html")], check=True)
        floor = gunicorn("floor_app:app", floor_port, options.workers, folder, env, "floor")
        wait_for(floor_port, floor, folder / "floor.log")
        cookie = learner.cookie_header()
        targets = [
            ("floor (bare Flask)", f"http://127.0.0.1:{floor_port}/pages/lesson", None),
            ("home (anonymous)", f"http://127.0.0.1:{project_port}/", None),
            ("lesson (signed in)", f"http://127.0.0.1:{project_port}{LESSON}", cookie),
            ("catalogue (signed in)", f"http://127.0.0.1:{project_port}/modules", cookie),
            ("My learning", f"http://127.0.0.1:{project_port}/my-learning", cookie),
        ]
        servers = {label: floor if position == 0 else project for position, (label, _u, _s) in enumerate(targets)}
        for label, url, sent in targets:  # one request each first: 200, and signed in where it should be
            checker = Browser(int(url.split(":")[2].split("/")[0]))
            if sent:
                checker.cookies = dict(learner.cookies)
            status, body = checker.request("GET", "/" + url.split("/", 3)[3])
            if status != 200 or (sent and "Sign out" not in body):
                sys.exit(f"{label}: {url} answered {status}{'' if status != 200 else ' but not signed in'}")
            print(f"checked {label}: 200, {len(body.encode()):,} bytes")
        engine = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
        print(f"\n{engine}, {options.workers} gunicorn sync workers each, wrk {options.threads} threads, "
              f"{options.connections} connections, {options.seconds} s; code: {source}")
        print(f"{'page':<24} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'of floor':>9} {'not 200':>8} "
              f"{'CPU ms':>7} {'CPU of floor':>13}")
        rounds: dict[str, list[dict[str, float]]] = {label: [] for label, _url, _sent in targets}
        for number in range(options.rounds):
            if options.rounds > 1:
                print(f"round {number + 1} of {options.rounds}")
            floor_rps = floor_cpu = 0.0
            for position, (label, url, sent) in enumerate(targets):
                if options.rounds > 1 and position > 1:  # the floor again, just before this page
                    again = run_wrk(targets[0][1], options, script, None, floor)
                    floor_rps, floor_cpu = again["rps"], again["cpu_ms"]
                result = run_wrk(url, options, script, sent, servers[label])
                if label == "floor (bare Flask)":
                    floor_rps, floor_cpu = result["rps"], result["cpu_ms"]
                result["ratio"] = result["rps"] / floor_rps
                result["cpu_ratio"] = floor_cpu / result["cpu_ms"] if result["cpu_ms"] else 0.0
                rounds[label].append(result)
                print(f"{label:<24} {result['rps']:>11.1f} {result['p50_us'] / 1000:>8.1f} "
                      f"{result['p99_us'] / 1000:>8.1f} {result['ratio']:>8.0%} "
                      f"{result['non200'] + result['socket_errors']:>8} {result['cpu_ms']:>7.2f} "
                      f"{result['cpu_ratio']:>12.0%}")
        results: dict[str, dict[str, float]] = {}
        for label, found in rounds.items():
            middle = sorted(found, key=lambda result: result["ratio"])[len(found) // 2]
            results[label] = {**middle, "non200": sum(r["non200"] for r in found),
                              "socket_errors": sum(r["socket_errors"] for r in found),
                              "ratios": [r["ratio"] for r in found],
                              "cpu_ms": sorted(r["cpu_ms"] for r in found)[len(found) // 2],
                              "cpu_ratio": sorted(r["cpu_ratio"] for r in found)[len(found) // 2]}
        if options.rounds > 1:
            print(f"\nmedian of {options.rounds} rounds, each page's share of the floor measured just before it:")
            for label, result in results.items():
                ratios = ", ".join(f"{ratio:.0%}" for ratio in result["ratios"])
                print(f"{label:<24} {result['rps']:>11.1f} {result['p50_us'] / 1000:>8.1f} "
                      f"{result['p99_us'] / 1000:>8.1f} {result['ratio']:>8.0%}   rounds: {ratios}; "
                      f"server CPU {result['cpu_ms']:.2f} ms a request, {result['cpu_ratio']:.0%} of the floor's")
    finally:
        for server in (project, floor):
            if server is not None:
                server.terminate()
                server.wait()
    failed = [label for label, result in results.items() if result["non200"] or result["socket_errors"]]
    if failed:
        print(f"\nFAILED: answers other than 200 (or socket errors) from {', '.join(failed)}; logs in {folder}")
        return 1
    missed = [f"{label} {results[label]['ratio']:.0%} < {target:.0%}" for label, target in TARGETS.items()
              if results[label]["ratio"] < target]
    print("\ntargets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    return 1 if missed and options.check_targets else 0


if __name__ == "__main__":
    sys.exit(main())

"""The signed-in lesson page's CPU time in process: ``--requests`` GETs through the test client, the learner
``bench_pages.py`` sets up, signed in with its User-Agent. Prints the CPU time (``time.process_time``) per
request for ``--runs`` runs; ``--profile`` prints a cProfile of one more run instead (wall time; kept in
``profile.out`` in the folder it names). ``--source`` runs another copy of the code (an unpacked
``git archive``) for a before and after comparison in the same minute.

    flock /tmp/bench.lock .venv/bin/python bench/lesson_cpu.py [--database URL] [--source PATH] [--profile]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_pages

MEASURE = """
import cProfile, pstats, re, time
app = create_app()
client = app.test_client()
agent = {{"User-Agent": {agent!r}}}
page = client.get("/sign-in", headers=agent).get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
answer = client.post("/sign-in", data={{"email": "learner@example.org", "password": {password!r},
                                       "csrf_token": token}}, headers=agent)
assert answer.status_code == 302, answer.status_code
for path in {started!r}:
    client.get(path, headers=agent)
def run(count):
    for _ in range(count):
        answer = client.get({lesson!r}, headers=agent)
        assert answer.status_code == 200 and b"Sign out" in answer.data, answer.status_code
run(50)
__import__("gc").freeze()  # as literacy/wsgi.py does after start-up: the start-up objects are not collected
if {profile!r}:
    profiler = cProfile.Profile()
    profiler.enable()
    run({requests})
    profiler.disable()
    profiler.dump_stats("profile.out")
    pstats.Stats(profiler).sort_stats({sort!r}).print_stats({lines})
else:
    found = []
    for _ in range({runs}):
        started = time.process_time()
        run({requests})
        found.append((time.process_time() - started) / {requests} * 1000)
    print({lesson!r}, "CPU ms per request:", ", ".join(f"{{value:.3f}}" for value in sorted(found)))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default: a temporary SQLite file)")
    parser.add_argument("--source", type=Path, default=bench_pages.REPO, help="the copy of the code to run")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run instead")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats sort key)")
    parser.add_argument("--lines", type=int, default=60, help="how many lines of the profile")
    parser.add_argument("--path", default=bench_pages.LESSON,
                        help="the page to request (default the lesson; /modules for the catalogue, /my-learning)")
    options = parser.parse_args()
    source = options.source.resolve()
    folder = Path(tempfile.mkdtemp(prefix="lesson-cpu-"))
    database = options.database or f"sqlite:///{folder / 'pages.sqlite3'}"
    env = {
        **os.environ,
        "LITERACY_DATABASE_URL": database,
        "LITERACY_SECRET_KEY": "bench-lesson-secret",
        "LITERACY_SECURE_COOKIES": "0",
        "LITERACY_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    shim = bench_pages.SHIM.format(source=str(source))
    python = str(bench_pages.VENV / "python")
    subprocess.run([python, "-c", shim + bench_pages.SETUP.format(password=bench_pages.PASSWORD)],  # noqa: S603
                   env=env, check=True, cwd=folder)
    measure = MEASURE.format(agent=bench_pages.AGENT, password=bench_pages.PASSWORD, started=bench_pages.STARTED,
                             lesson=options.path, profile=options.profile, requests=options.requests,
                             runs=options.runs, sort=options.sort, lines=options.lines)
    with (folder / "stderr.log").open("w") as log:  # the request log lines, as gunicorn's workers write them
        code = subprocess.run([python, "-c", shim + measure], env=env, cwd=folder, stderr=log, check=False)  # noqa: S603
    if options.profile:
        print(f"profile: {folder / 'profile.out'}")
    if code.returncode:
        print((folder / "stderr.log").read_text()[-3000:], file=sys.stderr)
    return code.returncode


if __name__ == "__main__":
    sys.exit(main())

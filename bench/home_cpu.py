"""My learning's and the home page's CPU time in process (issue 18): ``--requests`` GETs of each through the
test client, for the learner ``bench_pages.py`` sets up (two modules assigned through a cohort, three lessons
opened), signed in with its User-Agent. Prints the CPU time (``time.process_time``) per request for ``--runs``
runs, and the statements one request sends. ``--source`` runs another copy of the code (an unpacked ``git
archive``) for a before and after comparison in the same minute.

    flock /tmp/bench.lock .venv/bin/python bench/home_cpu.py [--database URL] [--source PATH]
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
import re, time
from sqlalchemy import event
from literacy.extensions import db
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
def run(path, count):
    for _ in range(count):
        answer = client.get(path, headers=agent)
        assert answer.status_code == 200 and b"Sign out" in answer.data, answer.status_code
for path in ("/my-learning", "/"):
    run(path, 50)
    sent = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: sent.append(args[2])
    event.listen(engine, "before_cursor_execute", listener)
    run(path, 1)
    event.remove(engine, "before_cursor_execute", listener)
    found = []
    for _ in range({runs}):
        started = time.process_time()
        run(path, {requests})
        found.append((time.process_time() - started) / {requests} * 1000)
    print(f"{{path}}: {{len(sent)}} statements, CPU ms per request:", ", ".join(f"{{v:.3f}}" for v in sorted(found)))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default: a temporary SQLite file)")
    parser.add_argument("--source", type=Path, default=bench_pages.REPO, help="the copy of the code to run")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    source = options.source.resolve()
    folder = Path(tempfile.mkdtemp(prefix="home-cpu-"))
    database = options.database or f"sqlite:///{folder / 'pages.sqlite3'}"
    env = {
        **os.environ,
        "LITERACY_DATABASE_URL": database,
        "LITERACY_SECRET_KEY": "bench-home-secret",
        "LITERACY_SECURE_COOKIES": "0",
        "LITERACY_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    shim = bench_pages.SHIM.format(source=str(source))
    python = str(bench_pages.VENV / "python")
    subprocess.run([python, "-c", shim + bench_pages.SETUP.format(password=bench_pages.PASSWORD)],  # noqa: S603
                   env=env, check=True, cwd=folder)
    measure = MEASURE.format(agent=bench_pages.AGENT, password=bench_pages.PASSWORD, started=bench_pages.STARTED,
                             requests=options.requests, runs=options.runs)
    with (folder / "stderr.log").open("w") as log:  # the request log lines
        code = subprocess.run([python, "-c", shim + measure], env=env, cwd=folder, stderr=log, check=False)  # noqa: S603
    if code.returncode:
        print((folder / "stderr.log").read_text()[-3000:], file=sys.stderr)
    return code.returncode


if __name__ == "__main__":
    sys.exit(main())

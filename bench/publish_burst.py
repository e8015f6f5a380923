"""Two trainers publishing at once on SQLite under several gunicorn workers (issue 13).

Starts gunicorn (``--workers``, default 4) on a new SQLite file with two trainers and a draft each, signs in
``--requests`` browsers (half per trainer, default 12), then releases every "Publish" press together and
counts the answers, and the "database is locked" errors in the server's log.

    .venv/bin/python bench/publish_burst.py [--workers 4] [--requests 12] [--source PATH]

``--source`` runs another copy of the code (an unpacked ``git archive`` of an older commit) for a before and
after comparison; the default is this checkout.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv" / "bin"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Imports the code under ``--source``, not the checkout the virtualenv's editable install points at.
SHIM = """
import sys
sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in type(finder).__module__]
sys.path.insert(0, {source!r})
from literacy import create_app
assert create_app.__module__ == "literacy" and __import__("literacy").__file__.startswith({source!r})
"""
SETUP = """
from literacy.authoring import drafts
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

app = create_app()
print("setting up with", __import__("literacy").__file__)
with app.app_context():
    db.create_all()
    organisation = Organisation(slug="org-a", name="Organisation A")
    db.session.add(organisation)
    db.session.flush()
    for email, slug in (("tess@example.org", "first-module"), ("tom@example.org", "second-module")):
        user = User(email=email, name=email.split("@")[0])
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="trainer"))
        drafts.create_draft(organisation, user, drafts.starter_files(slug, slug.title()), slug)
    db.session.commit()
"""


class Browser:
    """One person's browser: its own connection and cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Host": "127.0.0.1", "Origin": f"http://127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        page = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, page

    def token(self, path: str) -> str:
        match = CSRF.search(self.request("GET", path)[1])
        assert match, f"no form token on {path}"
        return match.group(1)

    def sign_in(self, email: str) -> None:
        form = {"email": email, "password": "correct horse battery", "csrf_token": self.token("/sign-in")}
        status, _page = self.request("POST", "/sign-in", form)
        assert status == 302, status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--source", type=Path, default=REPO)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="publish-burst-"))
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(folder),
        "LITERACY_DATABASE_URL": f"sqlite:///{folder / 'burst.sqlite3'}",
        "LITERACY_SECRET_KEY": "burst-secret",
        "LITERACY_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LITERACY_SIGN_IN_LIMIT_ACCOUNT": "1000 per minute",
        "LITERACY_SIGN_IN_LIMIT_ADDRESS": "1000 per minute",
    }
    shim = SHIM.format(source=str(options.source.resolve()))
    (folder / "burst_app.py").write_text(shim + "app = create_app()\n")
    subprocess.run([str(VENV / "python"), "-c", shim + SETUP], env=env, check=True, cwd=folder)  # noqa: S603
    log = (folder / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(VENV / "gunicorn"), "--workers", str(options.workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "burst_app:app"],
        env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        half = options.requests // 2
        people = [("tess@example.org", "first-module")] * half + [("tom@example.org", "second-module")] * (
            options.requests - half
        )
        browsers, forms = [], []
        for email, slug in people:
            browser = Browser(port)
            browser.sign_in(email)
            browsers.append(browser)
            forms.append((slug, {"csrf_token": browser.token(f"/author/org-a/modules/{slug}"), "number": "1"}))
        start = threading.Barrier(len(browsers))
        statuses: list[int] = [0] * len(browsers)

        def press(index: int) -> None:
            slug, form = forms[index]
            start.wait()
            statuses[index] = browsers[index].request("POST", f"/author/org-a/modules/{slug}/publish", form)[0]

        threads = [threading.Thread(target=press, args=(index,)) for index in range(len(browsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait()
        log.close()
    logged = (folder / "gunicorn.log").read_text()
    locked = logged.count("sqlite3.OperationalError: database is locked")
    unique = logged.count("sqlite3.IntegrityError: UNIQUE constraint failed")
    print(f"source {options.source}: {options.workers} workers, {len(statuses)} presses")
    print(f"  answers: {dict(sorted(collections.Counter(statuses).items()))}")
    print(f"  errors in the server's log: 'database is locked' {locked}, unique violations {unique}")


if __name__ == "__main__":
    sys.exit(main())

"""The floor for ``bench_pages.py``: the least a Flask page can cost on this machine.

Bare Flask, the standard library's ``sqlite3`` and Jinja, nothing of the project: each request opens the
SQLite file (as Flask's tutorial does), reads one stored page by its name, renders it into a small Jinja
layout and closes the connection. ``bench_pages.py`` stores the project's own signed-in lesson page here,
so both serve the same bytes, and runs this app under the same gunicorn settings as the project.

    FLOOR_DATABASE=floor.sqlite3 gunicorn --workers 4 --chdir bench floor_app:app
    python bench/floor_app.py store floor.sqlite3 page.html   # (re)store the page named "lesson"
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from flask import Flask, abort, g, render_template_string

LAYOUT = """<!DOCTYPE html>
<html lang="{{ page.language }}">
<head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body>
{{ page.body|safe }}
</body>
</html>
"""

app = Flask(__name__)


def connection() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(os.environ["FLOOR_DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close(_error: BaseException | None) -> None:
    found = g.pop("db", None)
    if found is not None:
        found.close()


@app.get("/pages/<name>")
def page(name: str) -> str:
    row = connection().execute("SELECT title, language, body FROM page WHERE name = ?", (name,)).fetchone()
    if row is None:
        abort(404)
    return render_template_string(LAYOUT, page=row)


def store(database: str, name: str, title: str, body: str) -> None:
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE IF NOT EXISTS page (name TEXT PRIMARY KEY, title TEXT, language TEXT, body TEXT)")
        db.execute("INSERT OR REPLACE INTO page VALUES (?, ?, 'en', ?)", (name, title, body))
    db.close()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "store":
        sys.exit(__doc__)
    store(sys.argv[2], "lesson", "A stored page", Path(sys.argv[3]).read_text())

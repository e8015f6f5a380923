"""Publish a large module set, then serve lesson pages through the WSGI app and print the timings."""

from __future__ import annotations

import argparse
import random
import re
import tempfile
from pathlib import Path

from common import report, timed

PARAGRAPH = (
    "Public bodies use automated tools to sort casework, answer questions and spot patterns. Each tool "
    "needs a clear purpose, good data, people who check its outputs and a route for anyone affected to "
    "challenge a decision. "
)


def lesson_text(module: int, lesson: int) -> str:
    body = [f"---\ntitle: Lesson {lesson} of module {module}\nminutes: 8\n---\n"]
    for section in range(1, 5):
        body.append(f"## Section {section}\n\n" + PARAGRAPH * 4 + "\n")
        body.append(
            "| Measure | Meaning |\n| --- | --- |\n| Accuracy | How often it is right |\n"
            "| Recall | How many real cases it finds |\n"
        )
    body.append('!!! scenario "A council example"\n    ' + PARAGRAPH + "\n")
    body.append(f"""::: check check-{lesson}
type: single

Which of these is right?

- [x] The right one
  > Because it is.
- [ ] The wrong one
  > Because it is not.
:::
""")
    return "\n".join(body)


def write_courses(root: Path, modules: int, lessons: int) -> None:
    for number in range(1, modules + 1):
        folder = root / f"module-{number:03d}"
        folder.mkdir(parents=True)
        slugs = [f"lesson-{n}" for n in range(1, lessons + 1)]
        (folder / "module.yaml").write_text(
            f"slug: module-{number:03d}\ntitle: Module {number}\nsummary: A benchmark module.\n"
            "audience: Everyone\nlevel: introductory\nedition: 1\nlanguage: en\npass_mark: 80\n"
            "outcomes:\n  - Be measured\nlessons:\n" + "".join(f"  - {s}\n" for s in slugs)
        )
        for n, slug in enumerate(slugs, start=1):
            (folder / f"{slug}.md").write_text(lesson_text(number, n))
        questions = "\n".join(
            f"::: question q{q}\ntype: single\n\nQuestion {q}?\n\n- [x] Yes\n  > Right.\n- [ ] No\n  > Wrong.\n:::\n"
            for q in range(1, 21)
        )
        (folder / "quiz.md").write_text(questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--lessons", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from literacy import create_app
    from literacy.content import check_paths
    from literacy.extensions import db
    from literacy.models import User
    from literacy.publishing import sync_courses

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "courses"
        write_courses(root, args.modules, args.lessons)
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "COURSES_DIR": str(root),
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            engine = db.engine.url.drivername
            print(f"{args.modules} modules x {args.lessons} lessons, 20 questions each; database {engine}")
            check_seconds = timed(lambda: check_paths([root]))
            publish_seconds = timed(lambda: sync_courses(root))
            print(f"check:   {check_seconds:7.2f} s   ({check_seconds / args.modules * 1000:.0f} ms a module)")
            per_module = publish_seconds / args.modules * 1000
            print(f"publish: {publish_seconds:7.2f} s   (check + store, {per_module:.0f} ms a module)")
            resync = timed(lambda: sync_courses(root))
            print(f"re-sync with nothing changed: {resync:.2f} s")
            user = User(email="bench@example.org", name="Bench")
            user.set_password("benchmark password")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        client.post("/sign-in", data={"email": "bench@example.org", "password": "benchmark password"})
        rng = random.Random(1)
        paths = [
            f"/modules/module-{rng.randint(1, args.modules):03d}/lesson-{rng.randint(1, args.lessons)}"
            for _ in range(args.requests)
        ]
        for path in paths[:20]:  # warm up
            client.get(path)
        samples = []
        for path in paths:
            samples.append(timed(lambda p=path: _check(client.get(p))))
        report("lesson page (signed in, WSGI)", samples)
        catalogue = [timed(lambda: _check(client.get("/modules"))) for _ in range(50)]
        report(f"catalogue of {args.modules} modules", catalogue)


def _check(response) -> None:
    assert response.status_code == 200, response.status_code
    assert re.search(rb"<h1", response.data)


if __name__ == "__main__":
    main()

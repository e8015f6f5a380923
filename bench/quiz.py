"""Time submitting and grading a 20-question attempt, and rendering "My learning" for a learner with 50
modules, through the WSGI app; prints the median and 95th percentile."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import report, timed
from lessons import write_courses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from literacy import create_app
    from literacy.extensions import db
    from literacy.learning import quiz, service
    from literacy.models import User
    from literacy.publishing import sync_courses

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "courses"
        write_courses(root, args.modules, 2)
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
            sync_courses(root)
            user = User(email="bench@example.org", name="Bench")
            user.set_password("benchmark password")
            db.session.add(user)
            db.session.commit()
            print(f"{args.modules} modules, 20 questions each; database {db.engine.url.drivername}")
            slugs = [f"module-{n:03d}" for n in range(1, args.modules + 1)]
            found = {slug: service.find_module(user, slug) for slug in slugs}
            for module, version in found.values():
                for lesson in ("lesson-1", "lesson-2"):
                    service.complete_lesson(user, module, version, lesson)
            db.session.commit()

            def answered_attempt(slug: str, right: bool, answers: int = 20) -> int:
                module, version = found[slug]
                attempt = quiz.start_attempt(user, module, version, "assessment", "en")
                for question in range(1, answers + 1):
                    quiz.save_answer(attempt.id, f"q{question}", "a" if right else "b", 2)
                db.session.commit()
                return attempt.id

            client = app.test_client()
            client.post("/sign-in", data={"email": "bench@example.org", "password": "benchmark password"})
            samples = []
            graded = slugs[len(slugs) // 2 :]  # these end completed; the others stay in progress
            for number in range(args.submissions):
                slug = graded[number % len(graded)]
                attempt_id = answered_attempt(slug, right=number % 3 != 0)
                path = f"/modules/{slug}/quiz/{attempt_id}/check"
                samples.append(timed(lambda p=path: _redirected(client.post(p))))
            report("submit and grade a 20-question attempt", samples)

            # half the modules completed, the rest in progress with an unfinished attempt
            for slug in slugs[: len(slugs) // 2]:
                answered_attempt(slug, right=False, answers=10)
            learning = client.get("/my-learning").get_data(as_text=True)
            print(
                f"My learning shows {learning.count('/certificates/')} certificates and "
                f"{learning.count('Continue the assessment')} attempts to continue"
            )
        for _ in range(10):
            client.get("/my-learning")
        pages = [timed(lambda: _ok(client.get("/my-learning"))) for _ in range(args.requests)]
        report(f"My learning with {args.modules} modules", pages)


def _redirected(response) -> None:
    assert response.status_code == 302, response.status_code


def _ok(response) -> None:
    assert response.status_code == 200, response.status_code
    assert b"My learning" in response.data


if __name__ == "__main__":
    main()

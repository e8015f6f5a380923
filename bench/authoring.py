"""Authoring figures: the editor's check and preview of a large draft (every save and preview parses the
whole module), a large GIFT import, and question statistics over many attempts (and their query count)."""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from common import report, timed
from lessons import lesson_text

CORPUS = Path(__file__).resolve().parents[1] / "../shared/fixtures/moodle-gift/fixtures/examples.txt"


def draft_files(lessons: int, questions: int):
    from literacy.authoring import drafts

    files = drafts.starter_files("bench-module", "Bench module")
    slugs = [f"lesson-{n}" for n in range(1, lessons + 1)]
    files.text["module.yaml"] = files.text["module.yaml"].replace("  - introduction\n", "".join(
        f"  - {s}\n" for s in slugs))
    del files.text["introduction.md"]
    for number, slug in enumerate(slugs, start=1):
        files.text[f"{slug}.md"] = lesson_text(1, number)
    files.text["quiz.md"] = "\n".join(
        f"::: question q{q}\ntype: single\n\nQuestion {q}?\n\n- [x] Yes\n  > Right.\n- [ ] No\n  > Wrong.\n"
        f"- [ ] Maybe\n  > Wrong.\n:::\n"
        for q in range(1, questions + 1)
    )
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=12)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--attempts", type=int, default=5000)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from sqlalchemy import event, insert

    from literacy import create_app
    from literacy.authoring import drafts, preview, statistics, versions
    from literacy.content import gift
    from literacy.extensions import db
    from literacy.models import Membership, Organisation, QuizAttempt, Response, User, utcnow

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            print(f"draft of {args.lessons} lessons and {args.questions} questions; database "
                  f"{db.engine.url.drivername}")
            organisation = Organisation(slug="bench", name="Bench")
            trainer = User(email="trainer@example.org", name="Trainer")
            trainer.set_password("benchmark password")
            db.session.add_all([organisation, trainer])
            db.session.flush()
            db.session.add(Membership(user_id=trainer.id, organisation_id=organisation.id, role="trainer"))
            files = draft_files(args.lessons, args.questions)
            draft = drafts.create_draft(organisation, trainer, files, "bench-module")
            db.session.commit()
            report("check a draft (parse + render + sanitize)",
                   [timed(lambda: preview.check(files, "bench-module")) for _ in range(20)])
            if CORPUS.is_file():
                data = CORPUS.read_bytes() * 20
                records = len(gift.read_gift(data).questions)
                report(f"GIFT import of {records} records", [timed(lambda: gift.import_gift(data)) for _ in range(5)])
            outcome = versions.publish_draft(draft, trainer)
            db.session.commit()
            module = outcome.module
            rng = random.Random(1)
            users = [{"email": f"learner{n}@example.org", "name": f"Learner {n}", "password_hash": "x"}
                     for n in range(args.attempts)]
            db.session.execute(insert(User), users)
            user_ids = [row[0] for row in db.session.execute(db.select(User.id).where(User.id != trainer.id))]
            now = utcnow()
            db.session.execute(insert(QuizAttempt), [
                {"user_id": uid, "module_id": module.id, "version_id": module.current_version_id,
                 "purpose": "assessment", "language": "en", "submitted_at": now, "option_order": {}}
                for uid in user_ids
            ])
            attempt_ids = [row[0] for row in db.session.execute(db.select(QuizAttempt.id))]
            rows = []
            for attempt_id in attempt_ids:
                ability = rng.random()
                for q in range(1, args.questions + 1):
                    right = rng.random() < 0.3 + 0.6 * ability
                    rows.append({"attempt_id": attempt_id, "question_key": f"q{q}",
                                 "answer": "a" if right else rng.choice("bc"), "is_correct": right})
            db.session.execute(insert(Response), rows)
            db.session.commit()
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            samples = [timed(lambda: statistics.question_statistics(module)) for _ in range(5)]
            report(f"question statistics, {len(attempt_ids)} attempts x {args.questions}", samples)
            print(f"queries for the statistics: {len(statements) // len(samples)}")
        client = app.test_client()
        client.post("/sign-in", data={"email": "trainer@example.org", "password": "benchmark password"})
        editor = "/author/bench/modules/bench-module/files/quiz.md"
        report("editor page (GET, WSGI)", [timed(lambda: client.get(editor)) for _ in range(20)])
        source = files.text["quiz.md"]
        report("live preview (POST, WSGI)",
               [timed(lambda: client.post(editor + "/preview", data={"source": source})) for _ in range(20)])


if __name__ == "__main__":
    main()

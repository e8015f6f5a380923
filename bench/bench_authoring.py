"""Authoring at the limits: a module of LITERACY_MAX_QUESTIONS questions (default 500) imported as a zip and
as a GIFT file, then its editor page and live preview, and a draft far over the limit (default 20,000
questions) that must still open fast so it can be cut down. Everything goes through the WSGI app, as a
trainer's browser would."""

from __future__ import annotations

import argparse
import io
import tempfile
import zipfile

from common import report, timed

QUESTION = (
    "::: question q{n}\ntype: single\n\nWhich statement about model {n} is true?\n\n"
    "- [x] It was trained on examples\n  > Right: models learn from examples.\n"
    "- [ ] It understands like a person\n  > No: it finds patterns.\n"
    "- [ ] It is never wrong\n  > No: every model makes mistakes.\n\n"
    "Explanation:\nModels learn patterns from the examples they were trained on.\n:::\n"
)


def quiz_text(questions: int, markup: bool = False, salt: int = 0) -> str:
    """The quiz; with ``markup`` every text has some (emphasis, an apostrophe), so none takes the plain path,
    and ``salt`` in every text, so no text has been rendered before (a cold cache)."""
    question = QUESTION
    if markup:
        tag = "{salt}-{n}"
        for plain, marked in (("examples", f"*examples {tag}*"), ("a person", f"a person's mind {tag}"),
                              ("patterns.", f"patterns {tag}."), ("mistakes.", f"mistakes {tag}."),
                              ("is true?", f"is *true* ({tag})?"), ("never wrong", f"never *wrong* {tag}")):
            question = question.replace(plain, marked)
    return "---\ntitle: Assessment\n---\n\n" + "\n".join(
        question.format(n=n, salt=salt) for n in range(1, questions + 1))


def module_zip(slug: str, questions: int) -> bytes:
    from literacy.authoring import drafts, transfer

    files = drafts.starter_files(slug, "Bench module")
    files.text["quiz.md"] = quiz_text(questions)
    return transfer.export_zip(slug, files)


def gift_file(questions: int) -> bytes:
    return "\n\n".join(
        f"::Q{n}:: Which statement about model {n} is true? {{=It was trained on examples#Right. "
        f"~It understands like a person#No. ~It is never wrong#No.}}"
        for n in range(1, questions + 1)
    ).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=500, help="questions at the limit (LITERACY_MAX_QUESTIONS)")
    parser.add_argument("--over", type=int, default=20000, help="questions of the oversized draft")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from sqlalchemy import delete

    from literacy import create_app
    from literacy.authoring import drafts
    from literacy.extensions import db
    from literacy.models import Membership, ModuleDraft, Organisation, User

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MAX_QUESTIONS": args.questions,
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            db.drop_all()
            db.create_all()
            organisation = Organisation(slug="bench", name="Bench")
            trainer = User(email="trainer@example.org", name="Trainer")
            trainer.set_password("benchmark password")
            db.session.add_all([organisation, trainer])
            db.session.flush()
            db.session.add(Membership(user_id=trainer.id, organisation_id=organisation.id, role="trainer"))
            db.session.commit()
            print(f"{args.questions} questions at the limit, {args.over} over it; database {db.engine.url.drivername}")
        client = app.test_client()
        client.post("/sign-in", data={"email": "trainer@example.org", "password": "benchmark password"})

        archive = module_zip("bench-module", args.questions)
        print(f"zip of {args.questions} questions: {len(archive) / 1024:.0f} KiB, "
              f"{sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(archive)).infolist()) / 1024:.0f} KiB unpacked")

        def import_zip():
            with app.app_context():
                db.session.execute(delete(ModuleDraft))
                db.session.commit()
            response = client.post("/author/bench/import", data={"file": (io.BytesIO(archive), "bench.zip")},
                                   content_type="multipart/form-data")
            assert response.status_code == 302, response.status_code

        report(f"zip import, {args.questions} questions (WSGI)", [timed(import_zip) for _ in range(args.requests)])
        base = "/author/bench/modules/bench-module"
        editor = f"{base}/files/quiz.md"
        report("editor page at the limit (GET)", [timed(lambda: client.get(editor)) for _ in range(args.requests)])
        source = quiz_text(args.questions)
        report("live preview at the limit (POST)", [timed(lambda: client.post(editor + "/preview", data={
            "source": source})) for _ in range(args.requests)])
        report("module page at the limit (GET)", [timed(lambda: client.get(base)) for _ in range(args.requests)])
        salts = iter(range(1, 1000))
        report("preview, markup everywhere, none rendered before", [timed(lambda: client.post(
            editor + "/preview", data={"source": quiz_text(args.questions, True, next(salts))}))
            for _ in range(args.requests)])
        marked = quiz_text(args.questions, markup=True, salt=0)
        client.post(editor + "/preview", data={"source": marked})
        edits = iter(range(1, 1000))
        report("preview, markup everywhere, one question edited", [timed(lambda: client.post(
            editor + "/preview", data={"source": marked.replace("model 7 ", f"model 7 (edit {next(edits)}) ")}))
            for _ in range(args.requests)])

        gift = gift_file(args.questions - 1)  # the draft keeps its one starter question
        print(f"GIFT file of {args.questions - 1} questions: {len(gift) / 1024:.0f} KiB")

        def import_gift():
            with app.app_context():
                draft = db.session.scalar(db.select(ModuleDraft))
                files = drafts.DraftFiles.loads(draft.files)
                files.text["quiz.md"] = drafts.STARTER_QUIZ
                draft.files = files.dumps()
                db.session.commit()
            response = client.post(f"{base}/import-gift", data={"file": (io.BytesIO(gift), "bench.gift")},
                                   content_type="multipart/form-data")
            assert b"questions added to quiz.md" in response.data

        report(f"GIFT import, {args.questions - 1} questions (WSGI)",
               [timed(import_gift) for _ in range(args.requests)])
        report("editor page after the GIFT import (GET)",
               [timed(lambda: client.get(editor)) for _ in range(args.requests)])

        huge = gift_file(args.over)
        refused = [timed(lambda: client.post(f"{base}/import-gift", data={"file": (io.BytesIO(huge), "huge.gift")},
                                             content_type="multipart/form-data")) for _ in range(args.requests)]
        report(f"GIFT file of {args.over} refused ({len(huge) / 1024:.0f} KiB)", refused)
        with app.app_context():
            draft = db.session.scalar(db.select(ModuleDraft))
            files = drafts.DraftFiles.loads(draft.files)
            files.text["quiz.md"] = quiz_text(args.over)
            draft.files = files.dumps()
            db.session.commit()
        report(f"editor page, draft of {args.over} (GET)", [timed(lambda: client.get(editor))
                                                            for _ in range(args.requests)])
        report(f"module page, draft of {args.over} (GET)", [timed(lambda: client.get(base))
                                                            for _ in range(args.requests)])


if __name__ == "__main__":
    main()

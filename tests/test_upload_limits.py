"""Hostile uploads: damaged, encrypted or oversized zips, GIFT files over the question limit, requests over
MAX_CONTENT_LENGTH, and drafts over LITERACY_MAX_QUESTIONS. Each is refused with a message (never a
500) and nothing of a refused import is saved."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest
from sqlalchemy import func, select

from literacy import content
from literacy.authoring import drafts, transfer
from literacy.content import gift
from literacy.extensions import db
from literacy.models import ModuleDraft

from .authoring_support import QUIZ, files_of, make_draft

BASE = "/author/org-a/modules/my-module"


@pytest.fixture
def org_a(make_organisation):
    return make_organisation("org-a", "Organisation A")


@pytest.fixture
def trainer(make_user, org_a):
    return make_user("trainer@example.org", name="Tess Trainer", organisation=org_a, roles=("trainer",))


@pytest.fixture
def draft(org_a, trainer):
    return make_draft(org_a, trainer)


def module_zip(slug: str = "new-module", questions: int = 1, compression: int = zipfile.ZIP_STORED) -> bytes:
    files = drafts.starter_files(slug, "New module")
    files.text["quiz.md"] = "---\ntitle: Assessment\n---\n\n" + "\n".join(
        f"::: question q{n}\ntype: single\n\nQuestion {n}?\n\n- [x] Yes\n- [ ] No\n:::\n" for n in range(questions)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for path, data in files.as_bytes().items():
            archive.writestr(f"{slug}/{path}", data)
    return buffer.getvalue()


def patch_central(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Change one field of every entry of the zip's central directory (offset from the entry's start)."""
    out = bytearray(data)
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into(fmt, out, start + offset, value)
        start += 4
    return bytes(out)


def drafts_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(ModuleDraft.id)))


def upload(auth, path: str, data: bytes, name: str = "module.zip"):
    return auth.post(path, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def bad_crc() -> bytes:
    data = module_zip()
    return data.replace(b"Say in one sentence", b"Say in one SENTENCE", 1)


def lying_size() -> bytes:
    return patch_central(module_zip(compression=zipfile.ZIP_DEFLATED), 24, "<I", 3)  # uncompressed size


def huge_claimed_size() -> bytes:
    return patch_central(module_zip(compression=zipfile.ZIP_DEFLATED), 24, "<I", 50 * 1024 * 1024)


def encrypted() -> bytes:
    return patch_central(module_zip(), 8, "<H", 0x1)  # general purpose flag: encrypted


def unknown_compression() -> bytes:
    return patch_central(module_zip(), 10, "<H", 99)


def truncated() -> bytes:
    data = module_zip()
    return data[: len(data) // 2] + data[-22:]  # the end record survives, the directory does not


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (bad_crc, "is damaged inside the zip file"),
        (lying_size, "is damaged inside the zip file"),
        (huge_claimed_size, "unpacked, the most this site accepts"),
        (encrypted, "is protected by a password"),
        (unknown_compression, "is packed in a way this site cannot unpack"),
        (truncated, "The file is not a zip file"),
    ],
)
def test_a_hostile_zip_is_refused_with_a_message_and_nothing_saved(client, auth, trainer, make, message):
    auth.sign_in("trainer@example.org")
    response = upload(auth, "/author/org-a/import", make())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert message in page
    assert drafts_count() == 0


def test_a_zip_with_too_many_files_is_refused(app, client, auth, trainer):
    app.config["IMPORT_MAX_FILES"] = 2
    auth.sign_in("trainer@example.org")
    page = upload(auth, "/author/org-a/import", module_zip()).get_data(as_text=True)
    assert "holds more than 2 files" in page and drafts_count() == 0


def test_an_upload_over_the_size_limit_is_refused(app, client, auth, trainer):
    data = module_zip()
    app.config["IMPORT_MAX_BYTES"] = len(data) - 1
    auth.sign_in("trainer@example.org")
    page = upload(auth, "/author/org-a/import", data).get_data(as_text=True)
    assert "The file is larger than" in page and drafts_count() == 0
    app.config["IMPORT_MAX_BYTES"] = len(data)
    assert upload(auth, "/author/org-a/import", data).status_code == 302 and drafts_count() == 1


def test_the_upload_pages_say_what_the_limits_are(client, auth, draft):
    auth.sign_in("trainer@example.org")
    assert "Up to 10 MB, with at most 500 questions" in client.get("/author/org-a/import").get_data(as_text=True)
    assert "Up to 10 MB. A module may have at most 500" in client.get(f"{BASE}/import-gift").get_data(as_text=True)


def test_a_request_over_max_content_length_gets_the_styled_413_page(app, client, auth, trainer):
    assert app.config["MAX_CONTENT_LENGTH"] == int(app.config["IMPORT_MAX_BYTES"]) + 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 2000
    auth.sign_in("trainer@example.org")
    response = upload(auth, "/author/org-a/import", b"x" * 5000)
    assert response.status_code == 413
    assert '<html lang="en"' in response.get_data(as_text=True) and drafts_count() == 0


def test_a_zip_over_the_question_limit_is_refused_before_anything_is_saved(app, client, auth, trainer):
    app.config["MAX_QUESTIONS"] = 5
    auth.sign_in("trainer@example.org")
    page = upload(auth, "/author/org-a/import", module_zip(questions=6)).get_data(as_text=True)
    assert "more than 5 questions" in page and "quiz.md:" in page
    assert drafts_count() == 0
    assert upload(auth, "/author/org-a/import", module_zip(questions=5)).status_code == 302


def gift_file(count: int) -> bytes:
    return "\n\n".join(f"::Q{n}:: Is {n} a number? {{T}}" for n in range(count)).encode()


def test_a_gift_import_over_the_question_limit_changes_nothing(app, client, auth, draft):
    app.config["MAX_QUESTIONS"] = 5  # the draft has 2
    auth.sign_in("trainer@example.org")
    page = upload(auth, f"{BASE}/import-gift", gift_file(4), "q.gift").get_data(as_text=True)
    assert "Nothing was imported" in page and "room for 3 more" in page
    db.session.rollback()
    assert files_of(db.session.get(ModuleDraft, draft.id)).text["quiz.md"] == QUIZ
    page = upload(auth, f"{BASE}/import-gift", gift_file(3), "q.gift").get_data(as_text=True)
    assert "3 questions added to quiz.md" in page
    page = upload(auth, f"{BASE}/import-gift", gift_file(1), "q.gift").get_data(as_text=True)
    assert "already has 5 questions" in page


def test_a_gift_file_over_the_size_limit_is_refused(app, client, auth, draft):
    app.config["IMPORT_MAX_BYTES"] = 100
    auth.sign_in("trainer@example.org")
    page = upload(auth, f"{BASE}/import-gift", gift_file(20), "q.gift").get_data(as_text=True)
    assert "The file is larger than" in page
    db.session.rollback()
    assert files_of(db.session.get(ModuleDraft, draft.id)).text["quiz.md"] == QUIZ


def test_reading_a_huge_gift_file_stops_at_the_limit():
    data = gift_file(20_000)
    started = time.perf_counter()
    result = gift.import_gift(data, max_records=501)
    assert result.truncated and result.count == 0
    assert time.perf_counter() - started < 1.0
    assert gift.read_gift(gift_file(3), max_records=3).truncated is False


def test_a_module_over_the_limit_has_one_problem_at_the_first_question_too_many():
    files = {"module.yaml": b"slug: big\n", "quiz.md": QUIZ.encode(), "quiz.cy.md": QUIZ.encode()}
    result = content.parse_module(files, label="courses/big", max_questions=1)
    assert [str(problem) for problem in result.problems] == [
        "courses/big/quiz.cy.md:19: a module may have at most 1 questions (knowledge checks included); this is "
        "question 2: split the module in two"
    ]
    assert result.slug == "big" and result.module is None
    assert content.question_limit_problem(files, 2) is None, "each language counts on its own"


def test_a_draft_far_over_the_limit_still_opens_fast_so_it_can_be_repaired(client, auth, org_a, trainer):
    quiz = "---\ntitle: Assessment\n---\n\n" + "\n".join(
        f"::: question q{n}\ntype: single\n\nQuestion {n}?\n\n- [x] Yes\n  > Right.\n- [ ] No\n  > Wrong.\n:::\n"
        for n in range(20_000)
    )
    make_draft(org_a, trainer, quiz=quiz)
    auth.sign_in("trainer@example.org")
    for path, shown in ((BASE, "1 problem"), (f"{BASE}/files/quiz.md", "a module may have at most 500 questions"),
                        (f"{BASE}/files/introduction.md", "a module may have at most 500 questions")):
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200
        assert time.perf_counter() - started < 3.0, path
        assert shown in response.get_data(as_text=True)
    started = time.perf_counter()
    preview = auth.post(f"{BASE}/files/quiz.md/preview", {"source": quiz})
    assert preview.status_code == 200 and time.perf_counter() - started < 3.0
    cut = quiz[: quiz.index("::: question q500\n")]
    saved = auth.post(f"{BASE}/files/quiz.md", {"source": cut, "action": "save"})
    assert saved.status_code == 302
    assert "at most 500 questions" not in client.get(f"{BASE}/files/quiz.md").get_data(as_text=True)


def test_question_count_counts_one_language():
    files = drafts.starter_files("m", "M")
    files.text["quiz.cy.md"] = files.text["quiz.md"]
    assert transfer.question_count(files) == 1


@pytest.mark.parametrize(
    "text",
    ["Right.", "No: it finds patterns.", "Which statement about model 12 is true?", "Ça va, dŵr (water) 5%",
     "It is never wrong!", "A well-known model", "Yes"],
)
def test_plain_text_takes_the_short_path_with_the_same_html(text):
    from literacy.content import parse

    assert parse._PLAIN_TEXT_RE.match(text)
    assert content.render_markdown(text).html == f"<p>{text}</p>"
    assert content.render_inline(text).html == text


@pytest.mark.parametrize("text", ["It's", "a -- b", "Wait...", "1. First", "- item", "*bold*", "a & b", "x  ", "a\nb",
                                  "<b>", "see [link](x)", '"quoted"'])
def test_text_with_markup_takes_the_full_path(text):
    from literacy.content import parse

    assert not parse._PLAIN_TEXT_RE.match(text)

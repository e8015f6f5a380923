"""Checker problems and GIFT notes in the reader's language: Welsh on a Welsh trainer's pages, English on the
command line unless ``--language`` asks otherwise; footnotes' back-links titled in the lesson's language."""

from __future__ import annotations

import io
from pathlib import Path

from literacy.content import parse_module, render_markdown
from literacy.content.problems import N_, Message
from literacy.extensions import db
from literacy.models import User

from .authoring_support import QUIZ, make_draft

BASE = "/author/org-a/modules/my-module"
BROKEN = QUIZ.replace("- [x] Yellow", "- [ ] Yellow")  # the single question has no correct option


def _welsh_trainer(make_user, make_organisation):
    organisation = make_organisation("org-a", "Organisation A")
    trainer = make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    db.session.get(User, trainer.id).locale = "cy"
    db.session.commit()
    return organisation, trainer


def test_a_message_reads_as_english_and_translates_with_its_parts() -> None:
    message = N_('"%(key)s" must be %(rule)s', key="edition", rule=N_("a whole number"))
    assert message == '"edition" must be a whole number' and isinstance(message, Message)
    welsh = {'"%(key)s" must be %(rule)s': 'rhaid i "%(key)s" fod %(rule)s', "a whole number": "yn rhif cyfan"}
    assert message.translate(lambda msgid: welsh.get(msgid, msgid)) == 'rhaid i "edition" fod yn rhif cyfan'
    # a translation whose placeholders do not match falls back to English rather than failing the page
    broken = {'"%(key)s" must be %(rule)s': "%(other)s"}
    assert message.translate(lambda msgid: broken.get(msgid, msgid)) == '"edition" must be a whole number'


def test_a_welsh_trainer_sees_the_checkers_problems_in_welsh(client, auth, make_user, make_organisation):
    organisation, trainer = _welsh_trainer(make_user, make_organisation)
    make_draft(organisation, trainer)
    auth.sign_in("trainer@example.org")
    assert auth.post(f"{BASE}/files/quiz.md", {"source": BROKEN, "action": "save"}).status_code == 302
    page = client.get(f"{BASE}/files/quiz.md").get_data(as_text=True)
    # the location keeps its form ("file, line N"), the message is Welsh, the question's ID as written
    assert "quiz.md, llinell 5: does dim dewis cywir gan y cwestiwn &#34;colour&#34;" in page
    assert "has no correct option" not in page


def test_a_welsh_trainer_sees_gift_import_notes_in_welsh(client, auth, make_user, make_organisation):
    organisation, trainer = _welsh_trainer(make_user, make_organisation)
    make_draft(organisation, trainer)
    gift_file = "::Essay::Tell us about yourself.{}\n\n::Tagged:: Is it? {T}\n".replace("::Tagged::",
                                                                                      "// [tag:demo]\n::Tagged::")
    auth.sign_in("trainer@example.org")
    page = auth.post(
        f"{BASE}/import-gift",
        {"file": (io.BytesIO(gift_file.encode()), "moodle.txt")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Llinell 1: ni fewnforiwyd &#34;Essay&#34;: cwestiwn traethawd" in page
    assert "ni chedwir y tagiau: demo" in page
    assert "was not imported" not in page and "tags are not kept" not in page


def test_the_command_line_stays_english_unless_a_language_is_given(app, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "module.yaml").write_text("slug: broken\ntitle: T\nsummary: S\naudience: A\nlevel: expert\n"
                                        "edition: 1\nlanguage: en\npass_mark: 80\noutcomes:\n  - o\nlessons: []\n")
    runner = app.test_cli_runner()
    english = runner.invoke(args=["courses", "check", str(folder)])
    assert english.exit_code == 1
    assert f"{folder}/module.yaml:5: level \"expert\" must be one of introductory, intermediate, advanced" \
        in english.output
    welsh = runner.invoke(args=["courses", "check", "--language", "cy", str(folder)])
    assert f"{folder}/module.yaml:5: rhaid i level \"expert\" fod yn un o introductory, intermediate, advanced" \
        in welsh.output
    refused = runner.invoke(args=["courses", "check", "--language", "xx", str(folder)])
    assert refused.exit_code == 2 and "choose one of en, cy" in refused.output


def test_footnote_back_links_are_titled_in_the_lessons_language() -> None:
    text = "A claim.[^1]\n\n[^1]: The source."
    assert 'title="Yn ôl i\'r testun"' in render_markdown(text, language="cy").html
    assert 'title="Back to the text"' in render_markdown(text, language="en").html
    assert 'title="Tillbaka till texten"' in render_markdown(text, language="sv").html  # from the catalogue
    assert 'title="Back to the text"' in render_markdown(text, language="de").html  # a language without one


def test_a_welsh_lesson_file_gets_the_welsh_back_link_title(tmp_path: Path) -> None:
    files = {
        "module.yaml": b"slug: notes\ntitle: Notes\nsummary: S\naudience: A\nlevel: introductory\nedition: 1\n"
                       b"language: en\npass_mark: 80\noutcomes:\n  - o\nlessons:\n  - one\n",
        "module.cy.yaml": b"title: Nodiadau\n",
        "one.md": b"---\ntitle: One\nminutes: 5\n---\nA claim.[^1]\n\n[^1]: The source.\n",
        "one.cy.md": b"---\ntitle: Un\n---\nHoniad.[^1]\n\n[^1]: Y ffynhonnell.\n",
    }
    result = parse_module(files)
    assert result.problems == []
    lesson = result.module.lesson("one")
    assert "Yn ôl i'r testun" in lesson.variant("cy").html.replace("&#x27;", "'").replace("&#39;", "'")
    assert "Back to the text" in lesson.variant("en").html

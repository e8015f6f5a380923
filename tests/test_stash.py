"""The editor's "keep my text after my session expired" stash: only the trainer's own expired session may
keep text, from this site, up to LITERACY_STASH_MAX_BYTES; it comes back only to that trainer, as a
comparison with the saved draft that they must confirm."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from literacy.auth import sessions
from literacy.authoring import stash
from literacy.extensions import db
from literacy.models import EditStash, ModuleDraft, UserSession, utcnow

from .authoring_support import QUIZ, files_of, make_draft

BASE = "/author/org-a/modules/my-module"
EDITOR = f"{BASE}/files/quiz.md"
ORIGIN = {"Origin": "http://localhost"}
WRITTEN = QUIZ.replace("Which colour is between orange and green?", "Which colour lies between orange and green?")


@pytest.fixture
def org_a(make_organisation):
    return make_organisation("org-a", "Organisation A")


@pytest.fixture
def trainer(make_user, org_a):
    return make_user("trainer@example.org", name="Tess Trainer", organisation=org_a, roles=("trainer",))


@pytest.fixture
def draft(org_a, trainer):
    return make_draft(org_a, trainer)


def stashed() -> int:
    db.session.rollback()  # a fresh read: requests commit in sessions of their own
    return db.session.scalar(select(func.count(EditStash.id)))


def saved_quiz(draft: ModuleDraft) -> str:
    db.session.rollback()
    return files_of(db.session.get(ModuleDraft, draft.id)).text["quiz.md"]


def go_idle(client) -> None:
    """The browser's session runs past LITERACY_SESSION_IDLE_MINUTES (the cookie still names it)."""
    with client.session_transaction() as session:
        session[sessions.LAST_SEEN] = int((utcnow() - timedelta(hours=3)).timestamp())


def editor_text(page: str) -> str:
    match = re.search(r'<textarea[^>]*id="source"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match, "no editor on the page"
    return html.unescape(match.group(1)).lstrip("\n")


def post_expired(client, source: str = WRITTEN, headers: dict[str, str] | None = None):
    return client.post(EDITOR, data={"source": source, "action": "save", "csrf_token": "stale"},
                       headers=ORIGIN if headers is None else headers)


def restore_target(response) -> str | None:
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    target = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    return target if "restore=" in target else None


def test_an_idle_session_keeps_the_text_and_shows_it_as_a_comparison_to_confirm(client, auth, draft):
    auth.sign_in("trainer@example.org")
    go_idle(client)
    target = restore_target(post_expired(client))
    assert target is not None and stashed() == 1
    signed_in = auth.sign_in("trainer@example.org", query_string={"next": target})
    assert signed_in.headers["Location"] == target
    page = client.get(target).get_data(as_text=True)
    assert editor_text(page) == QUIZ, "the editor still shows the saved draft until the trainer chooses"
    assert "Text kept when your session expired" in page and "Use my kept text" in page
    assert "Removed: </span>- Which colour is between orange and green?" in page
    assert "Added: </span>+ Which colour lies between orange and green?" in page
    assert stashed() == 1, "looking does not use it up"
    token = parse_qs(urlsplit(target).query)["restore"][0]
    used = auth.post(f"{EDITOR}/kept", {"token": token, "action": "use"})
    assert used.status_code == 200
    assert editor_text(used.get_data(as_text=True)) == WRITTEN
    assert "It is not saved yet" in used.get_data(as_text=True)
    assert saved_quiz(draft) == QUIZ, "nothing is saved behind the trainer's back"
    assert stashed() == 0
    again = auth.post(f"{EDITOR}/kept", {"token": token, "action": "use"})
    assert again.status_code == 302 and stashed() == 0


def test_a_session_past_its_lifetime_keeps_the_text(client, auth, draft):
    auth.sign_in("trainer@example.org")
    db.session.execute(update(UserSession).values(created_at=utcnow() - timedelta(hours=13)))
    db.session.commit()
    assert restore_target(post_expired(client)) is not None and stashed() == 1


def test_the_kept_text_can_be_discarded(client, auth, draft):
    auth.sign_in("trainer@example.org")
    go_idle(client)
    target = restore_target(post_expired(client))
    auth.sign_in("trainer@example.org")
    token = parse_qs(urlsplit(target).query)["restore"][0]
    response = auth.post(f"{EDITOR}/kept", {"token": token, "action": "discard"})
    assert response.status_code == 302 and stashed() == 0
    assert saved_quiz(draft) == QUIZ


def test_a_signed_out_session_keeps_nothing(client, auth, draft):
    auth.sign_in("trainer@example.org")
    auth.sign_out()
    assert restore_target(post_expired(client)) is None and stashed() == 0


def test_a_session_ended_elsewhere_keeps_nothing(client, auth, draft):
    auth.sign_in("trainer@example.org")
    db.session.execute(update(UserSession).values(ended_at=utcnow(), end_reason=sessions.PASSWORD_CHANGED))
    db.session.commit()
    assert restore_target(post_expired(client)) is None and stashed() == 0


def test_no_cookie_keeps_nothing(client, draft):
    assert restore_target(post_expired(client)) is None and stashed() == 0


@pytest.mark.parametrize("headers", [{}, {"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Referer": "https://evil.example/form"}])
def test_a_post_not_from_this_site_keeps_nothing(client, auth, draft, headers):
    auth.sign_in("trainer@example.org")
    go_idle(client)
    assert restore_target(post_expired(client, headers=headers)) is None and stashed() == 0


def test_a_referer_from_this_site_is_enough(client, auth, draft):
    auth.sign_in("trainer@example.org")
    go_idle(client)
    assert restore_target(post_expired(client, headers={"Referer": f"http://localhost{EDITOR}"})) is not None


def test_text_over_the_size_limit_is_not_kept(app, client, auth, draft):
    app.config["STASH_MAX_BYTES"] = 1000
    auth.sign_in("trainer@example.org")
    go_idle(client)
    assert restore_target(post_expired(client, source="x" * 1001)) is None and stashed() == 0
    auth.sign_in("trainer@example.org")  # the refused post ended the browser's session cookie too
    go_idle(client)
    assert restore_target(post_expired(client, source="x" * 1000)) is not None and stashed() == 1


def test_a_trainer_of_another_organisation_keeps_nothing(client, auth, draft, make_user, make_organisation):
    other = make_organisation("org-b", "Organisation B")
    make_user("other@example.org", organisation=other, roles=("trainer",))
    auth.sign_in("other@example.org")
    go_idle(client)
    assert restore_target(post_expired(client)) is None and stashed() == 0


def test_a_learner_keeps_nothing(client, auth, draft, make_user, org_a):
    make_user("learner@example.org", organisation=org_a, roles=("learner",))
    auth.sign_in("learner@example.org")
    go_idle(client)
    assert restore_target(post_expired(client)) is None and stashed() == 0


def test_kept_text_is_shown_only_to_its_trainer(client, auth, draft, make_user, org_a):
    auth.sign_in("trainer@example.org")
    go_idle(client)
    target = restore_target(post_expired(client))
    make_user("colleague@example.org", organisation=org_a, roles=("trainer",))
    auth.sign_in("colleague@example.org")
    page = client.get(target).get_data(as_text=True)
    assert "Use my kept text" not in page and "lies between" not in page
    token = parse_qs(urlsplit(target).query)["restore"][0]
    response = auth.post(f"{EDITOR}/kept", {"token": token, "action": "use"})
    assert response.status_code == 302 and stashed() == 1, "another trainer can neither use nor discard it"


def test_a_newer_post_replaces_the_older_one(client, auth, draft):
    auth.sign_in("trainer@example.org")
    go_idle(client)
    post_expired(client, source="first")
    auth.sign_in("trainer@example.org")
    go_idle(client)
    post_expired(client, source="second")
    db.session.rollback()
    assert [row.text for row in db.session.scalars(select(EditStash))] == ["second"]


def test_the_comparison_groups_changed_lines_with_their_numbers():
    groups = stash.compare("a\nb\nc\nd\ne\nf\ng\nh", "a\nb\nc\nD\ne\nf\ng\nh")
    assert len(groups) == 1
    changed = [(line.kind, line.saved_number, line.kept_number, line.text) for line in groups[0]
               if line.kind != "same"]
    assert changed == [("removed", 4, None, "d"), ("added", None, 4, "D")]
    assert stash.compare("same", "same") == []

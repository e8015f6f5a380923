"""Site administration from the command line: create-admin unattended, orgs create/list, users import/deactivate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from literacy import cli, users_cli
from literacy.extensions import db
from literacy.models import AuditEvent, Invitation, Membership, Organisation, OutboxMessage, User, utcnow
from literacy.organisations import invitations

from .conftest import PASSWORD, Auth
from .support.mail import mail_config

LONG = "a long enough password"


@pytest.fixture
def app_config(inbox):
    return {**mail_config(inbox), "SITE_URL": "http://localhost"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- create-admin ------------------------------------------------------------------------------------


def test_create_admin_reads_the_password_from_standard_input(app, runner):
    result = runner.invoke(
        args=["create-admin", "--email", "Chief@Example.org", "--name", "Chief", "--password-stdin"],
        input=LONG + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created site administrator chief@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "chief@example.org"))
    assert user.is_site_admin and user.check_password(LONG) and user.email_verified_at is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))) == (
        "account.site_admin_set"
    )
    assert Auth(app.test_client()).sign_in("chief@example.org", LONG).status_code == 302


def test_create_admin_reads_the_password_from_the_environment(app, runner):
    result = runner.invoke(
        args=["create-admin", "--email", "chief@example.org", "--name", "Chief"],
        env={"LITERACY_ADMIN_PASSWORD": LONG},
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "chief@example.org")).check_password(LONG)


@pytest.mark.parametrize(
    ("how", "options"),
    [("stdin", {"input": "short\n"}), ("environment", {"env": {"LITERACY_ADMIN_PASSWORD": "elevenchars"}})],
)
def test_create_admin_refuses_a_short_password_however_given(app, runner, how, options):
    args = ["create-admin", "--email", "chief@example.org", "--name", "Chief"]
    result = runner.invoke(args=args + (["--password-stdin"] if how == "stdin" else []), **options)
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert count(User) == 0


def test_create_admin_unattended_without_a_password_says_how_to_give_one(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "chief@example.org", "--name", "Chief"], input="")
    assert result.exit_code == 2
    assert "--password-stdin" in result.output and "LITERACY_ADMIN_PASSWORD" in result.output
    assert count(User) == 0


def test_create_admin_asks_at_a_terminal(app, runner, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = runner.invoke(
        args=["create-admin", "--email", "chief@example.org", "--name", "Chief"], input=f"{LONG}\n{LONG}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert db.session.scalar(select(User).where(User.email == "chief@example.org")).check_password(LONG)


def test_create_admin_refuses_a_bad_email_address(app, runner):
    result = runner.invoke(
        args=["create-admin", "--email", "not an address", "--name", "Chief"], env={"LITERACY_ADMIN_PASSWORD": LONG}
    )
    assert result.exit_code == 2 and "enter an email address" in result.output
    assert count(User) == 0


# --- orgs list -----------------------------------------------------------------------------------------


def test_orgs_list_json_counts_each_person_once(app, runner, make_organisation, make_user):
    a = make_organisation("org-a", "Organisation A")
    make_organisation("org-b", "Organisation B")
    make_user("two.roles@a.example", organisation=a, roles=("learner", "manager"))
    make_user("learner@a.example", organisation=a)
    result = runner.invoke(args=["orgs", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"slug": "org-a", "name": "Organisation A", "archived": False, "people": 2},
        {"slug": "org-b", "name": "Organisation B", "archived": False, "people": 0},
    ]
    plain = runner.invoke(args=["orgs", "list"]).output
    assert "org-a: Organisation A, 2 people" in plain


# --- users import --------------------------------------------------------------------------------------


@pytest.fixture
def org(make_organisation):
    return make_organisation("org-a", "Organisation A")


def write(tmp_path, text: str):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_users_import_lists_every_bad_row_and_writes_nothing(app, runner, org, tmp_path, inbox):
    path = write(tmp_path, "name,email\nAna,ana@a.example\nBad,not-an-address\nNo Email,\nAna Again,ANA@a.example\n")
    result = runner.invoke(args=["users", "import", str(path), "--org", "org-a", "--role", "learner"])
    assert result.exit_code == 1
    assert f"{path}:3: 'not-an-address' is not an email address" in result.output
    assert f"{path}:4: no email address" in result.output
    assert f"{path}:5: ANA@a.example appears more than once" in result.output  # quoted as typed
    assert "nobody was imported" in result.output
    assert count(Invitation) == count(Membership) == count(AuditEvent) == 0
    assert inbox.messages == []


def test_users_import_invites_newcomers_and_gives_the_organisations_people_the_role(
    app, runner, client, org, tmp_path, inbox, make_organisation, make_user
):
    other = make_organisation("org-b", "Organisation B")
    member = make_user("member@a.example", organisation=org, roles=("learner",))
    make_user("manager@a.example", organisation=org, roles=("manager",))
    stranger = make_user("stranger@b.example", organisation=other, roles=("org_admin",))
    path = write(
        tmp_path,
        "name,email\nNia New,nia@a.example\nMember,member@a.example\nManager,manager@a.example\n"
        "Stranger,stranger@b.example\n",
    )
    result = runner.invoke(args=["users", "import", str(path), "--org", "org-a", "--role", "manager"])
    assert result.exit_code == 0, result.output
    assert "org-a: 2 invited, 1 given the role manager, 1 already had it" in result.output
    # the organisation's learner is a manager now, at once and audited
    assert set(db.session.scalars(select(Membership.role).where(Membership.user_id == member.id))) == {
        "learner",
        "manager",
    }
    granted = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.role_granted"))
    assert granted.target_id == str(member.id) and granted.details["role"] == "manager"
    # the other organisation's account gets an invitation, never a silent role
    assert db.session.scalar(select(Membership).where(Membership.user_id == stranger.id)).organisation_id == other.id
    invited = {i.email: i for i in db.session.scalars(select(Invitation))}
    assert set(invited) == {"nia@a.example", "stranger@b.example"}
    assert all(i.role == "manager" and i.link_copied_at is None for i in invited.values())
    assert "invitation emails: 2 sent" in result.output  # the command sends what it queued (at once in tests)
    statuses = {db.session.get(OutboxMessage, i.message_id).status for i in invited.values()}
    assert statuses == {"sent"} and all(invitations.proves_mailbox(i) for i in invited.values())
    assert invited["nia@a.example"].name == "Nia New"
    assert sorted(m["To"] for m in inbox.messages) == ["nia@a.example", "stranger@b.example"]
    # the emailed link works: the newcomer accepts and is a manager of the organisation
    link = inbox.link(to="nia@a.example", path="/invitations/")
    response = Auth(client).post(link, {"name": "Nia New", "password": LONG, "confirm": LONG})
    assert response.status_code == 302
    nia = db.session.scalar(select(User).where(User.email == "nia@a.example"))
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == nia.id)) == "manager"


@pytest.mark.parametrize("app_config", [{"SITE_URL": "http://localhost"}])
def test_users_import_without_a_mail_server_says_the_links_are_only_in_the_log(app, runner, org, tmp_path):
    path = write(tmp_path, "name,email\nNia New,nia@a.example\n")
    result = runner.invoke(args=["users", "import", str(path), "--org", "org-a"])
    assert result.exit_code == 0, result.output
    assert "invitation emails: 1 not sent" in result.output and "the links are only in the log" in result.output
    invitation = db.session.scalar(select(Invitation))
    assert db.session.get(OutboxMessage, invitation.message_id).status == "not_sent"
    assert not invitations.proves_mailbox(invitation)


def test_users_import_needs_the_site_address_for_the_links(app, runner, org, tmp_path, inbox):
    app.config["SITE_URL"] = None
    path = write(tmp_path, "ana@a.example\n")
    result = runner.invoke(args=["users", "import", str(path), "--org", "org-a"])
    assert result.exit_code == 2 and "LITERACY_SITE_URL" in result.output
    assert count(Invitation) == 0
    with_option = runner.invoke(args=["users", "import", str(path), "--org", "org-a", "--site-url", "http://localhost"])
    assert with_option.exit_code == 0, with_option.output
    assert inbox.link(to="ana@a.example", path="/invitations/")


def test_users_import_refuses_an_unknown_or_archived_organisation_and_an_empty_file(app, runner, org, tmp_path):
    path = write(tmp_path, "name,email\n")
    assert (
        "no organisation has the slug nowhere"
        in runner.invoke(args=["users", "import", str(path), "--org", "nowhere"]).output
    )
    empty = runner.invoke(args=["users", "import", str(path), "--org", "org-a"])
    assert empty.exit_code == 1 and "lists nobody" in empty.output
    org.archived_at = utcnow()
    db.session.commit()
    archived = runner.invoke(args=["users", "import", str(write(tmp_path, "ana@a.example\n")), "--org", "org-a"])
    assert archived.exit_code == 1 and "org-a is archived" in archived.output
    assert count(Invitation) == 0


def test_import_people_is_all_or_nothing_under_the_invitation_limit(app, org, make_user):
    actor = make_user("admin@a.example", organisation=org, roles=("org_admin",))
    app.config["INVITATIONS_PER_DAY"] = 1
    from literacy.cohorts.roster import parse_csv
    from literacy.organisations.invitations import LimitReached

    parsed = parse_csv(b"one@a.example\ntwo@a.example\n")
    with app.test_request_context(), pytest.raises(LimitReached):
        users_cli.import_people(actor, org, parsed.candidates, "learner")
    assert count(Invitation) == 0


# --- users deactivate (the same command as accounts deactivate) ----------------------------------------


def test_users_deactivate_is_accounts_deactivate(app, runner, make_user):
    make_user("ana@a.example")
    signed_in = app.test_client()
    Auth(signed_in).sign_in("ana@a.example", PASSWORD)
    result = runner.invoke(args=["users", "deactivate", "ANA@a.example"])
    assert result.exit_code == 0, result.output
    assert "Deactivated ana@a.example and ended 1 open session(s)" in result.output
    assert signed_in.get("/account").status_code == 302  # the open session ended at once
    assert not db.session.scalar(select(User.is_enabled).where(User.email == "ana@a.example"))
    assert "already deactivated" in runner.invoke(args=["accounts", "deactivate", "ana@a.example"]).output
    assert "Activated ana@a.example" in runner.invoke(args=["users", "activate", "ana@a.example"]).output
    unknown = runner.invoke(args=["users", "deactivate", "nobody@a.example"])
    assert unknown.exit_code == 1 and "no account has the email address nobody@a.example" in unknown.output
    assert app.cli.commands["users"].commands["deactivate"] is app.cli.commands["accounts"].commands["deactivate"]


def test_create_admin_unattended_never_reads_the_password_as_the_email(app, runner):
    result = runner.invoke(args=["create-admin", "--name", "Chief", "--password-stdin"], input=LONG + "\n")
    assert result.exit_code == 2 and "give --email" in result.output
    assert count(User) == 0


# --- orgs create ---------------------------------------------------------------------------------------


def test_orgs_create_makes_an_audited_organisation(app, runner):
    result = runner.invoke(args=["orgs", "create", "vale-council", "Vale Council"])
    assert result.exit_code == 0, result.output
    assert "Created organisation vale-council: Vale Council" in result.output
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.slug, organisation.name, organisation.archived_at) == ("vale-council", "Vale Council", None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created"))
    assert event.actor_id is None and event.organisation_id == organisation.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Vale Council", "Vale Council"], "lowercase letters, digits and single hyphens"),
        (["vale--council", "Vale Council"], "lowercase letters, digits and single hyphens"),
        (["vale-council", "   "], "give a name"),
        (["vale-council", "x" * 201], "give a name"),
        (["org-a", "Another A"], "another organisation already uses the slug org-a"),
    ],
)
def test_orgs_create_refuses_what_the_admin_page_refuses(app, runner, org, args, message):
    result = runner.invoke(args=["orgs", "create", *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 1

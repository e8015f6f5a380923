"""An invitation link is single use under concurrency (issue 12), on SQLite and PostgreSQL alike.

Eight people follow the same link at the same moment, each with their own browser (test client), and
post the same form. Exactly one gets in: one account, one cohort member; the others see the page for a
link that does not work. Accepting spends the link with one conditional UPDATE before anything else.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from literacy.cohorts import roster, service
from literacy.extensions import db
from literacy.models import AuditEvent, CohortMember, Invitation, Membership, User, UserSession
from literacy.organisations import invitations

from .cohorts_support import make_cohort
from .conftest import csrf_token

PEOPLE = 8
PASSWORD = "a long enough password"


def invite(organisation, cohort, email: str) -> str:
    """A cohort invitation as a manager's list makes it; returns the link's path."""
    manager = db.session.scalar(select(User).where(User.email == "manager@a.example"))
    result = service.add_members(manager, cohort, roster.parse_pasted(email).candidates)
    db.session.commit()
    (_invitation, token), = result.invited
    return f"/invitations/{token}"


def all_at_once(app, link: str, data: dict[str, str], prepare=None) -> list[tuple[int, str]]:  # noqa: ANN001
    """Each of PEOPLE clients gets its form token (and signs in, with ``prepare``), then they all post at once."""
    clients = [app.test_client() for _ in range(PEOPLE)]
    tokens = []
    for client in clients:
        if prepare is not None:
            prepare(client)
        tokens.append(csrf_token(client))
    start = threading.Barrier(PEOPLE)

    def post(number: int) -> tuple[int, str]:
        start.wait()
        response = clients[number].post(link, data={**data, "csrf_token": tokens[number]})
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(PEOPLE) as pool:
        return list(pool.map(post, range(PEOPLE)))


def test_eight_people_accepting_one_link_at_once_make_one_account(app, make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    cohort = make_cohort(organisation, "Autumn")
    link = invite(organisation, cohort, "newcomer@c.example")
    db.session.remove()  # the test's own session holds no connection while the requests run

    outcomes = all_at_once(app, link, {"name": "Nia New", "password": PASSWORD, "confirm": PASSWORD})

    statuses = [status for status, _page in outcomes]
    assert statuses.count(302) == 1 and set(statuses) <= {302, 404, 200}, statuses
    for status, page in outcomes:
        if status == 404:
            assert "This invitation link does not work" in page
        elif status == 200:  # read the link as open, then found the winner's new account: asked to sign in
            assert "There is already an account with this email address" in page
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "newcomer@c.example")) == 1
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1
    assert db.session.scalar(select(func.count(Membership.id)).where(Membership.role == "learner")) == 1
    assert db.session.scalar(select(func.count(UserSession.id))) == 1  # only the winner is signed in
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "invitation.accepted")) == 1
    assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.accepted_at.is_not(None))) == 1


def test_eight_sessions_of_one_account_accepting_at_once_join_once(app, make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    other = make_organisation("org-b", "Organisation B")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    make_user("bea@b.example", organisation=other)
    cohort = make_cohort(organisation, "Autumn")
    link = invite(organisation, cohort, "bea@b.example")
    db.session.remove()

    def sign_in(client) -> None:  # noqa: ANN001
        token = csrf_token(client)
        response = client.post(
            "/sign-in", data={"email": "bea@b.example", "password": "correct horse battery", "csrf_token": token}
        )
        assert response.status_code == 302

    outcomes = all_at_once(app, link, {}, prepare=sign_in)

    statuses = sorted(status for status, _page in outcomes)
    assert statuses == [302] + [404] * (PEOPLE - 1), statuses
    assert all("This invitation link does not work" in page for status, page in outcomes if status == 404)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "invitation.accepted")) == 1


def test_spending_is_one_conditional_update(app, make_organisation, make_user):
    """The rule itself: a second spend of the same invitation changes nothing, even from a stale object."""
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    cohort = make_cohort(organisation)
    invite(organisation, cohort, "newcomer@c.example")
    invitation = db.session.scalar(select(Invitation))
    assert invitations.spend(invitation) is True
    stale = Invitation(id=invitation.id)  # as another request saw it before the first one committed
    assert invitations.spend(stale) is False
    assert invitations.decline(invitation) is False
    db.session.commit()


def test_two_links_for_one_new_address_at_once_never_overwrite_each_other(app, make_organisation, make_user):
    """Two organisations invite the same new address; both links are followed at once (say the owner and a
    manager who copied theirs). One account is made; the other link never sets its password."""
    first, second = make_organisation("org-a", "Organisation A"), make_organisation("org-b", "Organisation B")
    make_user("manager@a.example", organisation=first, roles=("manager",))
    make_user("manager@b.example", organisation=second, roles=("manager",))
    links = {
        "owner's password": invite(first, make_cohort(first, "A's"), "newcomer@c.example"),
        "squatter's password": _invite_as(second, make_cohort(second, "B's"), "newcomer@c.example"),
    }
    db.session.remove()
    clients = {password: [app.test_client() for _ in range(PEOPLE // 2)] for password in links}
    tokens = {id(client): csrf_token(client) for group in clients.values() for client in group}
    start = threading.Barrier(PEOPLE)

    def post(password: str, client) -> tuple[str, int, str]:  # noqa: ANN001
        start.wait()
        data = {"name": "Someone", "password": password, "confirm": password, "csrf_token": tokens[id(client)]}
        response = client.post(links[password], data=data)
        return password, response.status_code, response.headers.get("Location", "")

    with ThreadPoolExecutor(PEOPLE) as pool:
        outcomes = list(pool.map(lambda pair: post(*pair), [(p, c) for p, group in clients.items() for c in group]))

    winners = [password for password, status, location in outcomes if status == 302 and location == "/"]
    assert len(winners) == 1, outcomes
    user = db.session.scalar(select(User).where(User.email == "newcomer@c.example"))
    assert user.check_password(winners[0])
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1
    assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.accepted_at.is_not(None))) == 1
    # the winning link's other followers see a used link (or, a moment later, the sign-in page); the other
    # link's are sent to sign in, and it still works
    for password, status, location in outcomes:
        if password == winners[0]:
            assert (status, location) in {(302, "/"), (404, ""), (200, "")}
        else:
            assert (status, location) in {(302, links[password]), (200, "")}


def _invite_as(organisation, cohort, email: str) -> str:  # noqa: ANN001
    manager = db.session.scalar(select(User).where(User.email == "manager@b.example"))
    result = service.add_members(manager, cohort, roster.parse_pasted(email).candidates)
    db.session.commit()
    (_invitation, token), = result.invited
    return f"/invitations/{token}"


def test_a_link_followed_after_the_address_got_an_account_cannot_set_its_password(app, make_organisation, make_user):
    """The service rule under the race above: the page's check came before another request made the account."""
    from literacy.cohorts import membership

    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    cohort = make_cohort(organisation)
    invite(organisation, cohort, "newcomer@c.example")
    make_user("newcomer@c.example", name="Real Owner", password="the owner's password")
    invitation = db.session.scalar(select(Invitation))
    try:
        membership.accept_invitation(invitation, name="Mallory", password="a takeover password")
    except invitations.AccountExists:
        db.session.rollback()
    else:
        raise AssertionError("accepted into an account with a password")
    owner = db.session.scalar(select(User).where(User.email == "newcomer@c.example"))
    assert owner.check_password("the owner's password") and owner.name == "Real Owner"
    assert db.session.scalar(select(Invitation.accepted_at)) is None

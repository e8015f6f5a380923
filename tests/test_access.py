"""Access rules: anonymous people go to sign in, the wrong role gets 403, organisations are separate."""

from __future__ import annotations

import pytest

from literacy.auth.access import effective_roles, may


@pytest.fixture
def two_organisations(make_organisation, make_user):
    org_a = make_organisation("org-a", "Organisation A")
    org_b = make_organisation("org-b", "Organisation B")
    people = {
        "learner": make_user("learner@a.example", organisation=org_a, roles=("learner",)),
        "trainer": make_user("trainer@a.example", organisation=org_a, roles=("trainer",)),
        "manager": make_user("manager@a.example", organisation=org_a, roles=("manager",)),
        "org_admin": make_user("admin@a.example", organisation=org_a, roles=("org_admin",)),
        "manager_b": make_user("manager@b.example", organisation=org_b, roles=("manager",)),
        "site_admin": make_user("root@example.org", site_admin=True),
    }
    return org_a, org_b, people


ORG_PAGES = ["/organisations/org-a/", "/organisations/org-a/people", "/organisations/org-a/audit"]
ORG_PAGES += ["/organisations/org-a/xapi", "/organisations/org-a/xapi/statements"]  # the LRS: its admins only
ADMIN_PAGES = ["/admin/", "/admin/people", "/admin/audit", "/admin/audit.csv"]
ADMIN_PAGES += ["/admin/organisations/org-a/identity-providers", "/admin/organisations/org-a/identity-providers/new"]


@pytest.mark.parametrize("path", [*ORG_PAGES, *ADMIN_PAGES])
def test_anonymous_people_are_sent_to_sign_in(client, two_organisations, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("path", [*ORG_PAGES, *ADMIN_PAGES])
def test_a_learner_is_refused(client, auth, two_organisations, path):
    auth.sign_in("learner@a.example")
    response = client.get(path)
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ORG_PAGES)
def test_a_manager_of_another_organisation_is_refused(client, auth, two_organisations, path):
    auth.sign_in("manager@b.example")
    assert client.get(path).status_code == 403


def test_a_manager_sees_their_organisation_but_not_its_people_admin(client, auth, two_organisations):
    auth.sign_in("manager@a.example")
    page = client.get("/organisations/org-a/")
    assert page.status_code == 200 and "Organisation A" in page.get_data(as_text=True)
    assert client.get("/organisations/org-a/people").status_code == 403
    assert client.get("/organisations/org-a/xapi").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_a_trainer_is_not_a_manager(client, auth, two_organisations):
    auth.sign_in("trainer@a.example")
    assert client.get("/organisations/org-a/").status_code == 403


def test_an_org_admin_manages_people_of_their_organisation_only(client, auth, two_organisations):
    auth.sign_in("admin@a.example")
    page = client.get("/organisations/org-a/people").get_data(as_text=True)
    assert "learner@a.example" in page and "manager@b.example" not in page
    assert client.get("/organisations/org-b/").status_code == 403
    assert client.get("/organisations/org-b/people").status_code == 403


def test_a_site_admin_may_see_everything(client, auth, two_organisations):
    auth.sign_in("root@example.org")
    for path in ["/organisations/org-a/", "/organisations/org-b/people", "/admin/"]:
        assert client.get(path).status_code == 200, path


def test_unknown_organisation_is_not_found(client, auth, two_organisations):
    auth.sign_in("root@example.org")
    assert client.get("/organisations/nowhere/").status_code == 404


def test_role_rules_as_plain_functions(two_organisations):
    org_a, org_b, people = two_organisations
    assert effective_roles(people["org_admin"], org_a.id) == {"learner", "trainer", "manager", "org_admin"}
    assert effective_roles(people["manager"], org_a.id) == {"manager", "learner"}
    assert effective_roles(people["manager"], org_b.id) == set()
    assert may(people["manager_b"], org_b.id, "manager")
    assert not may(people["manager_b"], org_a.id, "manager", "org_admin")
    assert may(people["site_admin"], org_a.id, "org_admin")


def test_role_counts_on_the_organisation_page_hide_small_groups(client, auth, two_organisations, make_user):
    org_a = two_organisations[0]
    for number in range(5):
        make_user(f"extra{number}@a.example", organisation=org_a, roles=("learner",))
    auth.sign_in("manager@a.example")
    page = client.get("/organisations/org-a/").get_data(as_text=True)
    people = page[page.index(">People<") : page.index("AI-literacy coverage")]
    assert ">6<" in people  # six learners
    assert "fewer than 5" in people and ">1<" not in people  # one trainer, one manager, one administrator


# --- the ATRS record workshop (literacy.practice.atrs): members read shared drafts, editors change them ---


@pytest.fixture
def atrs_pages(two_organisations):
    from literacy.practice.atrs import service

    org_a, _, people = two_organisations
    draft = service.create_record(org_a, people["trainer"], "RentSense")
    base = f"/organisations/org-a/atrs/{draft.id}"
    return draft, ["/organisations/org-a/atrs/", "/organisations/org-a/atrs/new", f"{base}/", f"{base}/summary"]


def test_anonymous_people_are_sent_to_sign_in_from_the_atrs_workshop(client, atrs_pages):
    draft, pages = atrs_pages
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="), path
    response = client.post(f"/organisations/org-a/atrs/{draft.id}/sharing")
    assert response.status_code in (302, 400)  # no CSRF token: refused before or at sign in, never saved


def test_another_organisations_people_are_refused_the_atrs_workshop(client, auth, atrs_pages):
    _, pages = atrs_pages
    auth.sign_in("manager@b.example")
    for path in pages:
        assert client.get(path).status_code == 403, path


def test_a_learner_may_list_atrs_drafts_but_not_start_change_or_read_unshared_ones(client, auth, atrs_pages):
    draft, pages = atrs_pages
    auth.sign_in("learner@a.example")
    assert client.get(pages[0]).status_code == 200
    assert client.get(pages[1]).status_code == 403
    assert client.get(pages[2]).status_code == 404  # not shared: it does not exist for them
    assert client.get(pages[3]).status_code == 403


@pytest.mark.parametrize("identity", ["trainer@a.example", "manager@a.example", "admin@a.example", "root@example.org"])
def test_editors_and_site_admins_open_every_atrs_page(client, auth, atrs_pages, identity):
    _, pages = atrs_pages
    auth.sign_in(identity)
    for path in pages:
        assert client.get(path).status_code == 200, path


# --- the team self-assessment (literacy.practice.assessment): its team answers, members read published ones ---


@pytest.fixture
def assessment_pages(two_organisations, make_user):
    from literacy.practice.assessment import pdf, service

    org_a, _, people = two_organisations
    make_user("colleague@a.example", organisation=org_a)  # a member of the organisation, not of the team
    assessment = service.create_assessment(org_a, people["trainer"], "Repairs triage")
    service.add_member(assessment, org_a, people["trainer"], people["learner"].id)
    base = f"/organisations/org-a/assessments/{assessment.id}"
    reading = [f"{base}/", f"{base}/history", f"{base}/report", f"{base}/report.csv", f"{base}/report.json"]
    if pdf.available():  # the PDF (WeasyPrint installed) follows the report's rules
        reading.append(f"{base}/report.pdf")
    return assessment, {
        "list": "/organisations/org-a/assessments/",
        "new": "/organisations/org-a/assessments/new",
        "reading": reading,
        "answering": [f"{base}/sections/purpose", f"{base}/sections/follow_up"],
        "managing": [f"{base}/team", f"{base}/atrs", f"{base}/details"],
        "posts": [f"{base}/visibility", f"{base}/team", f"{base}/atrs", f"{base}/details", f"{base}/sections/purpose"],
    }


def test_anonymous_people_are_sent_to_sign_in_from_assessments(client, assessment_pages):
    _, pages = assessment_pages
    for path in [pages["list"], pages["new"], *pages["reading"], *pages["answering"], *pages["managing"]]:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="), path
    for path in pages["posts"]:
        assert client.post(path).status_code in (302, 400), path


def test_another_organisations_people_are_refused_assessments(client, auth, assessment_pages):
    _, pages = assessment_pages
    auth.sign_in("manager@b.example")
    for path in [pages["list"], pages["new"], *pages["reading"], *pages["answering"], *pages["managing"]]:
        assert client.get(path).status_code == 403, path


def test_the_team_reads_and_answers_an_assessment_but_does_not_manage_it(client, auth, assessment_pages):
    _, pages = assessment_pages
    auth.sign_in("learner@a.example")
    for path in [pages["list"], *pages["reading"], *pages["answering"]]:
        assert client.get(path).status_code == 200, path
    for path in [pages["new"], *pages["managing"]]:
        assert client.get(path).status_code == 403, path


def test_other_members_see_an_assessment_only_once_it_is_published(client, auth, two_organisations, assessment_pages):
    from literacy.practice.assessment import service

    assessment, pages = assessment_pages
    auth.sign_in("colleague@a.example")
    assert client.get(pages["list"]).status_code == 200
    for path in [*pages["reading"], *pages["answering"]]:
        assert client.get(path).status_code == 404, path  # private: it does not exist for them
    service.set_published(assessment, two_organisations[0], two_organisations[2]["trainer"], True)
    for path in pages["reading"]:
        assert client.get(path).status_code == 200, path
    for path in [pages["new"], *pages["answering"], *pages["managing"]]:
        assert client.get(path).status_code == 403, path  # they read it; the team answers it


@pytest.mark.parametrize("identity", ["trainer@a.example", "manager@a.example", "admin@a.example", "root@example.org"])
def test_editors_and_site_admins_open_every_assessment_page(client, auth, assessment_pages, identity):
    _, pages = assessment_pages
    auth.sign_in(identity)
    for path in [pages["list"], pages["new"], *pages["reading"], *pages["answering"], *pages["managing"]]:
        assert client.get(path).status_code == 200, path


CASE_PAGES = ["/cases", "/cases?sector=benefits&risk=bias&q=nationality", "/cases/dutch-childcare-benefits"]


@pytest.mark.parametrize("path", CASE_PAGES)
def test_the_case_library_is_public(client, path):
    assert client.get(path).status_code == 200


def test_an_unknown_case_is_not_found(client):
    assert client.get("/cases/no-such-case").status_code == 404


CREDENTIAL_PAGES = ["/.well-known/jwks.json", "/credentials/issuers/site", "/credentials/check",
                    "/credentials/status/revocation"]


@pytest.fixture
def certificate_code(two_organisations):
    """A certificate of organisation A's learner (Open Badges 3.0 credential routes)."""
    from literacy.extensions import db
    from literacy.learning import certificates

    from .cohorts_support import complete, make_module

    org_a, _org_b, people = two_organisations
    module = make_module("own", organisation=org_a)
    issued = certificates.issue(complete(people["learner"], module))
    db.session.commit()
    return issued.code, org_a.id


@pytest.mark.parametrize("path", CREDENTIAL_PAGES)
def test_the_credential_keys_issuers_revocation_list_and_check_are_public(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("identity", [None, "learner@a.example", "manager@b.example"])
def test_a_credential_is_for_anyone_holding_the_certificates_code(client, auth, certificate_code, identity):
    code, organisation_id = certificate_code
    if identity:
        auth.sign_in(identity)
    for path in [f"/certificates/{code}/credential.jwt", f"/certificates/{code}/credential.json",
                 f"/credentials/issuers/{organisation_id}"]:
        assert client.get(path).status_code == 200, path
    assert client.get(f"/certificates/{code[:-1]}/credential.jwt").status_code == 404
    assert client.get(f"/certificates/{code[:-1]}/credential.json").status_code == 404

"""Issue 18, items 5 and 8 (titles): dashboards a non-specialist can read, and modules' Welsh titles.

Each chart says on screen what its bars count, and no chart repeats its section's heading; a long module title
is never cut; counts take the right plural; question statistics are in plain words with the technical terms
as hints, and questions are shown by their text; when every figure is hidden as being about a small group the
page says why and what would show them. On a Welsh page a module's Welsh title is used wherever it has one,
and an English title is marked lang="en" (dashboard, cohort page, organisation overview, certificate, result).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Certificate, ModuleVersion
from literacy.publishing import sync_courses
from literacy.titles import InLanguage, title_in

from .cohorts_support import attempt, complete, make_cohort, make_module, make_people
from .quiz_support import RIGHT, complete_lessons, take, text_of, write_quiz_module

LONG = "Using generative AI safely at work: prompts, personal data, checking what it writes and when not to use it"


def welsh_title(module, title: str) -> None:
    """Give a test module a Welsh title (its texts are English only)."""
    version = db.session.get(ModuleVersion, module.current_version_id)
    version.texts = {**version.texts, "cy": {"title": title}}
    version.languages = ["en", "cy"]
    db.session.commit()


def long_title(module) -> None:
    version = db.session.get(ModuleVersion, module.current_version_id)
    version.texts = {"en": {"title": LONG}}
    db.session.commit()


@pytest.fixture
def cohort_setup(make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    people = make_people(org, 6)
    basics = make_module("basics")
    law = make_module("law")
    long_title(law)
    welsh_title(basics, "Hanfodion y pethau")
    cohort = make_cohort(org, "Autumn", people, [(basics, date(2026, 12, 20)), (law, date(2026, 12, 20))])
    for person in people[:3]:
        attempt(person, basics, {"q1": "b", "q2": "b", "q3": "a"})
    complete(people[0], basics, percent=67)
    return org, cohort, people, basics, law


def visible_figcaptions(page: str) -> list[str]:
    return [text_of(caption).strip() for caption in re.findall(r"<figcaption>(.*?)</figcaption>", page, re.S)]


def test_each_chart_says_on_screen_what_its_bars_count_without_repeating_the_heading(client, auth, cohort_setup):
    org, cohort, *_ = cohort_setup
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    captions = visible_figcaptions(page)
    assert "Each bar is the number of learners who have completed the module." in captions
    assert any(caption.endswith("in a band of ten percentage points.") for caption in captions)
    # the heading "Progress by module" is not said again as the chart's visible title
    assert not any("Progress by module" in caption for caption in captions)
    assert page.count(">Progress by module</h2>") == 1
    # two charts under one heading keep their own titles
    assert any(caption.startswith("Score distribution") for caption in captions)
    assert any(caption.startswith("Completions per week") for caption in captions)


def test_a_long_module_title_is_never_cut(client, auth, cohort_setup):
    org, cohort, *_ = cohort_setup
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "…" not in page
    labels = [
        " ".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", label))
        for label in re.findall(r'<text class="chart__label"[^>]*>(.*?)</text>', page, re.S)
    ]
    assert LONG in labels  # wrapped onto several lines, every word kept
    wrapped = next(label for label in re.findall(r'<text class="chart__label"[^>]*>(.*?)</text>', page, re.S)
                   if "Using generative" in label)
    assert wrapped.count("<tspan") >= 3
    overview = client.get("/organisations/org-a/").get_data(as_text=True)
    assert "…" not in overview and LONG in overview


def test_counts_take_the_right_plural(client, auth, make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics")
    [person] = make_people(org, 1)
    cohort = make_cohort(org, "Solo", [person], [(module, date(2020, 1, 1))])
    complete(person, module, percent=100)
    auth.sign_in("manager@a.example")
    text = text_of(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True))
    assert "1 member " in text and "1 members" not in text
    assert "1 of 1 has started" in text and "has a valid completion of every module" in text
    assert "0 need to renew" in text and "0 are overdue" in text


def test_question_statistics_in_plain_words_and_by_their_text(client, auth, cohort_setup):
    org, cohort, people, basics, law = cohort_setup
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    text = text_of(page)
    assert "Share who got it right" in text and "Does it separate stronger and weaker learners?" in text
    assert "Statisticians call these figures the facility and the discrimination" in text  # the hint
    assert "Question 3 of basics?" in text
    questions = page[page.index("Hardest questions"):page.index('id="renewals"')]
    assert not re.search(r">\s*q[123]\s*<", questions)  # no question shown by its id
    assert "Facility is the share" not in text


def test_when_every_figure_is_hidden_the_page_says_why(client, auth, make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics")
    make_cohort(org, "Tiny", make_people(org, 2), [(module, None)])
    auth.sign_in("manager@a.example")
    page = client.get("/organisations/org-a/").get_data(as_text=True)
    assert 'class="chart"' not in page  # no chart of nothing but "fewer than 5": the message says why instead
    text = text_of(page)
    assert ("Every figure here is hidden: this organisation has fewer than 5 people, and figures about fewer than 5"
            " people are hidden to protect their privacy. They appear when 5 or more people belong to the"
            " organisation.") in text
    assert "Every cohort's figures are hidden: each has fewer than 5 members" in text
    assert "A cohort's figures appear when it has 5 or more members." in text


def test_figures_shown_need_no_explanation(client, auth, cohort_setup):
    auth.sign_in("manager@a.example")
    page = client.get("/organisations/org-a/").get_data(as_text=True)
    assert page.count('<figure class="chart">') == 2  # coverage and cohorts side by side
    text = text_of(page)
    assert "Every figure here is hidden" not in text and "Every cohort's figures are hidden" not in text


def test_a_welsh_dashboard_uses_welsh_titles_and_marks_english_ones(client, auth, cohort_setup):
    org, cohort, people, basics, law = cohort_setup
    auth.sign_in("manager@a.example")
    english = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "Title of basics" in english and "Hanfodion y pethau" not in english
    assert auth.post("/language/cy", {"next": "/"}).status_code == 302
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "Hanfodion y pethau" in page and "Title of basics" not in page
    assert f'<span lang="en">{LONG}</span>' in page  # an English-only title, in the tables
    assert re.search(r'<text class="chart__label"[^>]* lang="en">', page)  # and in the chart
    assert '<span lang="cy">' not in page and 'lang="en">Hanfodion' not in page
    csv_text = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/modules.csv").get_data(as_text=True)
    assert "Hanfodion y pethau" in csv_text

    show = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert '<th scope="row">Hanfodion y pethau</th>' in show
    assert f'<th scope="row" lang="en">{LONG}</th>' in show
    # the assign form's list: the Welsh title as is, the English-only one marked (both modules stay assignable)
    assert re.search(rf'<option value="{basics.id}">Hanfodion y pethau</option>', show)
    assert re.search(rf'<option lang="en" value="{law.id}">{LONG}</option>|'
                     rf'<option value="{law.id}" lang="en">{LONG}</option>', show)

    overview = client.get("/organisations/org-a/").get_data(as_text=True)
    assert "Hanfodion y pethau" in overview and f'<span lang="en">{LONG}</span>' in overview


def test_assigning_on_a_welsh_page_names_the_module_by_its_welsh_title(client, auth, cohort_setup):
    org, cohort, people, basics, law = cohort_setup
    other = make_module("other")
    welsh_title(other, "Modiwl arall")
    auth.sign_in("manager@a.example")
    auth.post("/language/cy", {"next": "/"})
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert re.search(rf'<option value="{other.id}">Modiwl arall</option>', page)
    response = auth.post(f"/organisations/org-a/cohorts/{cohort.id}/assignments",
                         {"module": str(other.id), "due_on-day": "", "due_on-month": "", "due_on-year": ""},
                         follow_redirects=True)
    assert "Modiwl arall" in text_of(response.get_data(as_text=True))


def test_the_query_count_of_a_welsh_dashboard_does_not_depend_on_cohort_size(app, client, auth, make_organisation,
                                                                             make_user):
    from .test_dashboards import _queries

    org = make_organisation("org-a")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics")
    welsh_title(module, "Hanfodion")
    small = make_cohort(org, "Small", make_people(org, 2, "small"), [(module, None)])
    big = make_cohort(org, "Big", make_people(org, 40, "big"), [(module, None)])
    auth.sign_in("manager@a.example")
    auth.post("/language/cy", {"next": "/"})
    counts = [
        _queries(app, lambda path=f"/organisations/org-a/cohorts/{cohort.id}/dashboard": client.get(path).get_data())
        for cohort in (small, big)
    ]
    assert counts[0] == counts[1], counts


def test_a_certificate_on_a_welsh_page_has_the_welsh_title(app, client, auth, make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    learner = make_user("lee@a.example", name="Lee Learner", organisation=org)
    module = make_module("own", organisation=org)
    welsh_title(module, "Modiwl ein hunain")
    certificates.issue(complete(learner, module))
    db.session.commit()
    code = db.session.scalars(select(Certificate.code)).one()
    auth.sign_in("lee@a.example")
    english = client.get(f"/my-learning/certificates/{code}").get_data(as_text=True)
    assert '<p class="certificate__module" lang="en">Title of own</p>' in english
    auth.post("/language/cy", {"next": "/"})
    for path in (f"/my-learning/certificates/{code}", f"/certificates/{code}"):
        page = client.get(path).get_data(as_text=True)
        assert 'lang="cy">Modiwl ein hunain<' in page and "Title of own" not in page, path
    english_only = make_module("plain", organisation=org)
    certificates.issue(complete(learner, english_only))
    db.session.commit()
    latest = db.session.scalars(select(Certificate.code).order_by(Certificate.id.desc())).first()
    page = client.get(f"/my-learning/certificates/{latest}").get_data(as_text=True)
    assert '<p class="certificate__module" lang="en">Title of plain</p>' in page


def test_the_result_caption_on_a_welsh_page_has_the_welsh_title(tmp_path, app, client, auth, make_user):
    root = tmp_path / "courses"
    root.mkdir()
    app.config["COURSES_DIR"] = str(root)
    write_quiz_module(root, welsh=True)
    sync_courses(root)
    make_user("learner@example.org", name="Lee Learner")
    auth.sign_in("learner@example.org")
    complete_lessons(auth, "quiz-module")
    attempt_row = take(auth, "quiz-module", RIGHT)  # in English: the quiz has no Welsh questions
    auth.post("/language/cy", {"next": "/"})
    page = client.get(f"/modules/quiz-module/quiz/{attempt_row.id}").get_data(as_text=True)
    assert '<span class="caption-l">Modiwl prawf quiz-module</span>' in page


def test_title_in_keeps_the_language_it_picked():
    texts = {"en": {"title": "AI basics"}, "cy": {"title": "Hanfodion AI"}}
    assert (title_in(texts, "en", "cy"), title_in(texts, "en", "cy").lang) == ("Hanfodion AI", "cy")
    assert title_in({"en": {"title": "AI basics"}}, "en", "cy").lang == "en"
    assert title_in({"en": {"title": "AI basics"}, "cy": {}}, "en", "cy") == "AI basics"
    import pickle

    copy = pickle.loads(pickle.dumps(  # noqa: S301 (our own bytes)
        InLanguage("Hanfodion AI", "cy")))
    assert copy == "Hanfodion AI" and copy.lang == "cy"


def test_the_questions_table_and_its_csv_name_questions_by_their_text_under_plain_headings(client, auth,
                                                                                          cohort_setup):
    org, cohort, *_ = cohort_setup
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "Share who got it right (%)" in page and "Separates stronger and weaker learners (−1 to 1)" in page
    assert "Facility (% correct)" not in page
    base = f"/organisations/org-a/cohorts/{cohort.id}/dashboard"
    questions = client.get(f"{base}/questions.csv").get_data(as_text=True)
    options = client.get(f"{base}/options.csv").get_data(as_text=True)
    assert "Question 3 of basics?" in questions and "Question 3 of basics?" in options
    assert not re.search(r"^[^\n]*,q[123],", questions + options, re.M)  # no row names a question by its id


def test_every_modules_coverage_hidden_says_why(client, auth, make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics")
    people = make_people(org, 6)
    make_cohort(org, "Autumn", people, [(module, None)])
    complete(people[0], module, percent=100)  # one completion: its share would single the person out
    auth.sign_in("manager@a.example")
    text = text_of(client.get("/organisations/org-a/").get_data(as_text=True))
    assert "Every figure here is hidden" not in text
    assert ("Every module's figures are hidden: each has been completed by fewer than 5 people, and figures about"
            " fewer than 5 people are hidden to protect their privacy. A module's figures appear once 5 or more"
            " people have completed it.") in text
    assert "Every cohort's figures are hidden" not in text  # the cohort has 6 members: its figures show


def test_all_hidden_means_every_row_and_at_least_one():
    from literacy.tables import Column, Suppressed, Table

    table = Table("t", "T", [Column("name", "Name"), Column("n", "N", True)], [["a", Suppressed(5)], ["b", 0]])
    assert not table.all_hidden("n")
    table.rows[1][1] = Suppressed(5)
    assert table.all_hidden("n")
    assert not Table("t", "T", [Column("name", "Name"), Column("n", "N", True)], []).all_hidden("n")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "Cannot tell yet: too few answers, or everyone scored alike"),
        (0.5, "Yes, clearly (0.50)"),
        (0.25, "Somewhat (0.25)"),
        (0.05, "Hardly (0.05)"),
        (-0.3, "No: stronger learners got it wrong more often (-0.30)"),
    ],
)
def test_discrimination_in_plain_words(app, value, words):
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(
            '{% from "_statistics.html" import discrimination_words, facility_words with context %}'
            "{{ discrimination_words(value) }}|{{ facility_words(share) }}"
        )
        shown = template.render(value=value, share=None if value is None else 2 / 3)
    assert shown.replace("\u2212", "-") == f"{words}|{'No answers yet' if value is None else '66.7%'}"


def test_the_trainers_statistics_on_a_welsh_page(client, auth, make_organisation, make_user):
    from .test_authoring_statistics import ANSWERS, add_attempts, publish_module

    organisation = make_organisation("org-a")
    trainer = make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    module = publish_module(organisation, trainer)
    add_attempts(module, make_user, ANSWERS)
    auth.sign_in("trainer@example.org")
    english = client.get("/author/org-a/modules/my-module/statistics").get_data(as_text=True)
    assert 'lang="en">Which colour' not in english and "<p>Which colour" in english
    welsh_title(module, "Fy modiwl")
    auth.post("/language/cy", {"next": "/"})
    page = client.get("/author/org-a/modules/my-module/statistics").get_data(as_text=True)
    assert '<span class="caption-l">Fy modiwl</span>' in page
    assert re.search(r'<div class="prose" lang="en"><p>Which colour', page)  # the question stays English, marked
    assert "(facility)" not in page and "(discrimination)" not in page  # the hints are in Welsh too

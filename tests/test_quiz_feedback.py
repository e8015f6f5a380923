"""Issue 18, item 6: a quiz question is a caption and a short heading with its scenario as body text; the right
answer and why reach the page only once the attempt is submitted; "Lessons to revisit" lists the lessons of
the questions missed and nothing else; a pass is one panel with the way to the certificate."""

from __future__ import annotations

import re

import pytest

from literacy.publishing import sync_courses

from .quiz_support import RIGHT, WRONG, complete_lessons, start, take, text_of, write_quiz_module

# What only a submitted attempt may show: the right options' feedback, the explanations, the accepted answer.
SECRETS = ("Feedback right one.", "Feedback first right.", "Feedback second right.", "Feedback false.",
           "Explanation of", "Algorithmic Transparency Recording Standard", "The right answer")


@pytest.fixture
def ready(tmp_path, app, make_user, auth):
    root = tmp_path / "courses"
    root.mkdir()
    app.config["COURSES_DIR"] = str(root)
    write_quiz_module(root)
    sync_courses(root)
    user = make_user("learner@example.org", name="Lee Learner")
    auth.sign_in("learner@example.org")
    complete_lessons(auth, "quiz-module")
    return user


def result_page(client, attempt) -> str:
    return client.get(f"/modules/quiz-module/quiz/{attempt.id}").get_data(as_text=True)


def test_the_scenario_is_body_text_under_a_short_question_heading(client, auth, ready):
    _, attempt = start(auth, "quiz-module")
    page = client.get(f"/modules/quiz-module/quiz/{attempt.id}/questions/2").get_data(as_text=True)
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", page, re.S).group(1)
    assert 'class="caption-l">Question 2 of 5</span>' in legend
    assert re.search(r"<h1[^>]*>Which are right in pick-many\?</h1>", legend)
    assert "scenario" not in legend  # the scenario is not part of the heading ...
    scenario = re.search(r'<div class="prose quiz-prompt quiz-scenario" id="question-prompt"[^>]*>(.*?)</div>', page,
                         re.S)
    assert scenario and "The scenario of pick-many, as body text." in scenario.group(1)  # ... but text under it
    fieldset = re.search(r"<fieldset[^>]*>", page).group(0)
    assert 'aria-describedby="question-prompt answer-hint"' in fieldset
    # a question of one paragraph has no scenario: nothing extra to describe it
    first = client.get(f"/modules/quiz-module/quiz/{attempt.id}/questions/1").get_data(as_text=True)
    assert 'id="question-prompt"' not in first and "aria-describedby" not in re.search(r"<fieldset[^>]*>", first)[0]
    check = client.get(f"/modules/quiz-module/quiz/{attempt.id}/check").get_data(as_text=True)
    assert "Which are right in pick-many?" in text_of(check) and "scenario of pick-many" not in check


def test_the_right_answer_is_on_no_page_before_submission_and_on_the_result_after(client, auth, ready):
    _, attempt = start(auth, "quiz-module")
    pages = [client.get("/modules/quiz-module/quiz").get_data(as_text=True)]
    for number in range(1, 6):
        pages.append(client.get(f"/modules/quiz-module/quiz/{attempt.id}/questions/{number}").get_data(as_text=True))
    pages.append(client.get(f"/modules/quiz-module/quiz/{attempt.id}/check").get_data(as_text=True))
    # the result's address before submitting sends the learner back to the questions, showing nothing
    early = client.get(f"/modules/quiz-module/quiz/{attempt.id}")
    assert early.status_code == 302 and "/questions/" in early.headers["Location"]
    pages.append(early.get_data(as_text=True))
    for page in pages:
        for secret in SECRETS:
            assert secret not in page, secret

    take(auth, "quiz-module", WRONG)
    page = result_page(client, attempt)
    text = text_of(page)
    assert "You did not pass this time" in text
    # each wrong answer: the learner's own feedback, then the right answer and why (options in the order shown)
    assert "Feedback wrong one. The right answer Right one Feedback right one." in text
    pick_many = text_of(page[page.index('id="question-2"'):page.index('id="question-3"')])
    assert "The right answers" in pick_many
    assert "First right Feedback first right." in pick_many and "Second right Feedback second right." in pick_many
    assert "The right answer False Feedback false." in text
    assert "Feedback text wrong. The right answer Algorithmic Transparency Recording Standard" in text
    assert "Feedback number wrong. The right answer 6" in text
    assert "Explanation of pick-one." in text and "Explanation of how-many." in text


def test_a_right_answer_does_not_repeat_the_right_answer(client, auth, ready):
    attempt = take(auth, "quiz-module", RIGHT)
    text = text_of(result_page(client, attempt))
    assert "You passed" in text and "The right answer" not in text
    assert "Lessons to revisit" not in text


def test_lessons_to_revisit_are_only_those_of_the_questions_missed(client, auth, ready):
    # only pick-one (about lesson-1) and the questions without a lesson are wrong; pick-many (lesson-2) is right
    answers = {**WRONG, "pick-many": RIGHT["pick-many"]}
    attempt = take(auth, "quiz-module", answers)
    page = result_page(client, attempt)
    revisit = page[page.index("Lessons to revisit"):page.index("Your answers")]
    assert 'href="/modules/quiz-module/lesson-1"' in revisit and "lesson-2" not in revisit
    assert "3 questions you got wrong are not linked to a lesson" in text_of(revisit)
    # the wrong question points at its lesson; the right one does not
    pick_one = page[page.index('id="question-1"'):page.index('id="question-2"')]
    pick_many = page[page.index('id="question-2"'):page.index('id="question-3"')]
    assert "Read again:" in text_of(pick_one) and 'href="/modules/quiz-module/lesson-1"' in pick_one
    assert "Read again:" not in pick_many


def test_missed_questions_without_a_lesson_say_so(client, auth, ready):
    answers = {**RIGHT, "yes-no": WRONG["yes-no"], "how-many": WRONG["how-many"]}
    attempt = take(auth, "quiz-module", answers)
    page = result_page(client, attempt)
    text = text_of(page)
    assert "Lessons to revisit" in text
    revisit = page[page.index("Lessons to revisit"):page.index("Your answers")]
    assert "lesson-1" not in revisit and "lesson-2" not in revisit
    assert "The questions you got wrong are not linked to particular lessons." in text_of(revisit)
    assert 'href="/modules/quiz-module"' in revisit


def test_a_pass_is_one_panel_with_the_certificate_button_and_no_banner(client, auth, ready):
    attempt = take(auth, "quiz-module", RIGHT)
    page = result_page(client, attempt)
    assert len(re.findall(r'class="panel[ "]', page)) == 1
    assert "notification--success" not in page and "Module complete." not in page  # no banner repeating it
    panel = page[page.index('<div class="panel'):page.index("Your answers")]
    button = re.search(r'<a class="button button--inverse" href="(/my-learning/certificates/[^"]+)">View your '
                       r"certificate</a>", panel)
    assert button and "You passed" in text_of(panel) and "You have completed this module." in text_of(panel)
    assert client.get(button.group(1)).status_code == 200

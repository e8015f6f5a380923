"""The kinds registry is the one place a question kind is described: grading, "has options", reading a
form, validating and the template partial all follow a registration, with no other code change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jinja2 import ChoiceLoader, DictLoader

from literacy.content import KINDS, Option, Question, grade, parse_module
from literacy.content.kinds import MAX_TYPED, Kind, kinds_with_options, read_answer, read_many, register

from .support import demo_files

PARTIAL_MACROS = ("hint", "missing", "first_id", "answer", "summary")  # summary: trainers' previews

# A throwaway kind: select any right option (one right choice is enough), shown by its own partial.
ANY_RIGHT_PARTIAL = """\
{% macro hint() %}Pick any right one.{% endmacro %}
{% macro missing() %}Pick something.{% endmacro %}
{% macro first_id(field) %}{{ field }}-1{% endmacro %}
{% macro answer(field, options, chosen, typed, invalid, lang) -%}
<div data-kind="any-right">{% for option in options %}{% set n = loop.index %}{% set id = field ~ "-" ~ n %}
<input type="checkbox" id="{{ id }}" name="answer" value="{{ n }}"{% if n in chosen %} checked{% endif %}>
<label for="{{ id }}">{{ option.html|safe }}</label>{% endfor %}
</div>
{%- endmacro %}
{% macro summary(question) %}<p>Any right option counts.</p>{% endmacro %}
"""

ANY_RIGHT_QUIZ = """\
::: question lenient
type: any-right

Name a good practice.

- [x] Keep logs
- [ ] Hide the model
- [x] Tell people
:::
"""


def _grade_any_right(question: Question, response: object) -> bool:
    return isinstance(response, list) and bool(set(response) & question.correct_keys)


def _validate_any_right(block, report) -> None:  # noqa: ANN001 - the registry's validator signature
    if not any(option.is_correct for option in block.options):
        report(block.line, f'question "{block.key}" has no right option')


@pytest.fixture
def any_right() -> Iterator[Kind]:
    """Register the throwaway kind for one test, and remove it afterwards."""
    kind = register(Kind("any-right", frozenset({"shuffle"}), True, _validate_any_right, _grade_any_right,
                         read_many, "tests/_any_right.html"))
    try:
        yield kind
    finally:
        del KINDS["any-right"]


def test_every_kind_has_a_partial_that_defines_the_question_macros(app) -> None:
    for kind in KINDS.values():
        module = app.jinja_env.get_template(kind.partial).module
        assert all(callable(getattr(module, name, None)) for name in PARTIAL_MACROS), kind.name


def test_forms_post_option_positions_in_the_order_shown() -> None:
    shown = ["c", "a", "b"]  # the keys in the order the page showed them
    assert read_answer("single", ["1"], shown) == "c"
    assert read_answer("true-false", ["3", "1"], shown) == "b"  # one answer: the first value
    assert read_answer("multiple", ["3", "1", "3", "x", "0", "4"], shown) == ["b", "c"]
    for kind, posted in (("single", ["a"]), ("single", []), ("multiple", ["a"]), ("text", ["  "]), ("number", [])):
        assert read_answer(kind, posted, shown) is None, (kind, posted)  # keys are not positions
    assert read_answer("text", ["  the ATRS "], []) == "the ATRS"
    assert len(read_answer("number", ["1" * 900], [])) == MAX_TYPED


def test_has_options_and_the_kinds_with_options_come_from_the_registry() -> None:
    assert set(kinds_with_options()) == {"single", "multiple", "true-false"}
    assert Question("q", "multiple", "").has_options and not Question("q", "text", "").has_options
    assert not Question("q", "retired-kind", "").has_options and "retired-kind" not in kinds_with_options()


def test_one_registration_is_enough_for_the_engine(any_right: Kind) -> None:
    question = Question("q", "any-right", "<p>?</p>", (Option("a", "A", True), Option("b", "B", False)))
    assert question.has_options and "any-right" in kinds_with_options()
    assert read_answer("any-right", ["2", "1"], ["b", "a"]) == ["a", "b"]
    assert grade(question, ["a", "b"]) and not grade(question, ["b"]) and not grade(question, "a")
    result = parse_module(demo_files({"quiz.md": ANY_RIGHT_QUIZ}), label="courses/demo")
    assert result.module is not None, [str(p) for p in result.problems]
    assert result.module.quiz.questions[0].kind == "any-right"
    wrong = parse_module(demo_files({"quiz.md": ANY_RIGHT_QUIZ.replace("[x]", "[ ]")}), label="courses/demo")
    assert [p.message for p in wrong.problems] == ['question "lenient" has no right option']


def test_unknown_kinds_are_refused_and_never_graded_right() -> None:
    result = parse_module(demo_files({"quiz.md": ANY_RIGHT_QUIZ}), label="courses/demo")
    assert any('unknown question type "any-right"' in p.message for p in result.problems)
    assert not grade(Question("q", "any-right", "", (Option("a", "A", True),)), ["a"])


def test_one_registration_and_one_partial_make_a_working_assessment(any_right, app, tmp_path, client, auth,
                                                                     make_user) -> None:
    """Published, shown, answered, checked and graded through the real pages."""
    from literacy.publishing import sync_courses

    from ..quiz_support import complete_lessons, latest_attempt
    from ..support.modules import write_module

    app.jinja_env.loader = ChoiceLoader([DictLoader({"tests/_any_right.html": ANY_RIGHT_PARTIAL}),
                                         app.jinja_env.loader])
    folder = write_module(tmp_path, "lenient", lessons=1)
    (folder / "quiz.md").write_text(ANY_RIGHT_QUIZ, encoding="utf-8")
    assert sync_courses(tmp_path).published
    make_user("any@example.org")
    auth.sign_in("any@example.org")
    complete_lessons(auth, "lenient", lessons=1)
    auth.post("/modules/lenient/quiz")
    attempt = latest_attempt()
    page_url = f"/modules/lenient/quiz/{attempt.id}/questions/1"
    page = client.get(page_url).get_data(as_text=True)
    assert 'data-kind="any-right"' in page and 'id="answer-hint">Pick any right one.' in page
    assert 'value="a"' not in page and "Keep logs" in page
    assert '<a href="#answer-1">Pick something.</a>' in auth.post(page_url, {}).get_data(as_text=True)
    position = attempt.option_order["lenient"].index("c") + 1  # "Tell people" (right)
    assert auth.post(page_url, {"answer": str(position)}).status_code == 302
    check = client.get(f"/modules/lenient/quiz/{attempt.id}/check").get_data(as_text=True)
    assert "Tell people" in check and "Keep logs" not in check  # the chosen option, not its key
    assert auth.post(f"/modules/lenient/quiz/{attempt.id}/check").status_code == 302
    graded = latest_attempt()
    assert (graded.score, graded.max_score) == (1, 1)

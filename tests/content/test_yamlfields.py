"""Reading YAML key by key: a value of the wrong shape is reported at its own line and read as missing."""

from __future__ import annotations

from literacy.content.problems import Problems
from literacy.content.yamlfields import Fields, compose

WRONG_SHAPES = """\
title:
  - a list
edition: many
shuffle: perhaps
lessons: one
further_reading: two
"""


def test_a_value_of_the_wrong_shape_is_reported_and_read_as_missing() -> None:
    problems = Problems()
    fields = Fields.of(compose(WRONG_SHAPES, "module.yaml", problems), "module.yaml", problems, line=1)
    assert fields is not None
    assert fields.text("title") is None
    assert fields.integer("edition") is None
    assert fields.boolean("shuffle", True) is True
    assert fields.text_list("lessons") == []
    assert fields.mappings("further_reading", what="the further_reading entry") == []
    assert [str(p) for p in problems.sorted()] == [
        'module.yaml:2: "title" must be text, not a list',
        'module.yaml:3: "edition" must be a whole number',
        'module.yaml:4: "shuffle" must be yes or no',
        'module.yaml:5: "lessons" must be a list (lines starting with "- ")',
        'module.yaml:6: "further_reading" must be a list (entries starting with "- ")',
    ]


def test_a_missing_value_is_reported_only_when_required() -> None:
    problems = Problems()
    fields = Fields.of(compose("title: T\n", "x.yaml", problems), "x.yaml", problems, line=1)
    assert fields is not None
    assert fields.integer("minutes", required=False) is None
    assert fields.boolean("shuffle", False) is False
    assert fields.text_list("outcomes", required=False) == []
    assert problems.sorted() == []
    assert fields.text_list("lessons") == []
    assert [str(p) for p in problems.sorted()] == ['x.yaml:1: x.yaml is missing "lessons"']

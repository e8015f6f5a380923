"""Every shipped module's lesson prose reads at Flesch reading ease 60 or more (plain English, issue 19).

The figures come from textstat; ``python -m tests.support.readability`` prints them per lesson, so a
writer can see which lesson pulls a module down.
"""

from __future__ import annotations

import pytest

from .support.readability import TARGET, module_reading_ease, modules, prose, reading_ease

MODULES = modules()


def test_the_measure_reads_prose_not_markup():
    text = prose(
        "---\ntitle: T\n---\n\n## A heading\n\nA [link](https://example.org) and **bold** text.\n\n"
        "- a list item\n- another one\n\n::: check k\ntype: single\n\nHidden?\n:::\n\n```\ncode here\n```\n"
    )
    assert text.splitlines() == ["A link and bold text.", "a list item.", "another one."]
    assert reading_ease("The cat sat on the mat. It was warm.") > reading_ease(
        "Notwithstanding the aforementioned considerations, organisational accountability necessitates "
        "comprehensive documentation of algorithmic decision-making infrastructure."
    )


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_each_module_reads_plainly(module):
    score = module_reading_ease(module)
    assert score >= TARGET, f"{module.name}: Flesch reading ease {score:.1f}, below {TARGET:.0f}"

"""Every data table is drawn through the _tables.html macro: a focusable region named by the table's caption.

So a table added later cannot make a phone's page scroll sideways again without someone noticing here.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import render_template_string

TEMPLATES = Path(__file__).resolve().parent.parent / "literacy" / "templates"
#: e-mail bodies are not web pages: mail clients need their own inline-styled tables
NOT_PAGES = {"email"}


def test_no_template_writes_a_table_of_its_own():
    stray = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.name != "_tables.html"
        and path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES
        and re.search(r"<table\b", path.read_text(encoding="utf-8"))
    ]
    assert stray == []


def test_the_macro_wraps_the_table_in_a_region_named_by_its_caption(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "_tables.html" import responsive_table %}'
            '{% call responsive_table("members", "Members of <Team>") %}'
            "<tbody><tr><td>Ann</td></tr></tbody>{% endcall %}"
        )
    region = re.search(r'<div class="table-scroll"([^>]*)>', html)
    assert region is not None
    assert 'role="region"' in region.group(1)
    assert 'tabindex="0"' in region.group(1)
    assert 'aria-labelledby="members-caption"' in region.group(1)
    assert '<caption id="members-caption" class="visually-hidden">Members of &lt;Team&gt;</caption>' in html
    assert html.index("<table") > html.index("table-scroll") and html.rstrip().endswith("</div>")
    assert "<tbody><tr><td>Ann</td></tr></tbody>" in html


def test_a_caption_can_be_shown_and_the_table_styled(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "_tables.html" import responsive_table %}'
            '{% call responsive_table("t", "Coverage", caption_class="dashboard-table__caption",'
            ' class="table dashboard-table") %}{% endcall %}'
        )
    assert '<table class="table dashboard-table">' in html
    assert '<caption id="t-caption" class="dashboard-table__caption">Coverage</caption>' in html

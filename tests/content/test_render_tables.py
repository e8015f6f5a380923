"""Tables from authors: an empty corner cell must not become a header without a name."""

from literacy.content import render_markdown


def test_an_empty_corner_header_cell_becomes_a_data_cell():
    html = render_markdown("| | Rules | Learning |\n| --- | --- | --- |\n| Made by | People | Data |\n").html
    assert "<th></th>" not in html and "<td></td>" in html
    assert "<th>Rules</th>" in html

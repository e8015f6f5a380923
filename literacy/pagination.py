"""The one way a view reads which page of a list it is asked for.

``request.args.get("page", type=int)`` believes any integer: ``?page=99999999999999999999`` made an
offset too large for the database (a 500 on PostgreSQL and SQLite), and a negative one a 404 from
``db.paginate``. A page number is a position in a list, not something to argue about, so junk is read as
the first page and a number is clamped to 1..``MAX_PAGE``; a page past the end is the view's business
(``db.paginate`` answers 404, the dashboard shows its last page).
"""

from __future__ import annotations

from collections.abc import Mapping

#: far beyond any real list (50 a page: half a million rows), small enough for any OFFSET
MAX_PAGE = 10_000


def page_number(args: Mapping[str, str], name: str = "page", maximum: int = MAX_PAGE) -> int:
    """The page asked for in ``args`` (a view passes ``request.args``): 1 unless digits say otherwise."""
    text = (args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):  # never int() of thousands of digits (Python refuses past 4300)
        return maximum
    return min(max(1, int(digits)), maximum)

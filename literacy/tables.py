"""Tables and charts as data: one object feeds the HTML table, the SVG chart and the CSV export.

So a download holds exactly the numbers on screen: the template and the CSV writer read the same rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Suppressed:
    """A figure computed over fewer people than the threshold: shown as "fewer than N"."""

    threshold: int


@dataclass
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    """A named table. ``chart`` names the column drawn as bars (None: no chart), labelled by column 0."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    chart: str | None = None
    description: str = ""

    def chart_bars(self) -> list[tuple[str, float | None, Any]]:
        """(label, value or None when hidden, value as shown) for each row, for the SVG bar chart."""
        if self.chart is None:
            return []
        at = [column.key for column in self.columns].index(self.chart)
        bars = []
        for row in self.rows:
            value = row[at]
            number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
            label = row[0] if isinstance(row[0], str) else str(row[0])  # a title keeps its language
            bars.append((label, number, value))
        return bars

    def all_hidden(self, key: str) -> bool:
        """Whether every row's figure in column ``key`` is hidden as being about a small group: then the page
        says why nothing shows and what would show figures, rather than a column of "fewer than N"."""
        at = [column.key for column in self.columns].index(key)
        return bool(self.rows) and all(isinstance(row[at], Suppressed) for row in self.rows)


def suppress(value: int | float | None, over: int, threshold: int) -> Any:
    """Hide a figure computed over fewer than ``threshold`` people (and any count from 1 to threshold-1)."""
    if value is None:
        return None
    if over < threshold:
        return Suppressed(threshold)
    return value


def suppress_count(count: int, threshold: int) -> Any:
    return Suppressed(threshold) if 0 < count < threshold else count


def csv_cell(value: Any, suppressed_text: str) -> str:
    """The one way any value, a heading included, becomes a CSV cell: formatted, then made safe.

    Text (titles, names, answers, headings, "fewer than N") that a spreadsheet would run as a formula gets
    a leading apostrophe; numbers (int or float values) are written as they are, negative ones included.
    """
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return escape_cell(suppressed_text)
    if isinstance(value, bool):
        return escape_cell(str(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):  # one decimal place, or the two a discrimination is shown with
        return f"{value:.1f}" if value == round(value, 1) else str(value)
    if isinstance(value, int):
        return str(value)
    return escape_cell(str(value))


#: What a spreadsheet may read as the start of a formula (OWASP's list, and a leading line feed).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def escape_cell(text: str) -> str:
    """Stop spreadsheets running a text cell as a formula (titles, names and answers come from people).

    Leading spaces are looked through, since some spreadsheets skip them before reading a formula.
    """
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_STARTS else text


def csv_lines(columns: list[Column], rows: Iterable[list[Any]], suppressed_text: str) -> Iterator[str]:
    """The CSV, a line at a time (streamed by the export views); every cell, headings included, goes
    through :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield "\ufeff" + line([csv_cell(column.label, suppressed_text) for column in columns])
    for row in rows:
        yield line([csv_cell(value, suppressed_text) for value in row])


#: Characters per chunk of a streamed CSV: tens of KiB, so a large export is a few dozen writes, not one per line.
CHUNK_SIZE = 32 * 1024


def csv_chunks(
    columns: list[Column],
    rows: Iterable[list[Any]],
    suppressed_text: str,
    *,
    size: int | None = None,
    cells: Callable[[list[Any]], list[str]] | None = None,
) -> Iterator[str]:
    """The CSV in chunks of about ``size`` characters (default ``CHUNK_SIZE``), for a streamed response: the
    heading row comes first, on its own and before any row is read (so the first byte leaves at once), then
    the rows as ``rows`` yields them (a server-side cursor, read a batch at a time), never all held at once.

    Every cell goes through :func:`csv_cell`, or through ``cells``, which turns a row into cells that are
    escaped already (``escape_cell`` on every text cell: the learners export, whose statuses repeat).
    """
    size = size or CHUNK_SIZE
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(column.label, suppressed_text) for column in columns])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    format_row = cells or (lambda row: [csv_cell(value, suppressed_text) for value in row])
    for row in rows:
        writer.writerow(format_row(row))
        if buffer.tell() >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def percent(part: float, whole: float) -> float | None:
    """A share as a percentage with one decimal, or None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None

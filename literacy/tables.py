"""Tables and charts as data: one object feeds the HTML table, the SVG chart and the CSV export.

So a download holds exactly the numbers on screen: the template and the CSV writer read the same rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
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
            bars.append((str(row[0]), number, value))
        return bars


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
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return suppressed_text
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):  # one decimal place, or the two a discrimination is shown with
        return f"{value:.1f}" if value == round(value, 1) else str(value)
    return str(value)


def csv_lines(columns: list[Column], rows: Iterable[list[Any]], suppressed_text: str) -> Iterator[str]:
    """The CSV, a line at a time (streamed by the export views)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield "\ufeff" + line([column.label for column in columns])
    for row in rows:
        yield line([_safe(csv_cell(value, suppressed_text)) for value in row])


def _safe(text: str) -> str:
    """Stop spreadsheets running a cell as a formula (names come from uploads)."""
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _number(text)) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def percent(part: float, whole: float) -> float | None:
    """A share as a percentage with one decimal, or None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None

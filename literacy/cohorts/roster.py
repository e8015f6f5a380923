"""Reading the people a manager wants to add: pasted addresses or a CSV file, every problem by line.

Pure functions (no database): the page shows each problem with its line and keeps what was typed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
MAX_ROWS = 10_000
NAME_MAX = 200  # as long as a name an account may have


@dataclass
class Candidate:
    """One person to add: from a pasted line or a CSV row (``line`` counts from 1)."""

    line: int
    email: str
    name: str = ""


@dataclass
class RowProblem:
    line: int
    code: str  # "email_missing", "email_invalid", "duplicate", "name_too_long", "too_many", "not_csv"
    value: str = ""


@dataclass
class Parsed:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _check(parsed: Parsed, line: int, email: str, name: str, seen: set[str]) -> None:
    """One line: its problem (quoting the address as it was typed), or a candidate with the address in
    lower case. A name too long for an account is refused, never cut."""
    typed = email.strip()
    email, name = typed.lower(), name.strip()
    if not email:
        parsed.problems.append(RowProblem(line, "email_missing"))
    elif not EMAIL_RE.match(email) or len(email) > 254:
        parsed.problems.append(RowProblem(line, "email_invalid", typed))
    elif email in seen:
        parsed.problems.append(RowProblem(line, "duplicate", typed))
    elif len(name) > NAME_MAX:
        parsed.problems.append(RowProblem(line, "name_too_long"))
    else:
        seen.add(email)
        parsed.candidates.append(Candidate(line, email, name))


def parse_pasted(text: str) -> Parsed:
    """Email addresses one a line (commas and semicolons also separate); blank lines are skipped."""
    parsed, seen = Parsed(), set()
    for number, line in enumerate(text.splitlines(), start=1):
        for part in re.split(r"[,;]", line):
            if part.strip():
                _check(parsed, number, part, "", seen)
    if len(parsed.candidates) > MAX_ROWS:
        parsed.problems.append(RowProblem(MAX_ROWS + 1, "too_many"))
    return parsed


def parse_csv(data: bytes) -> Parsed:
    """A CSV of ``name,email`` (a header row naming the columns is optional, either order)."""
    parsed, seen = Parsed(), set()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(RowProblem(1, "not_csv"))
        return parsed
    if "\x00" in text:  # a spreadsheet or UTF-16 file, not UTF-8 text (and PostgreSQL refuses NUL in text)
        parsed.problems.append(RowProblem(1, "not_csv"))
        return parsed
    rows = list(csv.reader(io.StringIO(text)))
    name_at, email_at = 0, 1
    start = 1
    if rows and any(cell.strip().lower() in ("email", "email address") for cell in rows[0]):
        header = [cell.strip().lower() for cell in rows[0]]
        email_at = next(i for i, cell in enumerate(header) if cell in ("email", "email address"))
        name_at = next((i for i, cell in enumerate(header) if cell == "name"), -1)
        rows, start = rows[1:], 2
    for number, row in enumerate(rows, start=start):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) == 1 and "@" in row[0]:
            email, name = row[0], ""
        else:
            email = row[email_at] if email_at < len(row) else ""
            name = row[name_at] if 0 <= name_at < len(row) else ""
        _check(parsed, number, email, name, seen)
    if len(parsed.candidates) > MAX_ROWS:
        parsed.problems.append(RowProblem(MAX_ROWS + 1, "too_many"))
    return parsed

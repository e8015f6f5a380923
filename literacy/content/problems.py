"""Problems found in a module's source, reported all at once as ``path:line: message``.

Parsing never raises on bad input: every step appends to a list of problems instead, so an author
sees everything that is wrong in one run of ``courses check``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a source file; ``line`` is 1-based in the file named by ``path``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Problems:
    """Collects problems for files under one label (a module folder as the caller named it)."""

    def __init__(self, label: str = "") -> None:
        self.label = label.rstrip("/")
        self.items: list[Problem] = []

    def path(self, name: str) -> str:
        """The path shown to authors for a file of this module."""
        return f"{self.label}/{name}" if self.label else name

    def add(self, name: str, line: int, message: str) -> None:
        self.items.append(Problem(self.path(name), max(1, line), message))

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        """Problems in file order, duplicates removed (one mistake can be seen twice)."""
        return sorted(set(self.items))

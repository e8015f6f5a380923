"""Problems found in a module's source, reported all at once as ``path:line: message``.

Parsing never raises on bad input: every step appends to a list of problems instead, so an author
sees everything that is wrong in one run of ``courses check``.

A problem's message is a :class:`Message`: its English text (what the command line, the logs and the tests
see) that also remembers the msgid and parameters it was made from, so a page can show it in the reader's
language with :meth:`Message.translate` at display time. The course engine itself stays free of Flask: it
only marks the texts (``N_``, which Babel extracts) and the web layer passes its ``gettext`` in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class Message(str):
    """The English text of a checker message, which can also be shown in another language.

    ``msgid`` is the English format string (``%(name)s`` placeholders), ``params`` its values; a value that
    is itself a Message (a rule such as "a whole number") is translated with it. Being a ``str``, a Message
    compares, sorts, hashes and prints as its English text, so code and tests that read messages as text
    need not know.
    """

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> Message:
        params = dict(params or {})
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.msgid, dict(self.params)))

    def translate(self, gettext: Callable[[str], str]) -> str:
        """The message in the language ``gettext`` translates to (English when it has no translation, or
        when a translation's placeholders do not match, so a page never fails over a message)."""
        values = {key: translate(value, gettext) for key, value in self.params.items()}
        text = gettext(self.msgid)
        if not values:
            return text
        try:
            return text % values
        except (KeyError, ValueError, TypeError):
            return self.msgid % values


def N_(msgid: str, **params: Any) -> Message:  # noqa: N802 (the name Babel extracts by default)
    """Mark a checker message for translation; the result reads as English until a page translates it."""
    return Message(msgid, params)


def translate(text: object, gettext: Callable[[str], str]) -> object:
    """``text`` in the language of ``gettext`` if it is a :class:`Message`; anything else as it is (a file
    name, a number, or words quoted from the author or from a library, such as YAML's)."""
    return text.translate(gettext) if isinstance(text, Message) else text


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a source file; ``line`` is 1-based in the file named by ``path``."""

    path: str
    line: int
    message: str  # usually a Message (shown translated on pages), plain text for words from elsewhere

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

"""Text files: decoding and the ``---`` header at the top of lessons and quizzes."""

from __future__ import annotations

from dataclasses import dataclass

from .problems import N_, Problems
from .yamlfields import Fields, compose


def decode(data: bytes, name: str, problems: Problems) -> str | None:
    """UTF-8 text with one kind of line ending and no byte-order mark, or None (with a problem)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = f"0x{data[error.start]:02x}"
        problems.add(name, line, N_("the file is not UTF-8 text (byte %(byte)s on this line); save it as UTF-8",
                                    byte=byte))
        return None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Document:
    """A markdown file split into its header and its body; ``body_line`` is the body's first line."""

    header: Fields | None  # None when the file has no header (or it could not be read)
    has_header: bool
    body: str
    body_line: int


def split(text: str, name: str, problems: Problems) -> Document:
    """Split off the header between two ``---`` lines at the very top of the file."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return Document(None, False, text, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        problems.add(name, 1, N_("the header that starts here is not closed by a line ---"))
        return Document(None, True, "", len(lines))
    before = len(problems)
    node = compose("\n".join(lines[1:index]), name, problems, offset=1)
    header = None  # a YAML error, already reported
    if len(problems) == before:
        header = Fields.of(node, name, problems, offset=1, what=N_("the header"), line=1)
    return Document(header, True, "\n".join(lines[index + 1:]), index + 2)

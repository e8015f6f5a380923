"""A draft's files as the trainers last saved them, and the error an authoring request can end in.

A draft goes through the same parser as the files in ``courses/`` (``content.parse_module``); modules
synced from ``courses/`` (origin "files") are never changed by the authoring area.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field


class AuthoringError(Exception):
    """A request that cannot be carried out, with a message for the trainer."""


@dataclass
class DraftFiles:
    """A draft's files: text files by path, pictures by name (inside ``images/``)."""

    text: dict[str, str] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)

    def as_bytes(self) -> dict[str, bytes]:
        files = {path: value.encode("utf-8") for path, value in self.text.items()}
        files.update({f"images/{name}": data for name, data in self.images.items()})
        return files

    def dumps(self) -> str:
        images = {name: base64.b64encode(data).decode("ascii") for name, data in self.images.items()}
        return json.dumps({"text": self.text, "images": images}, sort_keys=True)

    @classmethod
    def loads(cls, value: str) -> DraftFiles:
        data = json.loads(value)
        images = {name: base64.b64decode(encoded) for name, encoded in data.get("images", {}).items()}
        return cls(dict(data.get("text", {})), images)

    def names(self) -> list[str]:
        """Text files in the order a trainer works through them: details, lessons, then the quizzes."""

        def order(name: str) -> tuple[int, str]:
            if name.startswith("module."):
                return (0, name)
            if name.startswith(("quiz.", "precheck.")):
                return (2, name)
            return (1, name)

        return sorted(self.text, key=order)


def normalise_text(text: str) -> str:
    """Browsers send CRLF line ends; the files use LF (line numbers stay the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def title_from(files: DraftFiles, fallback: str) -> str:
    """The title in module.yaml, read without parsing the module (it may not parse yet)."""
    match = re.search(r"^title:\s*(.+?)\s*$", files.text.get("module.yaml", ""), re.MULTILINE)
    return match.group(1).strip("'\"") if match else fallback

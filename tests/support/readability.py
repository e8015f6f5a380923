"""Flesch reading ease of the prose learners read in a module's lessons (issue 19 asks for 60 or more).

Only running prose counts: front matter, knowledge checks, code, tables and headings are left out, and
each list item or line that ends without a full stop is closed as a sentence, since textstat finds
sentences by their punctuation and would otherwise read a bulleted list as one long sentence.

Run ``python -m tests.support.readability`` for each module's and lesson's figures.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import textstat

COURSES = Path(__file__).resolve().parents[2] / "literacy" / "courses"
TARGET = 60.0

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_FOOTNOTE = re.compile(r"\[\^[^\]]+\](:\s*)?")
_MARKUP = re.compile(r"(\*\*|__|\*|_|`)")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def prose(markdown: str) -> str:
    """The sentences of a lesson without its markup."""
    text = markdown
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4 :] if end != -1 else text
    sentences: list[str] = []
    in_fence = in_block = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("```") or line.startswith("~~~"):
            in_fence = not in_fence
            continue
        if line.startswith(":::"):
            in_block = line.strip() != ":::" if not in_block else False
            continue
        if in_fence or in_block or not line.strip():
            sentences.append("")
            continue
        stripped = line.strip()
        if stripped.startswith(("#", "|", "<")):
            sentences.append("")
            continue
        stripped = _LIST.sub("", stripped.lstrip("> "))
        if _LIST.match(line):
            sentences.append("")
        stripped = _MARKUP.sub("", _LINK.sub(r"\1", _FOOTNOTE.sub("", stripped)))
        sentences.append(stripped)
    paragraphs, current = [], []
    for piece in sentences + [""]:
        if piece:
            current.append(piece)
        elif current:
            paragraph = " ".join(current).strip()
            if paragraph and paragraph[-1] not in ".!?:;":
                paragraph += "."
            paragraphs.append(paragraph)
            current = []
    return "\n".join(paragraphs)


def lesson_files(module: Path) -> list[Path]:
    """The module's English lessons (Welsh and Swedish ones have the language before ``.md``)."""
    return sorted(p for p in module.glob("*.md") if p.name.count(".") == 1 and p.stem != "quiz")


def reading_ease(text: str) -> float:
    return float(textstat.flesch_reading_ease(text))


def module_reading_ease(module: Path) -> float:
    """The score of all the module's lessons read as one text, as a learner reads them."""
    return reading_ease("\n".join(prose(p.read_text(encoding="utf-8")) for p in lesson_files(module)))


def modules() -> list[Path]:
    return sorted(p.parent for p in COURSES.glob("*/module.yaml"))


def main() -> int:
    below = 0
    for module in modules():
        score = module_reading_ease(module)
        below += score < TARGET
        print(f"{module.name:36} {score:5.1f}{'  below ' + str(TARGET) if score < TARGET else ''}")
        for lesson in lesson_files(module):
            print(f"    {lesson.stem:46} {reading_ease(prose(lesson.read_text(encoding='utf-8'))):5.1f}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())

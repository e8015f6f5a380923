"""The guide for writing modules, served to trainers at /author/guide (the editor's hint links it).

The guide is ``docs/authoring.md``; ``templates/authoring/guide.md`` links to it, so the wheel, which ships
the templates folder, carries a copy. It is rendered once per process with the course engine's markdown
renderer (sanitised like a lesson), its own title dropped (the page has its heading) and its headings moved
up one level so they follow the page's h1.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..content.render import render_markdown

GUIDE = Path(__file__).resolve().parent.parent / "templates" / "authoring" / "guide.md"
_TITLE_RE = re.compile(r"^\s*<h2[^>]*>.*?</h2>\s*", re.S)
_HEADING_RE = re.compile(r"<(/?)h([3-6])\b")


@functools.lru_cache(maxsize=1)
def guide_html() -> str | None:
    """The guide as HTML, or None when this installation has no copy of it."""
    try:
        text = GUIDE.read_text(encoding="utf-8")
    except OSError:
        return None
    html = _TITLE_RE.sub("", render_markdown(text, known_terms=None, known_images=None).html, count=1)
    return _HEADING_RE.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) - 1}", html)

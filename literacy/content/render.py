"""Markdown to safe HTML: the one render function every lesson, question and quiz text goes through.

Markdown is rendered once, when a module is parsed for publishing, then sanitized with bleach against
an explicit allowlist, then a last filter rewrites module-image and glossary links and drops any URL
that is not http(s), mailto, relative or a fragment. Nothing an author writes (raw HTML included) can
put a script, an event handler, a style or an embedded SVG in front of a learner.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import bleach
import markdown
from babel.support import NullTranslations, Translations
from bleach.html5lib_shim import Filter
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .problems import N_, Message, translate

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = N_("lower case letters, digits and hyphens")

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td",
    "a", "img", "sup", "sub", "div", "span", "section", "abbr", "details", "summary",
})
_ID_CLASS = frozenset({"id", "class"})
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "id", "class"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "th": frozenset({"align", "colspan", "rowspan", "scope"}),
    "td": frozenset({"align", "colspan", "rowspan", "scope"}),
    "abbr": frozenset({"title"}),
    **{tag: _ID_CLASS for tag in ("div", "section", "span", "h2", "h3", "h4", "h5", "h6", "li", "sup",
                                  "ol", "p")},
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

#: Callout kinds (``!!! KIND "title"``) and their default titles, in English; other languages take them from
#: the interface catalogue (``content_text``), so a new language needs a catalogue, not code.
CALLOUT_KINDS = ("note", "tip", "warning", "example", "scenario", "practice")
CALLOUT_TITLES: dict[str, Message] = {
    "note": N_("Note"), "tip": N_("Tip"), "warning": N_("Warning"), "example": N_("Example"),
    "scenario": N_("Scenario"), "practice": N_("In practice"),
}

#: Class names that survive sanitizing: the ones Markdown's extensions produce for our styles.
ALLOWED_CLASSES = frozenset({
    "admonition", "admonition-title", *CALLOUT_KINDS, "footnote", "footnote-ref", "footnote-backref",
    "toc",
})

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_INVISIBLE_RE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]+")
_IMAGE_PATH_RE = re.compile(r"^(?:\./)?images/([A-Za-z0-9][A-Za-z0-9._-]*)$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CALLOUT_RE = re.compile(r"^(\s*)!!!\+?(.*)$")
_CALLOUT_SPEC_RE = re.compile(r'^ ?([\w\-]+(?: +[\w\-]+)*)(?: +"(.*?)")? *$')
# Cosmetic only (bleach is the guard): remove these elements with their content so that their text
# does not show up as stray words after the tags are stripped.
_DROP_WITH_CONTENT_RE = re.compile(
    r"<(script|style|svg|math|iframe|object|noscript|template|textarea|select|noembed|noframes|xmp)\b"
    r"[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


_EMPTY_PARAGRAPH_RE = re.compile(r"<p>\s*</p>\n?")  # left behind by removed elements


@dataclass(frozen=True)
class Rendered:
    """Safe HTML and what the text used. ``problems`` are (line in the given text, message)."""

    html: str
    toc_html: str = ""
    images_used: tuple[str, ...] = ()
    glossary_terms_used: tuple[str, ...] = ()
    problems: tuple[tuple[int, str], ...] = ()


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see, after removing whitespace and control characters."""
    match = _SCHEME_RE.match(_INVISIBLE_RE.sub("", url))
    return match.group(1).lower() if match else None


def is_safe_href(url: str) -> bool:
    """http(s), mailto, a relative address or a #fragment."""
    scheme = url_scheme(url)
    return scheme is None or scheme in ALLOWED_PROTOCOLS


def default_image_url(name: str) -> str:
    return f"images/{name}"


def default_glossary_url(term: str) -> str:
    return f"/glossary#{term}"


# --- Markdown ---------------------------------------------------------------------------------------


class _ShiftHeadings(Treeprocessor):
    """Lesson titles are the page's h1, so a ``#`` heading in the text moves every heading down one
    level (h1 becomes h2, h2 becomes h3 ...)."""

    def run(self, root: Element) -> None:
        headings = [el for el in root.iter() if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
        if any(el.tag == "h1" for el in headings):
            for el in headings:
                el.tag = f"h{min(6, int(el.tag[1]) + 1)}"


class _LiteracyExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_ShiftHeadings(md), "literacy-shift-headings", 7)  # before toc (5)


#: The title (tooltip) of a footnote's link back to where it is cited. It is part of the lesson's HTML,
#: rendered once at publishing, so it follows the content's language, not the reader's.
BACKLINK_TITLE = N_("Back to the text")
_TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


@lru_cache(maxsize=16)
def _catalogue(language: str) -> NullTranslations:
    """The interface catalogue of ``language`` (read once; English, or a language without one, as written)."""
    return Translations.load(str(_TRANSLATIONS), [language])


def content_text(message: Message, language: str) -> str:
    """A text the engine writes into content (a callout's default title, the footnote link's title) in the
    content's language, from the same catalogue as the interface: no Flask needed, so the checker and
    publishing give the same HTML."""
    return str(translate(message, _catalogue(language).gettext))


def _new_markdown(language: str) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "footnotes", "fenced_code", "def_list", "admonition", "toc", "sane_lists",
                    "smarty", _LiteracyExtension()],
        extension_configs={
            "toc": {"permalink": False, "toc_depth": "2-3"},
            "tables": {"use_align_attribute": True},
            # Python-Markdown puts the footnote's number where a title holds %d; ours hold no % at all.
            "footnotes": {"BACKLINK_TITLE": content_text(BACKLINK_TITLE, language)},
        },
        output_format="html",
    )


_local = threading.local()


def _markdown(language: str) -> markdown.Markdown:
    """This thread's Markdown for texts in ``language`` (one per language: the footnotes' titles differ)."""
    key = language
    found: dict[str, markdown.Markdown] | None = getattr(_local, "md", None)
    if found is None:
        found = _local.md = {}
    md = found.get(key)
    if md is None:
        md = found[key] = _new_markdown(key)
    return md.reset()


def _outside_fences(lines: list[str]) -> Iterator[int]:
    """Indexes of lines that are not inside a fenced code block."""
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE_RE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            yield index
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = None


def _prepare_callouts(text: str, language: str) -> tuple[str, list[tuple[int, str]]]:
    """Give callouts without a title their default title, and report unknown kinds."""
    titles = {kind: content_text(title, language) for kind, title in CALLOUT_TITLES.items()}
    lines = text.split("\n")
    problems: list[tuple[int, str]] = []
    for index in _outside_fences(lines):
        match = _CALLOUT_RE.match(lines[index])
        if not match:
            continue
        spec = _CALLOUT_SPEC_RE.match(match.group(2))
        kinds = spec.group(1).lower().split() if spec else []
        if len(kinds) != 1 or kinds[0] not in CALLOUT_KINDS:
            problems.append((index + 1, N_('unknown callout "%(callout)s": write !!! KIND "Title" where KIND is '
                                           "one of %(kinds)s", callout=match.group(2).strip(),
                                           kinds=", ".join(CALLOUT_KINDS))))
            continue
        if spec and spec.group(2) is None:
            lines[index] = f'{match.group(1)}!!! {kinds[0]} "{titles[kinds[0]]}"'
    return "\n".join(lines), problems


# --- Sanitizing ----------------------------------------------------------------------------------------


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


@dataclass
class _Element:
    """An <img> or <a> as the author wrote it: its line and its address (src or href)."""

    line: int
    value: str
    used: bool = False


_CODE_SPAN_RE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_TAG_RES = {tag: re.compile(rf"<{tag}(?=[\s/>])[^>]*>?", re.IGNORECASE) for tag in ("img", "a")}
_TAG_ATTRIBUTE = {"img": "src", "a": "href"}
_ATTRIBUTE_RES = {
    name: re.compile(rf"""(?:^|[\s/"']){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
    for name in ("src", "href")
}
_LINK_TEXT = r"\[(?:[^\]\\\n]|\\.)*\]"
_MD_INLINE_RE = re.compile(rf"(!?){_LINK_TEXT}\(\s*(<[^>\n]*>|[^\s)]*)")
_MD_REFERENCE_RE = re.compile(rf"(!?)({_LINK_TEXT})(?:\[([^\]\n]*)\])?(?![(:])")
_MD_DEFINITION_RE = re.compile(r"^ {0,3}\[([^\]\n]+)\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _elements(text: str) -> dict[str, list[_Element]]:
    """Every <img> and <a> of the text, raw HTML or markdown, with its line, in the order written.

    Code (fenced blocks and `spans`) is blanked first: what is shown as code is no element.
    """
    lines = text.split("\n")
    kept = set(_outside_fences(lines))
    plain = "\n".join(line if index in kept else "" for index, line in enumerate(lines))
    plain = _CODE_SPAN_RE.sub(_blank, plain)
    definitions = {match.group(1).strip().lower(): _address(match.group(2))
                   for match in _MD_DEFINITION_RE.finditer(plain)}
    found: list[tuple[int, str, str]] = []  # (offset, tag, address)
    for tag, pattern in _TAG_RES.items():
        for match in pattern.finditer(plain):
            attribute = _ATTRIBUTE_RES[_TAG_ATTRIBUTE[tag]].search(match.group(0)[len(tag) + 1:])
            value = next((group for group in attribute.groups() if group is not None), "") if attribute else ""
            found.append((match.start(), tag, html.unescape(value)))
    for match in _MD_INLINE_RE.finditer(plain):
        found.append((match.start(), "img" if match.group(1) else "a", _address(match.group(2))))
    for match in _MD_REFERENCE_RE.finditer(plain):
        label = (match.group(3) or match.group(2)[1:-1]).strip().lower()
        if label in definitions and not _MD_DEFINITION_RE.match(plain, plain.rfind("\n", 0, match.start()) + 1):
            found.append((match.start(), "img" if match.group(1) else "a", definitions[label]))
    elements: dict[str, list[_Element]] = {"img": [], "a": []}
    for offset, tag, value in sorted(found):
        elements[tag].append(_Element(plain.count("\n", 0, offset) + 1, value.strip()))
    return elements


def _address(written: str) -> str:
    """A markdown address as the rendered element carries it (no angle brackets, entities decoded)."""
    if written.startswith("<") and written.endswith(">"):
        written = written[1:-1]
    return html.unescape(written)


@dataclass
class _Context:
    image_url: Callable[[str], str]
    glossary_url: Callable[[str], str]
    known_terms: Collection[str] | None
    known_images: Collection[str] | None
    images: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    # (line of the element when it was found, texts to find the line by otherwise; message)
    notes: list[tuple[int | None, tuple[str, ...], str]] = field(default_factory=list)
    elements: dict[str, list[_Element]] = field(default_factory=dict)  # where each <img> and <a> was written

    def locate(self, tag: str, value: str) -> int | None:
        """The line of the next element ``tag`` written with this address, taken so that the next
        identical one points at its own line (None when the source does not show it plainly)."""
        wanted = value.strip()
        found = self.elements.get(tag, [])
        for element in found:
            # an address bleach removed (javascript:, data: ...) reaches the filter as an empty one
            same = element.value == wanted or (not wanted and not is_safe_href(element.value))
            if not element.used and same:
                element.used = True
                return element.line
        return None


class _LinkFilter(Filter):
    """Runs after bleach: rewrites ``images/NAME`` and ``glossary:ID``, drops unsafe URLs and classes,
    marks external links ``rel="noopener noreferrer"``."""

    def __init__(self, source: Any, context: _Context) -> None:
        super().__init__(source)
        self.context = context

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            kind = token.get("type")
            if kind in ("StartTag", "EmptyTag"):
                attrs = token.get("data") or {}
                self._classes(attrs)
                if token["name"] == "img" and not self._image(attrs):
                    continue
                if token["name"] == "a":
                    self._link(attrs)
                token["data"] = attrs
            yield token

    @staticmethod
    def _classes(attrs: dict[tuple[str | None, str], str]) -> None:
        key = (None, "class")
        if key in attrs:
            kept = [c for c in attrs[key].split() if c in ALLOWED_CLASSES]
            if kept:
                attrs[key] = " ".join(kept)
            else:
                del attrs[key]

    def _image(self, attrs: dict[tuple[str | None, str], str]) -> bool:
        ctx = self.context
        src = attrs.get((None, "src"), "")
        line = ctx.locate("img", src)
        match = _IMAGE_PATH_RE.match(src.strip())
        if not src.strip():
            ctx.notes.append((line, ("![", "<img"), N_("a picture without an allowed address was removed: "
                                                       "write ![what it shows](images/NAME)")))
            return False
        if not match:
            ctx.notes.append((line, _src_needles(src), N_('picture "%(src)s" must be a file in the images/ folder, '
                                                          "written as images/NAME", src=src)))
            return False
        name = match.group(1)
        ctx.images.append(name)
        if ctx.known_images is not None and name not in ctx.known_images:
            ctx.notes.append((line, _src_needles(src), N_('picture "images/%(name)s" does not exist', name=name)))
        if not attrs.get((None, "alt"), "").strip():
            ctx.notes.append((line, _src_needles(src), N_('picture "images/%(name)s" has no alt text: '
                                                          "write ![what it shows](images/%(name)s)", name=name)))
            attrs[(None, "alt")] = ""
        attrs[(None, "src")] = ctx.image_url(name)
        return True

    def _link(self, attrs: dict[tuple[str | None, str], str]) -> None:
        ctx = self.context
        key = (None, "href")
        attrs.pop((None, "rel"), None)
        href = attrs.get(key)
        if href is None:
            return
        line = ctx.locate("a", href)
        stripped = _INVISIBLE_RE.sub("", href)
        if stripped.lower().startswith("glossary:"):
            term = stripped[len("glossary:"):]
            if not SLUG_RE.match(term):
                ctx.notes.append((line, _href_needles(href), N_('glossary link "%(href)s" must be glossary:ID '
                                                                "with the ID of a term", href=href)))
                del attrs[key]
                return
            ctx.terms.append(term)
            if ctx.known_terms is not None and term not in ctx.known_terms:
                ctx.notes.append((line, _href_needles(href), N_('glossary link to unknown term "%(term)s"',
                                                                term=term)))
            attrs[key] = ctx.glossary_url(term)
            return
        image = _IMAGE_PATH_RE.match(href.strip())
        if image:
            attrs[key] = ctx.image_url(image.group(1))
            return
        if not is_safe_href(href):
            del attrs[key]
            return
        if url_scheme(href) in ("http", "https") or stripped.startswith("//"):
            attrs[(None, "rel")] = "noopener noreferrer"


def _clean(html: str, context: _Context) -> str:
    html = _DROP_WITH_CONTENT_RE.sub("", html)
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        # "glossary" only gets past bleach to be rewritten (or dropped) by _LinkFilter.
        protocols=ALLOWED_PROTOCOLS | {"glossary"},
        strip=True,
        strip_comments=True,
        filters=[partial(_LinkFilter, context=context)],
    )
    return _EMPTY_PARAGRAPH_RE.sub("", cleaner.clean(html))


def _src_needles(src: str) -> tuple[str, ...]:
    return (f"]({src}", f'src="{src}"', f"src='{src}'", f"src={src}", "<img") if src else ("<img",)


def _href_needles(href: str) -> tuple[str, ...]:
    return (f"]({href}", f'href="{href}"', f"href='{href}'", href)


def _line_of(text: str, needles: tuple[str, ...]) -> int:
    """The first line holding the most specific of ``needles`` (line 1 when none is found)."""
    lines = text.split("\n")
    for needle in needles:
        for number, line in enumerate(lines, start=1):
            if needle and needle in line:
                return number
    return 1


def render_markdown(
    text: str,
    *,
    image_url: Callable[[str], str] = default_image_url,
    glossary_url: Callable[[str], str] = default_glossary_url,
    known_terms: Collection[str] | None = None,
    known_images: Collection[str] | None = None,
    language: str = "en",
) -> Rendered:
    """Render author markdown to sanitized HTML.

    ``image_url(name)`` gives the address of ``images/NAME``, ``glossary_url(id)`` that of a glossary
    entry. ``known_terms``/``known_images`` (None: do not check) let the result report links to terms
    or pictures that do not exist; ``language`` picks callouts' default titles.
    """
    prepared, problems = _prepare_callouts(text, language)
    context = _Context(image_url, glossary_url, known_terms, known_images, elements=_elements(text))
    try:
        md = _markdown(language)
        html = _EMPTY_HEADER_CELL_RE.sub(r"<td\1></td>", _clean(md.convert(prepared), context))
        toc_html = ""
        if getattr(md, "toc_tokens", None):
            toc_html = _clean(md.toc, _Context(image_url, glossary_url, None, None))  # type: ignore[attr-defined]
    except RecursionError:
        _local.md = None  # start the next text with a fresh Markdown
        return Rendered("", problems=((1, N_("this text is nested too deeply (lists or quotes inside each other) "
                                             "to be shown")),))
    problems += [(line or _line_of(text, needles), message) for line, needles, message in context.notes]
    return Rendered(
        html=html,
        toc_html=toc_html,
        images_used=tuple(dict.fromkeys(context.images)),
        glossary_terms_used=tuple(dict.fromkeys(context.terms)),
        problems=tuple(problems),
    )


# A table's empty top-left corner is a data cell, not a header without a name (which screen readers announce).
_EMPTY_HEADER_CELL_RE = re.compile(r"<th(\s[^>]*)?>\s*</th>")

_SINGLE_PARAGRAPH_RE = re.compile(r"^\s*<p>(.*)</p>\s*$", re.DOTALL)


def render_inline(text: str, **kwargs: Any) -> Rendered:
    """Like :func:`render_markdown`, without the ``<p>`` around a text of one paragraph (options)."""
    rendered = render_markdown(text, **kwargs)
    match = _SINGLE_PARAGRAPH_RE.match(rendered.html)
    if match and "<p>" not in match.group(1):
        return Rendered(match.group(1), "", rendered.images_used, rendered.glossary_terms_used,
                        rendered.problems)
    return rendered

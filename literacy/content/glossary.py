"""The shared glossary (``courses/glossary.yaml``) that lessons link to with ``glossary:ID``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .frontmatter import decode
from .problems import N_, Problem, Problems
from .render import SLUG_RE, SLUG_RULE, render_inline
from .yamlfields import Fields, compose

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")


@dataclass(frozen=True)
class TermText:
    term: str
    definition: str  # as written (markdown)
    definition_html: str  # rendered and sanitized, inline (no wrapping <p>)


@dataclass(frozen=True)
class Term:
    """A glossary entry; ``texts`` is keyed by language, the glossary's language first."""

    id: str
    texts: dict[str, TermText]
    language: str

    def text(self, language: str) -> TermText:
        return self.texts.get(language) or self.texts[self.language]

    @property
    def term(self) -> str:
        return self.texts[self.language].term

    @property
    def definition(self) -> str:
        return self.texts[self.language].definition


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    language: str = "en"

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.terms)

    def get(self, term_id: str) -> Term | None:
        return next((t for t in self.terms if t.id == term_id), None)

    def __contains__(self, term_id: object) -> bool:
        return any(t.id == term_id for t in self.terms)


def parse_glossary(
    data: bytes, *, label: str = "glossary.yaml", partial: bool = False
) -> tuple[Glossary | None, list[Problem]]:
    """Parse glossary.yaml; ``label`` is the path shown in problems. The glossary is None when it has
    problems, unless ``partial`` asks for the terms that could be read (to check links against them
    without reporting every link to a glossary with a typo in it)."""
    problems = Problems()
    glossary = _parse(data, label, problems)
    found = problems.sorted()
    return (None if found and not partial else glossary), found


def _parse(data: bytes, name: str, problems: Problems) -> Glossary | None:
    text = decode(data, name, problems)
    if text is None:
        return None
    before = len(problems)
    node = compose(text, name, problems)
    if len(problems) > before:
        return None
    top = Fields.of(node, name, problems, line=1)
    if top is None:
        return None
    top.unknown({"terms", "language"})
    language = top.text("language", required=False) or "en"
    if not LANGUAGE_RE.match(language):
        problems.add(name, top.line("language"), N_('"%(language)s" is not a language code such as en or cy',
                                                    language=language))
    terms: list[Term] = []
    seen: dict[str, int] = {}
    if not top.has("terms"):
        problems.add(name, 1, N_('glossary.yaml needs "terms:", a list of terms'))
    for entry in top.mappings("terms", what=N_("the glossary term")):
        term_id = entry.text("id")
        main, texts = _term_texts(entry, name, language, term_id)
        if term_id is None:
            continue
        _check_term_id(entry, term_id, seen, name, problems)
        if main:
            terms.append(Term(term_id, texts, language))
    return Glossary(tuple(terms), language)


def _term_texts(
    entry: Fields, name: str, language: str, term_id: str | None
) -> tuple[TermText | None, dict[str, TermText]]:
    """A term's text in the glossary's language (None when it is incomplete), and its texts by language:
    each translation (a key that is a language code) keeps the main text of what it leaves out."""
    texts: dict[str, TermText] = {}
    main = _term_text(entry, name)
    if main:
        texts[language] = main
    languages = [k for k in entry.keys()  # noqa: SIM118 (Fields is not a dict)
                 if k not in ("id", "term", "definition") and LANGUAGE_RE.match(k)]
    entry.unknown({"id", "term", "definition", *languages})
    for key in languages:
        translation = entry.mapping(key, what=N_('the "%(language)s" translation of "%(term)s"', language=key,
                                                 term=term_id))
        if translation is not None:
            translation.unknown({"term", "definition"})
            translated = _term_text(translation, name, fallback=main)
            if translated:
                texts[key] = translated
    return main, texts


def _check_term_id(entry: Fields, term_id: str, seen: dict[str, int], name: str, problems: Problems) -> None:
    """A term ID is a slug (links name it) and is used once; ``seen`` holds the IDs above, by line."""
    if not SLUG_RE.match(term_id):
        problems.add(name, entry.line("id"), N_('term ID "%(term)s" must be %(rule)s', term=term_id, rule=SLUG_RULE))
    if term_id in seen:
        problems.add(name, entry.line("id"), N_('term ID "%(term)s" is used twice (also on line %(line)s)',
                                                term=term_id, line=seen[term_id]))
    seen.setdefault(term_id, entry.line("id"))


def _term_text(fields: Fields, name: str, fallback: TermText | None = None) -> TermText | None:
    required = fallback is None
    term = fields.text("term", required=required)
    definition = fields.text("definition", required=required)
    if fallback is not None:
        term = term or fallback.term
        definition = definition or fallback.definition
    if not term or not definition:
        return None
    html = render_inline(definition, known_images=()).html
    return TermText(term, definition, html)


def load_glossary(
    path: Path, *, label: str | None = None, partial: bool = False
) -> tuple[Glossary | None, list[Problem]]:
    return parse_glossary(path.read_bytes(), label=label or path.as_posix(), partial=partial)

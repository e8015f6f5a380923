"""Welsh terminology (issue 20): a Welsh glossary link names its concept with the glossary's Welsh term.

A link [text](glossary:ID) in a Welsh lesson or quiz tells the learner "this is the term". So its text must
be the glossary's `cy: term:`, allowing for Welsh initial mutations on every word, for case, for a plural
or inflected last word (a 4-letter shared stem) and, since a Welsh head noun comes first, for a regular
plural of the first word ("systemau AI risg uchel"); the other words must match exactly once de-mutated.
An abbreviation in the term's brackets ("(DPIA)") is optional and may stand alone; an English gloss
("(deployer)") is part of the term. And one file must not link one entry with two different singular forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

COURSES = Path(__file__).resolve().parent.parent / "literacy" / "courses"
WELSH_FILES = sorted(COURSES.glob("*/*.cy.md"))
LINK = re.compile(r"\[([^\]]+)\]\(glossary:([a-z0-9-]+)\)")
BRACKETED = re.compile(r"^(.*?)\s*\(([^)]*)\)\s*$")
VOWELS = "aeiouwyâêîôûŵŷáéíóúàèìòùäëïöü"
# Mutated onset -> possible radical onsets, longest onsets first (so "ngh" is tried before "ng").
MUTATIONS: list[tuple[str, tuple[str, ...]]] = [
    ("ngh", ("c",)),  # nasal
    ("mh", ("p",)),  # nasal
    ("nh", ("t",)),  # nasal
    ("ng", ("g",)),  # nasal
    ("ch", ("c",)),  # aspirate
    ("ph", ("p",)),  # aspirate
    ("th", ("t",)),  # aspirate
    ("dd", ("d",)),  # soft
    ("g", ("c",)),  # soft
    ("b", ("p",)),  # soft
    ("d", ("t",)),  # soft
    ("f", ("b", "m")),  # soft
    ("l", ("ll",)),  # soft
    ("r", ("rh",)),  # soft
    ("m", ("b",)),  # nasal
    ("n", ("d",)),  # nasal
]
# Endings that make a Welsh (or, in a bracketed English gloss, English) plural or inflected form.
PLURAL_ENDINGS = ("iau", "au", "ion", "on", "oedd", "ydd", "i", "s")
MIN_STEM = 4


def radicals(word: str) -> set[str]:
    """Every form `word` could have before an initial mutation (itself included), lower-cased.

    Welsh mutation is ambiguous backwards ("f" may be a soft-mutated "b" or "m"; any word may have lost a
    soft-mutated "g"), so this returns every candidate and a match needs only one of them.
    """
    word = word.casefold()
    forms = {word, "g" + word}  # soft mutation drops an initial g
    for onset, originals in MUTATIONS:
        if word.startswith(onset) and len(word) > len(onset):
            forms.update(original + word[len(onset) :] for original in originals)
    if len(word) > 1 and word[0] == "h" and word[1] in VOWELS:  # h- before a vowel
        forms.add(word[1:])
    return forms


def _words(text: str) -> list[str]:
    """The words of a link text or term, without Markdown emphasis or surrounding punctuation."""
    return [w.strip('*_.,;:!?"“”') for w in text.replace("*", " ").replace("_", " ").split() if w.strip("*_")]


def _same_word(link_word: str, term_word: str) -> bool:
    return bool(radicals(link_word) & radicals(term_word))


def _stem(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _inflected(link_word: str, term_word: str) -> bool:
    """The last word: the term's word itself (after de-mutation) or a form sharing a 4-letter stem with it."""
    if _same_word(link_word, term_word):
        return True
    if len(term_word) < MIN_STEM:
        return False
    return any(_stem(a, b) >= MIN_STEM for a in radicals(link_word) for b in radicals(term_word))


def _plural_of(link_word: str, term_word: str) -> bool:
    """`link_word` is `term_word` or its plural by a regular ending (after de-mutation)."""
    term = term_word.casefold()
    for form in radicals(link_word):
        if form == term or (form.startswith(term) and form[len(term) :] in PLURAL_ENDINGS):
            return True
        if term.endswith("wr") and form == term[: -len("iwr" if term.endswith("iwr") else "wr")] + "wyr":
            return True  # defnyddiwr/defnyddwyr, darparwr/darparwyr
    return False


def _singular(link_word: str, term_word: str) -> str:
    """The de-mutated singular of a word: the term's word when `link_word` is it or its plural."""
    term = term_word.casefold()
    if _plural_of(link_word, term_word):
        return term
    return min(radicals(link_word), key=lambda f: (-_stem(f, term), f))


def _phrase_matches(link: str, term: str) -> bool:
    link_words, term_words = _words(link), _words(term)
    if not link_words or len(link_words) != len(term_words):
        return False
    if len(term_words) > 1 and not (
        _same_word(link_words[0], term_words[0]) or _plural_of(link_words[0], term_words[0])
    ):
        return False  # a Welsh head noun comes first and takes the plural: "systemau AI risg uchel"
    if not all(_same_word(a, b) for a, b in zip(link_words[1:-1], term_words[1:-1], strict=True)):
        return False
    return _inflected(link_words[-1], term_words[-1])


def _phrase_singular(link: str, term: str) -> str:
    link_words, term_words = _words(link), _words(term)
    if len(term_words) == 1:
        return _singular(link_words[0], term_words[0])
    head = _singular(link_words[0], term_words[0])
    middle = [b.casefold() for b in term_words[1:-1]]
    return " ".join([head, *middle, _singular(link_words[-1], term_words[-1])])


@dataclass(frozen=True)
class Term:
    """A glossary Welsh term split into its core and its bracket: an abbreviation or an English gloss."""

    core: str
    bracket: str | None

    @classmethod
    def parse(cls, text: str) -> Term:
        match = BRACKETED.match(text)
        if match:
            return cls(match.group(1), match.group(2))
        return cls(text, None)

    @property
    def abbreviation(self) -> bool:
        """An abbreviation such as "(AI)" is optional and may stand alone; an English gloss is required."""
        return self.bracket is not None and re.fullmatch(r"[A-Z0-9]+", self.bracket) is not None

    def names(self, text: str) -> bool:
        """Whether a link text is this term (mutated, any case, last word inflected)."""
        link = Term.parse(text)
        if self.abbreviation:
            if link.bracket is None and link.core == self.bracket:
                return True
            return _phrase_matches(link.core, self.core) and link.bracket in (None, self.bracket)
        if self.bracket is None:
            return link.bracket is None and _phrase_matches(link.core, self.core)
        return (
            link.bracket is not None
            and _phrase_matches(link.core, self.core)
            and _phrase_matches(link.bracket, self.bracket)
        )

    def singular(self, text: str) -> str:
        """The de-mutated, case-folded singular a link text uses, so two forms of one term compare equal."""
        link = Term.parse(text)
        if not self.names(text):
            return text.casefold()
        if self.abbreviation and link.bracket is None and link.core == self.bracket:
            return _phrase_singular(self.core, self.core)
        core = _phrase_singular(link.core, self.core)
        if self.bracket is not None and not self.abbreviation:
            core += f" ({_phrase_singular(link.bracket or '', self.bracket)})"
        return core


def _glossary() -> dict[str, Term]:
    data = yaml.safe_load((COURSES / "glossary.yaml").read_text(encoding="utf-8"))
    return {entry["id"]: Term.parse(entry["cy"]["term"]) for entry in data["terms"] if entry.get("cy")}


def _links(path: Path) -> list[tuple[int, str, str]]:
    """(line, text, ID) of every glossary link, including a link whose text runs over a line break."""
    source = path.read_text(encoding="utf-8")
    return [
        (source.count("\n", 0, m.start()) + 1, " ".join(m.group(1).split()), m.group(2)) for m in LINK.finditer(source)
    ]


GLOSSARY = _glossary()


@pytest.mark.parametrize(
    ("word", "radical"),
    [
        ("gyfradd", "cyfradd"),  # soft c -> g
        ("brosesydd", "prosesydd"),  # soft p -> b
        ("duedd", "tuedd"),  # soft t -> d
        ("wneud", "gwneud"),  # soft g dropped
        ("oruchwyliaeth", "goruchwyliaeth"),
        ("fodel", "model"),  # soft m -> f
        ("fesurau", "mesurau"),
        ("ddata", "data"),  # soft d -> dd
        ("lythrennedd", "llythrennedd"),  # soft ll -> l
        ("ragfarn", "rhagfarn"),  # soft rh -> r
        ("nghyngor", "cyngor"),  # nasal c -> ngh
        ("mhrosesydd", "prosesydd"),  # nasal p -> mh
        ("nhryloywder", "tryloywder"),  # nasal t -> nh
        ("ngwasanaeth", "gwasanaeth"),  # nasal g -> ng
        ("mhenderfyniad", "penderfyniad"),
        ("Neddf", "deddf"),  # nasal d -> n, any case
        ("chyfradd", "cyfradd"),  # aspirate c -> ch
        ("thryloywder", "tryloywder"),  # aspirate t -> th
        ("phrosesydd", "prosesydd"),  # aspirate p -> ph
        ("hasesiad", "asesiad"),  # h- before a vowel
        ("Rhagfarn", "rhagfarn"),  # a radical stays itself
    ],
)
def test_radicals_undo_each_mutation(word, radical):
    assert radical in radicals(word)


def test_radicals_do_not_invent_unrelated_words():
    assert "data" not in radicals("ddeddf")
    assert "rhagfarn" not in radicals("ragfarnau")  # an ending is not a mutation
    assert radicals("sgwrsfot") == {"sgwrsfot", "gsgwrsfot"}  # s does not mutate


@pytest.mark.parametrize(
    ("term", "text", "names"),
    [
        ("Gwneud penderfyniadau awtomataidd", "wneud penderfyniadau awtomataidd", True),
        ("System AI risg uchel", "systemau AI risg uchel", True),  # the head noun's plural
        ("System AI risg uchel", "system AI risg isel", False),
        ("Negatif ffug", "negatifau ffug", True),
        ("Tuedd awtomeiddio", "duedd awtomeiddiedig", True),  # the last word shares a 4-letter stem
        ("Tuedd awtomeiddio", "duedd ddynol", False),
        ("Positif ffug", "Positif ffug", True),
        ("Darparwr", "ddarparwyr", True),
        ("Defnyddiwr (deployer)", "ddefnyddwyr (deployers)", True),
        ("Defnyddiwr (deployer)", "ddefnyddiwr", False),  # the English gloss is part of the term
        ("Chwistrellu anogwyr (prompt injection)", "*prompt injection*", False),
        ("Asesiad o'r effaith ar ddiogelu data (DPIA)", "DPIA", True),
        ("Asesiad o'r effaith ar ddiogelu data (DPIA)", "asesiad o'r effaith ar ddiogelu data", True),
        ("Deallusrwydd artiffisial (AI)", "deallusrwydd artiffisial (AI)", True),
        ("Rhagfarn", "tuedd", False),
        ("Meddalwedd fel dyfais feddygol", "ddyfais feddygol", False),
    ],
)
def test_a_link_names_the_term(term, text, names):
    assert Term.parse(term).names(text) is names


def test_singular_forms_of_one_term_compare_equal():
    darparwr = Term.parse("Darparwr")
    assert darparwr.singular("ddarparwyr") == darparwr.singular("Darparwr") == "darparwr"
    dpia = Term.parse("Asesiad o'r effaith ar ddiogelu data (DPIA)")
    assert dpia.singular("DPIA") == dpia.singular("asesiad o'r effaith ar ddiogelu data (DPIA)")
    rhagfarn = Term.parse("Rhagfarn")
    assert rhagfarn.singular("ragfarnau") == "rhagfarn"
    assert rhagfarn.singular("rhagfynegiad") != "rhagfarn"  # shares "rhag", but is another word


def test_there_are_welsh_files_with_glossary_links():
    assert len(WELSH_FILES) > 40
    assert sum(len(_links(path)) for path in WELSH_FILES) > 100


@pytest.mark.parametrize("path", WELSH_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_welsh_glossary_links_use_the_glossary_term(path):
    wrong = [
        f"{path.name}:{number} [{text}](glossary:{term_id}) should be {GLOSSARY[term_id].core!r}"
        + (f" ({GLOSSARY[term_id].bracket})" if GLOSSARY[term_id].bracket else "")
        for number, text, term_id in _links(path)
        if term_id in GLOSSARY and not GLOSSARY[term_id].names(text)
    ]
    assert wrong == []


@pytest.mark.parametrize("path", WELSH_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_welsh_file_uses_one_term_per_glossary_entry(path):
    forms: dict[str, set[str]] = {}
    for _number, text, term_id in _links(path):
        if term_id in GLOSSARY:
            forms.setdefault(term_id, set()).add(GLOSSARY[term_id].singular(text))
    assert {term_id: sorted(f) for term_id, f in forms.items() if len(f) > 1} == {}

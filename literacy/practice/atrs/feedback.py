"""Feedback while drafting: is Tier 1 plain, which required fields are empty, are human review and
appeals described, and is the contact a team mailbox. Plain functions over a draft's answers.

Tier 1 is read by the general public, so the guidance asks for clear and simple language in two or three
sentences; the checks read English, the language of the template and of GOV.UK's records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .fieldmap import FieldMap
from .readability import flesch_reading_ease, sentence_count

PLAIN_SCORE, HARD_SCORE = 60, 50
MAX_TIER1_SENTENCES = 3
TIER1_PROSE = ("description", "one_sentence_description")

#: words and phrases a general reader may not know, with a plainer way to say them
JARGON: dict[str, str] = {
    "utilise": "use",
    "utilises": "uses",
    "utilize": "use",
    "leverage": "use",
    "leverages": "uses",
    "facilitate": "help",
    "facilitates": "helps",
    "optimise": "improve",
    "stakeholders": "the people involved",
    "end-to-end": "whole",
    "granular": "detailed",
    "robust": "strong",
    "holistic": "whole",
    "streamline": "simplify",
    "deploy": "use",
    "deployed": "used",
    "deployment": "use",
    "pipeline": "series of steps",
    "inference": "prediction",
    "classifier": "tool that sorts cases",
    "machine learning": "software that learns patterns from data",
    "ml": "software that learns patterns from data",
    "large language model": "AI that writes text",
    "llm": "AI that writes text",
    "neural network": "AI model",
    "natural language processing": "software that reads text",
    "nlp": "software that reads text",
    "api": "link between systems",
    "dataset": "data",
    "datasets": "data",
    "heuristic": "rule of thumb",
    "real-time": "as it happens",
    "ingest": "take in",
    "ingests": "takes in",
}
JARGON_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(term) for term in sorted(JARGON, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
#: parts of an address's local part that say it belongs to a team or a service
TEAM_WORDS = {
    "team",
    "teams",
    "info",
    "enquiries",
    "enquiry",
    "contact",
    "contacts",
    "support",
    "help",
    "helpdesk",
    "admin",
    "data",
    "digital",
    "service",
    "services",
    "office",
    "ai",
    "atrs",
    "transparency",
    "hello",
    "mailbox",
    "unit",
    "group",
    "dept",
    "department",
    "ops",
    "governance",
    "privacy",
    "dpo",
    "foi",
    "analytics",
    "tech",
}
PERSON_LIKE = re.compile(r"^[a-z]+(?:[.\-_][a-z]+){1,2}$|^[a-z]\.?[a-z]+$")


@dataclass(frozen=True)
class Note:
    """One piece of feedback: ``field`` is the field it is about (its key, for a link), ``level`` problem or advice."""

    field: str
    level: str
    message: object  # a lazy translated string


@dataclass
class Feedback:
    readability: float | None = None
    jargon: list[tuple[str, str]] = field(default_factory=list)  # (as written, plainer)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (section key, field key) in template order
    notes: list[Note] = field(default_factory=list)

    @property
    def problems(self) -> list[Note]:
        return [note for note in self.notes if note.level == "problem"]


def jargon_in(text: str) -> list[tuple[str, str]]:
    """Each jargon term found in ``text`` once, as written, with its plainer alternative."""
    found: dict[str, tuple[str, str]] = {}
    for match in JARGON_RE.finditer(text):
        found.setdefault(match[1].lower(), (match[1], JARGON[match[1].lower()]))
    return list(found.values())


def looks_personal(email: str) -> bool:
    """An address like ``jane.smith@`` or ``j.smith@`` rather than ``rents-team@`` or ``ai@``."""
    local = email.strip().lower().rsplit("@", 1)[0]
    parts = set(re.split(r"[.\-_+0-9]+", local))
    return bool(PERSON_LIKE.match(local)) and not parts & TEAM_WORDS


def review(field_map: FieldMap, answers: dict[str, str]) -> Feedback:
    """Everything the workshop says about a draft, in the order the page shows it."""
    feedback = Feedback()
    description = answers.get("description", "")
    if description:
        feedback.readability = score = flesch_reading_ease(description)
        if score is not None and score < HARD_SCORE:
            feedback.notes.append(
                Note(
                    "description",
                    "advice",
                    _l(
                        "The description is hard to read (reading ease %(score)s; aim for %(plain)s or more). "
                        "Try shorter sentences and shorter words.",
                        score=round(score),
                        plain=PLAIN_SCORE,
                    ),
                )
            )
        elif score is not None and score < PLAIN_SCORE:
            feedback.notes.append(
                Note(
                    "description",
                    "advice",
                    _l(
                        "The description is fairly hard to read (reading ease %(score)s; aim for %(plain)s or more).",
                        score=round(score),
                        plain=PLAIN_SCORE,
                    ),
                )
            )
        if sentence_count(description) > MAX_TIER1_SENTENCES:
            feedback.notes.append(
                Note(
                    "description",
                    "advice",
                    _l("The guidance asks for a description of no more than two or three sentences."),
                )
            )
    for key in TIER1_PROSE:
        feedback.jargon += [pair for pair in jargon_in(answers.get(key, "")) if pair not in feedback.jargon]
    for word, plainer in feedback.jargon:
        feedback.notes.append(
            Note(
                "description",
                "advice",
                _l(
                    "“%(word)s” may be jargon to the public: try “%(plainer)s”, or explain it.",
                    word=word,
                    plainer=plainer,
                ),
            )
        )
    feedback.missing = [
        (section.key, spec.key)
        for section in field_map.sections
        for spec in section.fields
        if spec.required and not answers.get(spec.key, "").strip()
    ]
    if not answers.get("human_review", "").strip():
        feedback.notes.append(
            Note(
                "human_review",
                "problem",
                _l("Say who reviews the tool's outputs and what they can change (Human review)."),
            )
        )
    if not answers.get("appeals_and_review", "").strip():
        feedback.notes.append(
            Note(
                "appeals_and_review",
                "problem",
                _l("Say how people can challenge an outcome, or why there is no appeal (Appeals and review)."),
            )
        )
    email = answers.get("contact_email", "")
    if email and looks_personal(email):
        feedback.notes.append(
            Note(
                "contact_email",
                "problem",
                _l(
                    "The contact email looks like one person's address. Use a team mailbox, which stays right when "
                    "people move on."
                ),
            )
        )
    return feedback

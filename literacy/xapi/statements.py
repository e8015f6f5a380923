"""xAPI 1.0.3 statements for what a learner does, built from plain values (no queries, no Flask).

Verbs are ADL's (``http://adlnet.gov/expapi/verbs/<verb>``); activities are the site's own addresses,
worked out by the caller (``record``), so the same lesson has the same id in every statement; a statement's
id is a UUID worked out from the event, so queueing or sending the same event again never makes a second
statement in the LRS (it answers an identical one as already stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

VERSION = "1.0.3"
VERBS = {
    "experienced": "experienced",
    "completed": "completed",
    "answered": "answered",
    "passed": "passed",
    "failed": "failed",
}
#: ADL's activity types
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
QUESTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
#: the platform's question kinds as xAPI interaction types (anything else is "other")
INTERACTIONS = {
    "true-false": "true-false",
    "single": "choice",
    "multiple": "choice",
    "text": "fill-in",
    "number": "numeric",
}
#: longer typed answers are "long-fill-in"
LONG_TEXT = 250
#: the first word of an option that means true or false, in the interface's languages (a true-false
#: question's options are the author's words; xAPI wants "true" or "false")
TRUE_WORDS = ("true", "yes", "gwir", "cywir", "ie", "sant", "ja", "rätt")
FALSE_WORDS = ("false", "no", "anghywir", "gau", "na", "falskt", "nej", "fel")


def verb(name: str) -> dict[str, Any]:
    return {"id": f"http://adlnet.gov/expapi/verbs/{VERBS[name]}", "display": {"en-US": name}}


def statement_id(site: str, key: str) -> str:
    """The statement's id for an event (``key`` names it: what, whose, when): the same event, the same id."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, site + "/xapi"), key))


def registration(site: str, attempt_id: int) -> str:
    """The registration of one assessment attempt: its answers and its result share it."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, site + "/xapi"), f"attempt/{attempt_id}"))


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plain(html: str) -> str:
    """The words of stored (already sanitised) HTML, for a name or description."""
    return " ".join(Markup(html).striptags().split())  # noqa: S704 - only its words are kept, never the markup


@dataclass(frozen=True)
class Actor:
    """Who did it: an account under the site's address with an opaque name, or an email address."""

    home_page: str
    name: str  # opaque and stable (not the database id, not the email address)
    email: str | None = None  # only when the organisation chose to name learners by email

    def as_json(self) -> dict[str, Any]:
        if self.email:
            return {"objectType": "Agent", "mbox": f"mailto:{self.email}"}
        return {"objectType": "Agent", "account": {"homePage": self.home_page, "name": self.name}}


@dataclass(frozen=True)
class Activity:
    id: str
    type: str
    name: str
    language: str
    extra: Mapping[str, Any] | None = None  # more of the definition (interactionType, choices)

    def as_json(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": self.type}
        if self.name:
            definition["name"] = {self.language: self.name}
        definition.update(self.extra or {})
        return {"objectType": "Activity", "id": self.id, "definition": definition}

    def ref(self) -> dict[str, Any]:
        return {"objectType": "Activity", "id": self.id, "definition": {"type": self.type}}


def statement(
    *,
    id: str,
    actor: Actor,
    verb_name: str,
    activity: Activity,
    moment: datetime,
    language: str,
    platform: str,
    parents: Sequence[Activity] = (),
    grouping: Sequence[Activity] = (),
    result: Mapping[str, Any] | None = None,
    registration_id: str | None = None,
) -> dict[str, Any]:
    """One statement as the LRS is sent it."""
    context: dict[str, Any] = {"language": language, "platform": platform}
    activities: dict[str, Any] = {}
    if parents:
        activities["parent"] = [parent.ref() for parent in parents]
    if grouping:
        activities["grouping"] = [group.ref() for group in grouping]
    if activities:
        context["contextActivities"] = activities
    if registration_id:
        context["registration"] = registration_id
    found: dict[str, Any] = {
        "id": id,
        "actor": actor.as_json(),
        "verb": verb(verb_name),
        "object": activity.as_json(),
        "context": context,
        "timestamp": timestamp(moment),
        "version": VERSION,
    }
    if result:
        found["result"] = dict(result)
    return found


def score(score: int, maximum: int, *, passed: bool) -> dict[str, Any]:
    """An assessment's result: scaled from 0 to 1, the marks, success and completion."""
    scaled = round(score / maximum, 4) if maximum else 0.0
    return {
        "score": {"scaled": scaled, "raw": score, "min": 0, "max": maximum},
        "success": passed,
        "completion": True,
    }


def answer_result(response: str, success: bool) -> dict[str, Any]:
    """An answer's result: the response, left out when empty (xAPI allows no empty values; an LRS refuses it)."""
    return {"response": response, "success": success} if response else {"success": success}


def _first_word(html: str) -> str:
    words = plain(html).casefold().split()
    return words[0].strip(".!,:;") if words else ""


def interaction(kind: str, options: Sequence[Mapping[str, Any]], answer: Any) -> tuple[dict[str, Any], str]:
    """The interaction's definition (type and, for choices, the options) and the learner's response in
    xAPI's response format: ``true``/``false``, option ids joined by ``[,]``, the text or the number typed."""
    kind_name = INTERACTIONS.get(kind, "other")
    if kind_name == "true-false":
        chosen = next((option for option in options if option.get("key") == answer), None)
        word = _first_word(str(chosen.get("html", ""))) if chosen else ""
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return {"interactionType": "true-false"}, "true" if word in TRUE_WORDS else "false"
        kind_name = "choice"  # the author's options are not true and false: say which option was chosen
    if kind_name == "choice":
        chosen_keys = [str(key) for key in (answer if isinstance(answer, list) else [answer]) if key is not None]
        choices = [
            {"id": str(option["key"]), "description": {"und": plain(str(option.get("html", ""))) or str(option["key"])}}
            for option in options
        ]
        return {"interactionType": "choice", "choices": choices}, "[,]".join(chosen_keys)
    text = "" if answer is None else str(answer)
    if kind_name == "fill-in" and len(text) > LONG_TEXT:
        kind_name = "long-fill-in"
    return {"interactionType": kind_name}, text

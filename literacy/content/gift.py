"""Moodle's GIFT quiz format: read questions into the module format, and write a module's quiz as GIFT.

Pure Python, no Flask. The reading follows Moodle's own importer (``question/format/gift/format.php``)
closely, so a file imports here with the values Moodle would give it; the mapping onto the module
format, and what cannot be mapped, is documented in docs/authoring.md ("Importing questions from
Moodle (GIFT)"). Nothing is dropped silently: every question that cannot become a module question is
reported with its line, and every value that changes on the way (a partial-credit weight, a tag) is
noted with its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .model import Question
from .problems import N_, Message, Problem

NOT_UTF8 = N_("The file is not UTF-8 text. Save it as UTF-8 (in Moodle, GIFT files are always UTF-8) and try "
              "again.")
FORMATS = ("moodle", "html", "plain", "markdown")

# Escaped characters become private-use characters while a record is split, then are put back.
_ESCAPES = {"\\\\": "\ue000", "\\:": "\ue001", "\\#": "\ue002", "\\=": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
            "\\~": "\ue006"}
_UNESCAPES = {"\ue000": "\\", "\ue001": ":", "\ue002": "#", "\ue003": "=", "\ue004": "{", "\ue005": "}", "\ue006": "~"}
_ESCAPE_RE = re.compile(r"\\[\\:#={}~]")
_FORMAT_RE = re.compile(r"^\s*\[(moodle|html|plain|markdown)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%(-?[0-9]+(?:\.[0-9]*)?)%")
_METADATA_RE = re.compile(r"\[(id|tag):((?:\\.|[^\]\\\n])*)\]")
_NUMBER_RE = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_KEY_RE = re.compile(r"[^a-z0-9]+")


@dataclass
class GiftAnswer:
    text: str
    fraction: float  # Moodle's weight: 1 full marks, 0.5 half, negative a penalty
    feedback: str = ""
    format: str = "moodle"
    feedback_format: str = "moodle"
    tolerance: float | None = None  # numerical answers


@dataclass
class GiftQuestion:
    """One record of a GIFT file with the values Moodle's importer gives it."""

    line: int
    qtype: str  # multichoice, truefalse, shortanswer, numerical, essay, match, description, missingword
    name: str
    questiontext: str
    questiontextformat: str = "moodle"
    generalfeedback: str = ""
    generalfeedbackformat: str = "moodle"
    answers: list[GiftAnswer] = field(default_factory=list)
    single: bool = True  # multichoice: one answer (an "=" answer exists) or several
    correctanswer: bool | None = None  # truefalse
    feedbacktrue: str = ""  # truefalse: shown to a learner who chose True
    feedbackfalse: str = ""
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    category: str = ""
    error: str = ""  # why Moodle itself would refuse the record (a Message, translated on pages)


@dataclass
class GiftFile:
    questions: list[GiftQuestion]
    problems: list[Problem]  # the file as a whole (not UTF-8)
    truncated: bool = False  # reading stopped at ``max_records``: the file has more


@dataclass
class GiftImport:
    """A GIFT file converted: question blocks in the module format, and what did not come across."""

    markdown: str  # the question blocks, ready to append to quiz.md
    keys: list[str]
    unsupported: list[Problem]  # questions not imported, each with its line
    notes: list[Problem]  # questions imported with a change worth knowing, each with its line
    categories: list[str]
    truncated: bool = False  # the file has more records than were read (``max_records``)

    @property
    def count(self) -> int:
        return len(self.keys)


# --- Reading --------------------------------------------------------------------------------------------


def decode(data: bytes) -> str | None:
    """The file's text, or None when it is not UTF-8 (Moodle refuses such files too)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _escape(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def _unescape(text: str) -> str:
    text = text.replace("\\n", "\n")
    for marker, char in _UNESCAPES.items():
        text = text.replace(marker, char)
    return text


def _split_format(text: str, default: str) -> tuple[str, str]:
    match = _FORMAT_RE.match(text)
    if match:
        return match.group(1).lower(), text[match.end() :]
    return default, text


def metadata_from_comment(comment: str) -> tuple[str, list[str]]:
    """``[id:...]`` and ``[tag:...]`` from comment lines: the first id wins, ``\\]`` is a literal ``]``."""
    idnumber = ""
    tags: list[str] = []
    for match in _METADATA_RE.finditer(comment):
        value = match.group(2).replace("\\]", "]").strip()
        if match.group(1) == "id":
            idnumber = idnumber or value
        elif value:
            tags.append(value)
    return idnumber, tags


def _records(text: str) -> Iterable[tuple[int, list[str], list[str]]]:
    """(first line number, comment lines, other lines) for each blank-line separated record."""
    comments: list[str] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        if not line.strip():
            if lines:
                yield start, comments, lines
            if lines or not comments:
                comments = []
            lines = []
            continue
        if line.strip().startswith("//"):
            comments.append(line)
            continue
        if not lines:
            start = number
        lines.append(line)


def _weight(answer: str, default: float) -> tuple[float, str]:
    match = _WEIGHT_RE.match(answer)
    if match:
        return float(match.group(1)) / 100, answer[match.end() :]
    return default, answer


def _comment(answer: str, text_format: str) -> GiftAnswer:
    """Split ``answer#feedback`` (both may start with a [format])."""
    text, _, feedback = answer.partition("#")
    answer_format, text = _split_format(text.strip(), text_format)
    feedback_format, feedback = _split_format(feedback.strip(), text_format)
    return GiftAnswer(
        text=_unescape(text.strip()),
        fraction=0.0,
        feedback=_unescape(feedback.strip()),
        format=answer_format,
        feedback_format=feedback_format,
    )


def _split_answers(answertext: str, markers: str) -> list[str]:
    parts = re.split(f"(?=[{re.escape(markers)}])", answertext)
    return [part.strip() for part in parts if part.strip()]


def _read(line: int, lines: list[str], comments: list[str], category: str) -> GiftQuestion:
    """One record as Moodle reads it: ``::name::``, a ``[format]``, the text, and the answers in braces,
    whose syntax decides the question type."""
    idnumber, tags = metadata_from_comment("\n".join(comments))
    name, text = _split_name(_escape("\n".join(lines).strip()))
    text_format, text = _split_format(text, "moodle")
    question = GiftQuestion(line=line, qtype="description", name=name, questiontext="", questiontextformat=text_format,
                            generalfeedbackformat=text_format, idnumber=idnumber, tags=tags, category=category)
    start = text.find("{")
    finish = text.find("}", start + 1) if start != -1 else -1
    if start == -1 or finish == -1:
        question.questiontext = _unescape(text.strip())
        question.name = question.name or question.questiontext[:40]
        if start != -1:
            question.qtype, question.error = "invalid", N_("the answers have no closing }")
        return question
    after = text[finish + 1 :].strip()
    question.questiontext = _question_text(text, start, finish)
    question.name = question.name or re.sub(r"\s+", " ", question.questiontext)[:40]
    answertext = _split_general_feedback(question, text[start + 1 : finish].strip(), text_format)
    _read_answers(question, answertext, text_format)
    if after and question.qtype not in ("essay", "match"):
        question.qtype = "missingword:" + question.qtype
    return question


def _split_name(text: str) -> tuple[str, str]:
    """The ``::name::`` that may open a record ("" when there is none) and the text after it."""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            return _unescape(text[2:end].strip()), text[end + 2 :].strip()
    return "", text


def _question_text(text: str, start: int, finish: int) -> str:
    """The text around the answers at ``start``..``finish``; answers with text after them (a missing
    word) leave a blank where they were."""
    if text[finish + 1 :].strip():
        return _unescape((text[:start] + "_____" + text[finish + 1 :]).strip())
    return _unescape(text[:start].strip())


def _split_general_feedback(question: GiftQuestion, answertext: str, text_format: str) -> str:
    """Take the general feedback after the last ``####`` in the braces; returns the answers before it."""
    if "####" not in answertext:
        return answertext
    answertext, _, general = answertext.rpartition("####")
    gf_format, general = _split_format(general.strip(), text_format)
    question.generalfeedback, question.generalfeedbackformat = _unescape(general.strip()), gf_format
    return answertext.strip()


def _read_answers(question: GiftQuestion, answertext: str, text_format: str) -> None:
    """The type and answers, tested in Moodle's order (a ``~`` anywhere makes a multiple choice)."""
    if not answertext:
        question.qtype = "essay"
    elif answertext.startswith("#"):
        _read_numerical(question, answertext[1:])
    elif "~" in answertext:
        _read_multichoice(question, answertext, text_format)
    elif "=" in answertext and "->" in answertext:
        question.qtype = "match"
    elif answertext.split("#", 1)[0].strip() in ("T", "TRUE", "F", "FALSE"):
        _read_truefalse(question, answertext)
    else:
        _read_shortanswer(question, answertext, text_format)


def _read_truefalse(question: GiftQuestion, answertext: str) -> None:
    """``{T#wrong#right}``: the first feedback is for a learner who is wrong, the second for one who is right."""
    question.qtype = "truefalse"
    parts = answertext.split("#")
    wrong = _unescape(parts[1].strip()) if len(parts) > 1 else ""
    right = _unescape(parts[2].strip()) if len(parts) > 2 else ""
    question.correctanswer = parts[0].strip() in ("T", "TRUE")
    if question.correctanswer:
        question.feedbacktrue, question.feedbackfalse = right, wrong
    else:
        question.feedbacktrue, question.feedbackfalse = wrong, right


def _read_shortanswer(question: GiftQuestion, answertext: str, text_format: str) -> None:
    question.qtype = "shortanswer"
    for part in _split_answers(answertext, "="):
        fraction, rest = _weight(part.removeprefix("=").strip(), 1.0)
        answer = _comment(rest, text_format)
        answer.fraction = fraction
        question.answers.append(answer)
    if not question.answers:
        question.error = N_("a short-answer question needs at least one answer")


def _read_multichoice(question: GiftQuestion, answertext: str, text_format: str) -> None:
    question.qtype = "multichoice"
    question.single = "=" in answertext
    for part in _split_answers(answertext, "~="):
        if part.startswith("="):
            fraction, rest = _weight(part[1:].strip(), 1.0)
        else:
            fraction, rest = _weight(part[1:].strip() if part.startswith("~") else part, 0.0)
        answer = _comment(rest, text_format)
        answer.fraction = fraction
        question.answers.append(answer)
    if len(question.answers) < 2:
        question.error = N_("a multiple-choice question needs at least two answers")


def _read_numerical(question: GiftQuestion, answertext: str) -> None:
    question.qtype = "numerical"
    wrong = ""
    if "~" in answertext:
        answertext, _, wrong = answertext.partition("~")
    for part in _split_answers(answertext, "="):
        fraction, rest = _weight(part.removeprefix("=").strip(), 1.0)
        answer = _comment(rest, "moodle")
        value = answer.text.replace(" ", "")
        if ":" in value:
            number, _, tolerance = value.partition(":")
        elif ".." in value[1:]:
            low, _, high = value.partition("..")
            if not (_NUMBER_RE.match(low) and _NUMBER_RE.match(high)):
                question.error = N_('"%(answer)s" is not a number range', answer=answer.text)
                return
            middle = (float(low) + float(high)) / 2
            number, tolerance = _plain_number(middle), _plain_number(float(high) - middle)
        else:
            number, tolerance = value, "0"
        if not (_NUMBER_RE.match(number) and _NUMBER_RE.match(tolerance)):
            question.error = N_('"%(answer)s" is not a number', answer=answer.text)
            return
        answer.text, answer.tolerance, answer.fraction = number, float(tolerance), fraction
        question.answers.append(answer)
    if wrong.strip():
        feedback = _unescape(wrong.strip().removeprefix("#").strip())
        question.answers.append(GiftAnswer(text="*", fraction=0.0, feedback=feedback))
    if not question.answers:
        question.error = N_("a numerical question needs an answer")


def _plain_number(value: float) -> str:
    return f"{value:.10g}"


def read_gift(data: bytes, *, path: str = "questions.gift", max_records: int | None = None) -> GiftFile:
    """Every record of a GIFT file with Moodle's values (a file that is not UTF-8 is one problem).

    With ``max_records`` reading stops there (``truncated`` says the file had more), so a huge file costs
    no more than the questions a module may take.
    """
    text = decode(data)
    if text is None:
        return GiftFile([], [Problem(path, 1, NOT_UTF8)])
    questions: list[GiftQuestion] = []
    category = ""
    for line, comments, lines in _records(text):
        first = lines[0].strip()
        if first.startswith("$CATEGORY:"):
            category = first.removeprefix("$CATEGORY:").strip()
            continue
        if max_records is not None and len(questions) >= max_records:
            return GiftFile(questions, [], truncated=True)
        questions.append(_read(line, lines, comments, category))
    return GiftFile(questions, [])


# --- Converting into the module format ------------------------------------------------------------------

_MD_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]<>#+|!-])")
_UNSUPPORTED = {
    "essay": N_("an essay question (learners write freely; nothing here can mark it)"),
    "match": N_("a matching question"),
    "description": N_("a description with no answers in braces, not a question"),
}


def _markdown(text: str, text_format: str) -> str:
    """Text in a GIFT format as markdown; HTML is kept for the sanitizer to clean like any other."""
    if text_format == "plain":
        return _MD_SPECIAL_RE.sub(r"\\\1", text)
    return text


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _key(question: GiftQuestion, number: int, taken: set[str]) -> str:
    base = ""
    for candidate in (question.idnumber, question.name, question.questiontext):
        base = _KEY_RE.sub("-", candidate.lower()).strip("-")[:60].strip("-")
        if base:
            break
    base = base or f"question-{number}"
    if base[0].isdigit():
        base = "q-" + base
    key, suffix = base, 2
    while key in taken:
        key, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(key)
    return key


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _prompt(question: GiftQuestion) -> str:
    lines = _markdown(question.questiontext, question.questiontextformat).split("\n")
    safe = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("- [", "* [", "+ [", ":::")) or re.match(r"(?i)^(explanation|esboniad)\s*:", stripped):
            line = "\\" + stripped
        safe.append(line)
    return "\n".join(safe).strip()


def _option(text: str, correct: bool, feedback: str) -> str:
    body = "\n  ".join(part.strip() for part in text.strip().split("\n"))
    lines = [f"- [{'x' if correct else ' '}] {body}"]
    if feedback.strip():
        lines.append(f"  > {_one_line(feedback)}")
    return "\n".join(lines)


def _block(key: str, settings: list[str], prompt: str, options: list[str], explanation: str) -> str:
    parts = [f"::: question {key}", *settings, "", prompt, ""]
    if options:
        parts.extend([*options, ""])
    if explanation.strip():
        parts.extend(["Explanation:", explanation.strip()])
    parts.append(":::")
    return "\n".join(parts) + "\n"


_Note = Callable[[Message], None]


class _NotImported(Exception):
    """Why a question cannot become a module question (the message follows "was not imported: ")."""

    def __init__(self, why: str) -> None:  # a Message, or a record's own error (also one)
        super().__init__(why)
        self.why = why


def convert(question: GiftQuestion, key: str, path: str) -> tuple[str | None, list[Problem]]:
    """One GIFT question as a module question block, or None; the problems say what was lost or why."""
    notes: list[Problem] = []

    def note(message: Message) -> None:
        notes.append(Problem(path, question.line, N_('"%(name)s": %(note)s', name=question.name, note=message)))

    try:
        prompt = _importable_prompt(question)
        if question.tags:
            note(N_("tags are not kept: %(tags)s", tags=", ".join(question.tags)))
        answers = _ANSWERS.get(question.qtype)
        if answers is None:
            raise _NotImported(N_("unknown question type"))
        settings, options = answers(question, note)
    except _NotImported as refused:
        return None, [Problem(path, question.line, N_('"%(name)s" was not imported: %(why)s', name=question.name,
                                                      why=refused.why))]
    explanation = _markdown(question.generalfeedback, question.generalfeedbackformat)
    return _block(key, settings, prompt, options, explanation), notes


def _importable_prompt(question: GiftQuestion) -> str:
    """The prompt as markdown, unless the record is of a kind that cannot be imported at all."""
    if question.error:
        raise _NotImported(question.error)
    if question.qtype.startswith("missingword"):
        raise _NotImported(N_("a missing-word question (text after the answers in braces); move the answers to "
                              "the end of the question"))
    if question.qtype in _UNSUPPORTED:
        raise _NotImported(_UNSUPPORTED[question.qtype])
    prompt = _prompt(question)
    if not prompt:
        raise _NotImported(N_("it has no question text"))
    return prompt


def _truefalse(question: GiftQuestion, note: _Note) -> tuple[list[str], list[str]]:
    """Settings and options: True and False, in that order, each with its feedback."""
    options = [
        _option("True", bool(question.correctanswer), question.feedbacktrue),
        _option("False", not question.correctanswer, question.feedbackfalse),
    ]
    return ["type: true-false", "shuffle: no"], options


def _multichoice(question: GiftQuestion, note: _Note) -> tuple[list[str], list[str]]:
    """Settings and options: single when an answer is marked ``=``, multiple when only weights say."""
    if question.single:
        kind, correct = "single", _single_correct(question, note)
    else:
        kind, correct = "multiple", _multiple_correct(question, note)
    options = [_option(_markdown(answer.text, answer.format), is_correct,
                       _markdown(answer.feedback, answer.feedback_format))
               for answer, is_correct in zip(question.answers, correct, strict=True)]
    return [f"type: {kind}"], options


def _single_correct(question: GiftQuestion, note: _Note) -> list[bool]:
    """The one fully right answer is correct; partial credit has no place in a single question."""
    full = [a for a in question.answers if a.fraction >= 1]
    if len(full) != 1:
        raise _NotImported(N_("a single-answer question needs exactly one fully right answer (it has %(count)s)",
                              count=len(full)))
    _note_partial_credit(question, note)
    return [a is full[0] for a in question.answers]


def _multiple_correct(question: GiftQuestion, note: _Note) -> list[bool]:
    """Every answer with a positive weight is correct; the weights themselves are not kept."""
    correct = [a.fraction > 0 for a in question.answers]
    if not any(correct):
        raise _NotImported(N_("no answer has a positive weight"))
    weights = sorted({_percent(a.fraction) for a in question.answers if a.fraction != 0})
    if weights:
        note(N_("answer weights (%(weights)s) are not kept: a learner must choose every right answer and no wrong "
                "one", weights=", ".join(weights)))
    return correct


def _shortanswer(question: GiftQuestion, note: _Note) -> tuple[list[str], list[str]]:
    """Settings of a text question accepting every full-marks answer (``|`` separates them, so an answer
    holding one cannot be kept)."""
    right = _full_marks(question)
    usable = [a.text for a in right if "|" not in a.text]
    if len(usable) < len(right):
        note(N_('an answer containing "|" is not kept'))
    if not usable:
        raise _NotImported(N_('its answers contain "|"'))
    settings = ["type: text", "accept: " + " | ".join(_one_line(text) for text in usable)]
    _note_partial_credit(question, note)
    return settings + _typed_feedback(question, right, note), []


def _numerical(question: GiftQuestion, note: _Note) -> tuple[list[str], list[str]]:
    """Settings of a number question: a module question has one answer, the first right one."""
    right = _full_marks(question)
    first = right[0]
    for extra in right[1:]:
        note(N_('only the first right answer is kept; "%(answer)s" is not', answer=extra.text))
    _note_partial_credit(question, note)
    settings = ["type: number", f"answer: {first.text}", f"tolerance: {_plain_number(first.tolerance or 0)}"]
    return settings + _typed_feedback(question, [first], note), []


_ANSWERS: dict[str, Callable[[GiftQuestion, _Note], tuple[list[str], list[str]]]] = {
    "truefalse": _truefalse, "multichoice": _multichoice, "shortanswer": _shortanswer, "numerical": _numerical,
}


def _full_marks(question: GiftQuestion) -> list[GiftAnswer]:
    """The answers worth full marks (``*``, "anything else", is never one)."""
    right = [a for a in question.answers if a.fraction >= 1 and a.text != "*"]
    if not right:
        raise _NotImported(N_("no answer is worth full marks"))
    return right


def _note_partial_credit(question: GiftQuestion, note: _Note) -> None:
    """Module questions are right or wrong: an answer with partial credit counts as wrong."""
    for answer in question.answers:
        if 0 < answer.fraction < 1:
            note(N_('partial credit (%(percent)s) for "%(answer)s" is not kept: counted as wrong',
                    percent=_percent(answer.fraction), answer=answer.text))


def _typed_feedback(question: GiftQuestion, right: list[GiftAnswer], note: _Note) -> list[str]:
    """``if-correct:`` from the right answers' feedback, ``if-wrong:`` from the ``*`` (anything else) answer's."""
    settings = []
    correct_feedback = [a.feedback for a in right if a.feedback]
    if correct_feedback:
        settings.append("if-correct: " + _one_line(correct_feedback[0]))
        if len(set(correct_feedback)) > 1:
            note(N_("only the first right answer's feedback is kept"))
    wrong = [a.feedback for a in question.answers if a.text == "*" and a.fraction <= 0 and a.feedback]
    if wrong:
        settings.append("if-wrong: " + _one_line(wrong[0]))
    return settings


def import_gift(
    data: bytes, *, path: str = "questions.gift", taken: Iterable[str] = (), max_records: int | None = None
) -> GiftImport:
    """Convert a GIFT file into module question blocks; ``taken`` are keys already used in the module.

    ``max_records`` stops reading there: the result is then ``truncated`` (and not meant to be saved).
    """
    gift = read_gift(data, path=path, max_records=max_records)
    if gift.problems:
        return GiftImport("", [], gift.problems, [], [])
    if gift.truncated:
        return GiftImport("", [], [], [], [], truncated=True)
    used = set(taken)
    blocks: list[str] = []
    keys: list[str] = []
    unsupported: list[Problem] = []
    notes: list[Problem] = []
    categories: list[str] = []
    for number, question in enumerate(gift.questions, start=1):
        if question.category and question.category not in categories:
            categories.append(question.category)
        candidate = _key(question, number, set(used))
        block, problems = convert(question, candidate, path)
        if block is None:
            unsupported.extend(problems)
            continue
        used.add(candidate)
        keys.append(candidate)
        blocks.append(block)
        notes.extend(problems)
    return GiftImport("\n".join(blocks), keys, unsupported, notes, categories)


# --- Writing --------------------------------------------------------------------------------------------

_GIFT_SPECIAL_RE = re.compile(r"([\\~=#{}:])")


def escape(text: str) -> str:
    """Text safe inside GIFT: Moodle's control characters escaped, newlines as ``\\n``."""
    return _GIFT_SPECIAL_RE.sub(r"\\\1", text).replace("\n", "\\n")


def _feedback(html: str) -> str:
    return f"#{escape(html)}" if html else ""


def export_question(question: Question) -> tuple[str | None, str]:
    """A question as a GIFT record (HTML formats), or None and why it cannot be written."""
    header = f"// question: {question.key}  name: {question.key}\n// [id:{question.key}]\n"
    start = f"::{escape(question.key)}::[html]{escape(question.prompt_html)}{{"
    general = f"\t####{escape(question.explanation_html)}\n" if question.explanation_html else ""
    if question.kind == "true-false":
        true_option = next((o for o in question.options if o.is_correct), None)
        if true_option is None or len(question.options) != 2:
            return None, "a true-false question needs two options"
        first, second = question.options
        is_true = first.is_correct
        right = true_option.feedback_html
        wrong = (second if first.is_correct else first).feedback_html
        tail = f"#{escape(wrong)}#{escape(right)}" if (wrong or right) else ""
        gf = f"####{escape(question.explanation_html)}" if question.explanation_html else ""
        return f"{header}{start}{'TRUE' if is_true else 'FALSE'}{tail}{gf}}}\n", ""
    lines: list[str] = []
    if question.kind == "single":
        for option in question.options:
            mark = "=" if option.is_correct else "~"
            lines.append(f"\t{mark}{escape(option.html)}{_feedback(option.feedback_html)}\n")
    elif question.kind == "multiple":
        right = [o for o in question.options if o.is_correct]
        share = f"{100 / len(right):.5f}".rstrip("0").rstrip(".")
        for option in question.options:
            weight = share if option.is_correct else "-100"
            lines.append(f"\t~%{weight}%{escape(option.html)}{_feedback(option.feedback_html)}\n")
    elif question.kind == "text":
        if question.pattern and not question.accept:
            return None, "an answer given as a pattern cannot be written as GIFT"
        for accepted in question.accept:
            lines.append(f"\t=%100%{escape(accepted)}{_feedback(question.if_correct_html)}\n")
        if question.if_wrong_html:
            lines.append(f"\t=%0%*{_feedback(question.if_wrong_html)}\n")
    elif question.kind == "number":
        start += "#"
        number = _plain_number(question.answer or 0)
        tolerance = _plain_number(question.tolerance or 0)
        lines.append(f"\t=%100%{number}:{tolerance}#{escape(question.if_correct_html)}\n")
        if question.if_wrong_html:
            lines.append(f"\t~#{escape(question.if_wrong_html)}\n")
    else:
        return None, f"a {question.kind} question cannot be written as GIFT"
    return f"{header}{start}\n{''.join(lines)}{general}}}\n", ""


def export_gift(questions: Iterable[Question], *, category: str = "") -> tuple[str, list[str]]:
    """GIFT text for ``questions`` and the keys of the questions it could not write (with why)."""
    records = []
    skipped = []
    if category:
        records.append(f"$CATEGORY: {category}\n")
    for question in questions:
        record, why = export_question(question)
        if record is None:
            skipped.append(f"{question.key}: {why}")
        else:
            records.append(record)
    return "\n".join(records), skipped

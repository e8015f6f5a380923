"""The question block syntax shared by quizzes, pre-checks and knowledge checks.

::

    ::: question ID          (or ::: check ID)
    type: single             settings, one "name: value" a line
                             blank line
    The question, in markdown.

    - [x] A correct option {#optional-id}
      > Feedback for this option.
    - [ ] A wrong option

    Explanation:
    Markdown shown after answering.
    :::

In the assessment and the pre-check, the prompt's last paragraph is the question itself (the page's
heading); paragraphs above it are the situation it describes (the scenario), shown as body text. A
``lesson: SLUG`` setting names the lesson a question is about, for "Lessons to revisit".

Scanning finds the blocks (ignoring ``:::`` inside fenced code outside blocks), parsing splits a block
into settings, prompt, options and explanation with the line of each part, the kinds registry
validates it, and :func:`build_question` renders it into a :class:`~literacy.content.model.Question`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

from .grading import parse_number
from .kinds import COMMON_SETTINGS, KINDS, all_settings
from .model import Option, Question
from .problems import N_, Message, Problems
from .render import SLUG_RE, SLUG_RULE

#: Longest question paragraph (the heading of a quiz page), in characters of text.
MAX_QUESTION_CHARS = 200

BLOCK_WORDS = ("question", "check")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETTING_RE = re.compile(r"^([A-Za-z][A-Za-z_-]*)\s*:\s*(.*?)\s*$")
_OPTION_RE = re.compile(r"^ {0,3}[-*+]\s*\[\s*([xX]?)\s*\](?:\s+(.*))?$")
_OPTION_ID_RE = re.compile(r"\s*\{#([^}]*)\}\s*$")
_EXPLANATION_RE = re.compile(r"^(?:explanation|esboniad)\s*:\s*(.*)$", re.IGNORECASE)
_YES = {"yes": True, "true": True, "no": False, "false": False}

#: Renders author markdown that starts at a line of the file; ``inline`` drops the wrapping <p>.
Renderer = Callable[[str, int, bool], str]


@dataclass
class Setting:
    value: str
    line: int


@dataclass
class RawOption:
    text: str
    line: int
    is_correct: bool
    key: str
    feedback: list[str] = field(default_factory=list)
    feedback_line: int = 0


@dataclass
class QuestionBlock:
    """A question block as written, with the line of each part (lines are in the file)."""

    key: str
    word: str  # "question" or "check"
    line: int
    settings: dict[str, Setting] = field(default_factory=dict)
    prompt_lines: list[str] = field(default_factory=list)
    prompt_line: int = 0
    options: list[RawOption] = field(default_factory=list)
    explanation_lines: list[str] = field(default_factory=list)
    explanation_line: int = 0

    @property
    def kind(self) -> str:
        setting = self.settings.get("type")
        return setting.value.lower() if setting else ""

    @property
    def accept(self) -> tuple[str, ...]:
        setting = self.settings.get("accept")
        if setting is None:
            return ()
        return tuple(a.strip() for a in setting.value.split("|") if a.strip())

    @property
    def prompt(self) -> str:
        return "\n".join(self.prompt_lines).strip("\n")

    @property
    def explanation(self) -> str:
        return "\n".join(self.explanation_lines).strip("\n")

    @property
    def question_line(self) -> int:
        """The line of the prompt's last paragraph (the question itself, after any scenario)."""
        lines = self.prompt.split("\n")
        last = 0
        for index, text in enumerate(lines):
            if not text.strip() and index + 1 < len(lines) and lines[index + 1].strip():
                last = index + 1
        return (self.prompt_line or self.line) + last

    def flag(self, name: str, default: bool) -> bool:
        setting = self.settings.get(name)
        return default if setting is None else _YES.get(setting.value.lower(), default)


@dataclass
class Scan:
    """The body of a markdown file with its question blocks found.

    ``spans`` holds, for each block, the indexes in ``lines`` of its opening and closing lines, so a
    lesson can put a placeholder where the block was without moving any other line.
    """

    lines: list[str]
    first_line: int  # line in the file of lines[0]
    blocks: list[QuestionBlock]
    spans: list[tuple[int, int]]

    def outside(self) -> list[tuple[int, str]]:
        """(line in the file, text) of every line outside the blocks."""
        inside = set()
        for start, end in self.spans:
            inside.update(range(start, end + 1))
        return [(self.first_line + i, line) for i, line in enumerate(self.lines) if i not in inside]


def scan(body: str, first_line: int, name: str, problems: Problems) -> Scan:
    """Find the ``::: question`` / ``::: check`` blocks of a body that starts at ``first_line``."""
    scanner = _Scanner(body.split("\n"), first_line, name, problems)
    for index, line in enumerate(scanner.lines):
        scanner.read(index, line)
    scanner.finish()
    return Scan(scanner.lines, first_line, scanner.blocks, scanner.spans)


@dataclass
class _Scanner:
    """A scan under way: the fence or block open at the current line, and the blocks found so far.

    A block is parsed as soon as it closes, so its problems come in the order of the file.
    """

    lines: list[str]
    first_line: int
    name: str
    problems: Problems
    blocks: list[QuestionBlock] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    fence: str | None = None  # the ``` or ~~~ of an open code fence outside the blocks
    opened: tuple[int, str, str] | None = None  # the open block: (index of its ::: line, word, key)

    def read(self, index: int, line: str) -> None:
        """Take one line: track fences outside blocks, and open or close a block at a ``:::`` line."""
        if self.opened is None and self._fenced(line):
            return
        if not line.startswith(":::"):
            return
        number = self.first_line + index
        words = line[3:].split()
        if not words:
            self._closing_line(index, number)
        elif words[0].lower() not in BLOCK_WORDS:
            self.problems.add(self.name, number, N_('unknown block "::: %(word)s": write ::: question ID '
                                                    "(or ::: check ID in a lesson)", word=words[0]))
        else:
            self._opening_line(index, number, words)

    def finish(self) -> None:
        """Close a block left open at the end of the body (its lines run to the end)."""
        if self.opened is not None:
            self.problems.add(self.name, self.first_line + self.opened[0],
                              N_('question block "%(key)s" is not closed (a line ::: is missing)',
                                 key=self.opened[2]))
            self._close(len(self.lines), len(self.lines) - 1)

    def _fenced(self, line: str) -> bool:
        """Whether a line opens, closes or lies in fenced code (where ``:::`` is an example, not a block)."""
        match = _FENCE_RE.match(line)
        if self.fence is not None:
            if match and match.group(1)[0] == self.fence[0] and len(match.group(1)) >= len(self.fence):
                self.fence = None
            return True
        if match:
            self.fence = match.group(1)
            return True
        return False

    def _closing_line(self, index: int, number: int) -> None:
        if self.opened is None:
            self.problems.add(self.name, number, N_("::: closes a question block, but no block is open here"))
        else:
            self._close(index, index)

    def _opening_line(self, index: int, number: int, words: list[str]) -> None:
        """Open a block, first closing one left open just before this line."""
        if self.opened is not None:
            self.problems.add(self.name, self.first_line + self.opened[0],
                              N_('question block "%(key)s" is not closed (a line ::: is missing before the next '
                                 "block)", key=self.opened[2]))
            self._close(index, index - 1)
        self.opened = (index, words[0].lower(), _block_key(words, number, self.name, self.problems))

    def _close(self, end: int, closing: int) -> None:
        """Parse the open block from the lines before ``end``; its span ends at index ``closing``."""
        assert self.opened is not None
        start, word, key = self.opened
        self.blocks.append(parse_block(self.lines[start + 1:end], key, word, self.first_line + start, self.name,
                                       self.problems))
        self.spans.append((start, closing))
        self.opened = None


def _block_key(words: list[str], number: int, name: str, problems: Problems) -> str:
    """The ID written after ``::: question`` ("" when there is none), reporting a missing or bad one."""
    if len(words) == 1:
        problems.add(name, number, N_("::: %(word)s needs an ID, e.g. ::: %(lower)s what-ai-is", word=words[0],
                                      lower=words[0].lower()))
        return ""
    key = words[1]
    if not SLUG_RE.match(key):
        problems.add(name, number, N_('question ID "%(key)s" must be %(rule)s', key=key, rule=SLUG_RULE))
    if len(words) > 2:
        problems.add(name, number, N_('unexpected text after the question ID "%(key)s"', key=key))
    return key


def parse_block(
    lines: list[str], key: str, word: str, line: int, name: str, problems: Problems
) -> QuestionBlock:
    """Split a block's lines (those between the opening and closing ``:::``) into its parts."""
    block = QuestionBlock(key=key, word=word, line=line)
    label = question_label(key)
    index = _read_settings(block, lines, label, name, problems)
    body = _BodyReader(block, label, name, problems)
    for offset, text in enumerate(lines[index:], start=index):
        body.read(line + 1 + offset, text)
    _read_option_ids(block, label, name, problems)
    return block


def _read_settings(block: QuestionBlock, lines: list[str], label: str, name: str, problems: Problems) -> int:
    """Read the "name: value" lines that open a block, up to the first blank line (or the first line that is
    not a setting, which starts the prompt); returns the index of the line after them."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines) and lines[index].strip():
        number = block.line + 1 + index
        match = _SETTING_RE.match(lines[index])
        if not match:
            break
        setting, value = match.group(1).lower(), match.group(2)
        if setting in block.settings:
            problems.add(name, number, N_('setting "%(setting)s" appears twice in %(question)s', setting=setting,
                                          question=label))
        block.settings[setting] = Setting(value, number)
        index += 1
    return index


class _BodyReader:
    """Reads the lines after a block's settings into the prompt, then the options (each with its
    feedback), then the explanation, which runs to the end of the block whatever it holds."""

    def __init__(self, block: QuestionBlock, label: Message, name: str, problems: Problems) -> None:
        self.block = block
        self.label = label
        self.name = name
        self.problems = problems
        self.state = "prompt"  # then "options", then "explanation"
        self.current: RawOption | None = None  # the option the lines below it belong to
        self.complained = False  # stray text after the options is reported once a block

    def read(self, number: int, text: str) -> None:
        explanation = _EXPLANATION_RE.match(text)
        if self.state != "explanation" and explanation:
            self._start_explanation(number, explanation.group(1))
        elif self.state == "explanation":
            self.block.explanation_lines.append(text)
        elif option := _OPTION_RE.match(text):
            self._start_option(number, option)
        elif self.state == "prompt":
            self._prompt_line(number, text)
        else:
            self._option_line(number, text)

    def _start_explanation(self, number: int, rest: str) -> None:
        """``Explanation:`` may carry the explanation's first line; if not, it starts on the next line."""
        self.state = "explanation"
        if rest.strip():
            self.block.explanation_line = number
            self.block.explanation_lines.append(rest)
        else:
            self.block.explanation_line = number + 1

    def _start_option(self, number: int, option: re.Match[str]) -> None:
        self.state = "options"
        block = self.block
        self.current = RawOption(text=(option.group(2) or "").strip(), line=number,
                                 is_correct=bool(option.group(1)), key=_position_key(len(block.options)))
        block.options.append(self.current)

    def _prompt_line(self, number: int, text: str) -> None:
        """A prompt line; blank lines before the prompt are dropped so it starts at its first text."""
        block = self.block
        if text.startswith(("  ", "\t")) and text.lstrip().startswith(">"):
            self.problems.add(self.name, number, N_("feedback line in %(question)s without an option above it "
                                                    "(feedback goes under a - [x] or - [ ] line)",
                                                    question=self.label))
            return
        if not block.prompt_lines and not text.strip():
            return
        if not block.prompt_lines:
            block.prompt_line = number
        block.prompt_lines.append(text)

    def _option_line(self, number: int, text: str) -> None:
        """A line under an option: indented, it is feedback (``>``) or continues the option or its
        feedback; unindented text does not belong to the option and is reported."""
        current = self.current
        assert current is not None
        if not text.strip():
            if current.feedback:
                current.feedback.append("")
        elif text.startswith(("  ", "\t")):
            stripped = text.strip()
            if stripped.startswith(">"):
                current.feedback_line = current.feedback_line or number
                current.feedback.append(stripped[1:].removeprefix(" "))
            elif current.feedback:
                current.feedback.append(stripped)
            else:
                current.text += "\n" + stripped
        elif not self.complained:
            self.problems.add(self.name, number, N_('text after the options of %(question)s: indent feedback by '
                                                    'two spaces with "> ", and start the explanation with a line '
                                                    "Explanation:", question=self.label))
            self.complained = True


def _read_option_ids(block: QuestionBlock, label: Message, name: str, problems: Problems) -> None:
    """Take each option's ``{#id}`` off its text (it keeps its letter without one) and check the IDs."""
    for option in block.options:
        match = _OPTION_ID_RE.search(option.text)
        if match:
            option.text = option.text[: match.start()]
            option.key = match.group(1).strip()
            if not SLUG_RE.match(option.key):
                problems.add(name, option.line, N_('option ID "%(option)s" in %(question)s must be %(rule)s',
                                                   option=option.key, question=label, rule=SLUG_RULE))
        if not option.text.strip():
            problems.add(name, option.line, N_("an option of %(question)s has no text", question=label))
    seen: set[str] = set()
    for option in block.options:
        if option.key in seen:
            problems.add(name, option.line, N_('option ID "%(option)s" appears twice in %(question)s',
                                               option=option.key, question=label))
        seen.add(option.key)


def question_label(key: str) -> Message:
    """'question "KEY"', the way messages name a question (translated with them)."""
    return N_('question "%(key)s"', key=key)


def _position_key(position: int) -> str:
    return chr(ord("a") + position) if position < 26 else f"option-{position + 1}"


def validate_block(block: QuestionBlock, name: str, problems: Problems) -> None:
    """Check a block's settings and content against its kind."""
    label = question_label(block.key)

    def report(line: int, message: str) -> None:
        problems.add(name, line, message)

    kinds = ", ".join(KINDS)
    if not block.prompt.strip():
        report(block.line, N_("%(question)s has no question text (write it after a blank line below the settings)",
                              question=label))
    type_setting = block.settings.get("type")
    kind = KINDS.get(block.kind)
    if type_setting is None:
        report(block.line, N_("%(question)s has no type: (one of %(kinds)s)", question=label, kinds=kinds))
    elif kind is None:
        report(type_setting.line, N_('unknown question type "%(type)s" in %(question)s (one of %(kinds)s)',
                                     type=type_setting.value, question=label, kinds=kinds))
    known = all_settings()
    for setting_name, setting in block.settings.items():
        if setting_name not in known:
            report(setting.line, N_('unknown setting "%(setting)s" in %(question)s', setting=setting_name,
                                    question=label))
        elif kind is not None and setting_name not in COMMON_SETTINGS | kind.settings:
            report(setting.line, N_('setting "%(setting)s" does not apply to %(type)s questions (%(question)s)',
                                    setting=setting_name, type=kind.name, question=label))
        elif setting_name in ("confidence", "shuffle") and setting.value.lower() not in _YES:
            report(setting.line, N_("%(setting)s: in %(question)s must be yes or no", setting=setting_name,
                                    question=label))
        elif setting_name == "lesson" and not SLUG_RE.match(setting.value):
            report(setting.line, N_("lesson: in %(question)s must be the slug of one of the module's lessons, as "
                                    "listed in module.yaml", question=label))
    if kind is not None:
        kind.validate(block, report)


def build_question(block: QuestionBlock, render: Renderer) -> Question:
    """Render a valid block into a Question."""
    answer = block.settings.get("answer")
    tolerance = block.settings.get("tolerance")
    pattern = block.settings.get("pattern")

    def setting_html(setting_name: str) -> str:
        setting = block.settings.get(setting_name)
        return render(setting.value, setting.line, False) if setting and setting.value else ""

    return Question(
        key=block.key,
        kind=block.kind,
        prompt_html=render(block.prompt, block.prompt_line or block.line, False),
        options=tuple(
            Option(
                key=o.key,
                html=render(o.text.strip(), o.line, True),
                is_correct=o.is_correct,
                feedback_html=render("\n".join(o.feedback).strip("\n"), o.feedback_line, False)
                if o.feedback else "",
            )
            for o in block.options
        ),
        explanation_html=render(block.explanation, block.explanation_line, False) if block.explanation.strip()
        else "",
        accept=block.accept,
        pattern=pattern.value if pattern and pattern.value else None,
        answer=parse_number(answer.value) if answer else None,
        tolerance=(parse_number(tolerance.value) or 0.0) if tolerance else 0.0,
        ask_confidence=block.flag("confidence", False),
        shuffle=block.flag("shuffle", True),
        if_correct_html=setting_html("if-correct"),
        if_wrong_html=setting_html("if-wrong"),
        line=block.line,
        lesson=block.settings["lesson"].value if "lesson" in block.settings else None,
    )


_LAST_PARAGRAPH_RE = re.compile(r"<p>((?:(?!</?p[\s>]).)*)</p>\s*$", re.S)
_BLOCK_TAG_RE = re.compile(r"<(ul|ol|table|div|pre|blockquote|h\d|figure|img)[\s>/]")
_TAG_RE = re.compile(r"<[^>]*>")


def prompt_parts(prompt_html: str) -> tuple[str, str | None]:
    """(scenario, question) of a rendered prompt: the question is its last paragraph, fit for a legend
    and a heading (no block elements); the scenario is the HTML above it ("" for none). When the prompt
    does not end with such a paragraph, the question is None and the whole prompt is the scenario."""
    match = _LAST_PARAGRAPH_RE.search(prompt_html)
    if match is None or _BLOCK_TAG_RE.search(match.group(1)):
        return prompt_html, None
    return prompt_html[: match.start()].strip(), match.group(1)


def text_length(html: str) -> int:
    """Characters of text in an HTML fragment (tags dropped, entities counted once)."""
    return len(" ".join(unescape(_TAG_RE.sub("", html)).split()))

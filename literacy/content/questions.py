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

Scanning finds the blocks (ignoring ``:::`` inside fenced code outside blocks), parsing splits a block
into settings, prompt, options and explanation with the line of each part, the kinds registry
validates it, and :func:`build_question` renders it into a :class:`~literacy.content.model.Question`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .grading import parse_number
from .kinds import COMMON_SETTINGS, KINDS, all_settings
from .model import Option, Question
from .problems import Problems
from .render import SLUG_RE, SLUG_RULE

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
    lines = body.split("\n")
    blocks: list[QuestionBlock] = []
    spans: list[tuple[int, int]] = []
    fence: str | None = None
    opened: tuple[int, str, str] | None = None  # (index, word, key)

    def close(end: int, closing: int) -> None:
        assert opened is not None
        start, word, key = opened
        block = parse_block(lines[start + 1:end], key, word, first_line + start, name, problems)
        blocks.append(block)
        spans.append((start, closing))

    for index, line in enumerate(lines):
        number = first_line + index
        if opened is None:
            match = _FENCE_RE.match(line)
            if fence is not None:
                if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                    fence = None
                continue
            if match:
                fence = match.group(1)
                continue
        if not line.startswith(":::"):
            continue
        words = line[3:].split()
        if not words:
            if opened is None:
                problems.add(name, number, "::: closes a question block, but no block is open here")
            else:
                close(index, index)
                opened = None
            continue
        if words[0].lower() not in BLOCK_WORDS:
            problems.add(name, number, f'unknown block "::: {words[0]}": write ::: question ID '
                                       "(or ::: check ID in a lesson)")
            continue
        if opened is not None:
            problems.add(name, first_line + opened[0],
                         f'question block "{opened[2]}" is not closed (a line ::: is missing before the next '
                         "block)")
            close(index, index - 1)
            opened = None
        if len(words) == 1:
            problems.add(name, number, f"::: {words[0]} needs an ID, e.g. ::: {words[0].lower()} what-ai-is")
            key = ""
        else:
            key = words[1]
            if not SLUG_RE.match(key):
                problems.add(name, number, f'question ID "{key}" must be {SLUG_RULE}')
            if len(words) > 2:
                problems.add(name, number, f'unexpected text after the question ID "{key}"')
        opened = (index, words[0].lower(), key)
    if opened is not None:
        problems.add(name, first_line + opened[0],
                     f'question block "{opened[2]}" is not closed (a line ::: is missing)')
        close(len(lines), len(lines) - 1)
    return Scan(lines, first_line, blocks, spans)


def parse_block(
    lines: list[str], key: str, word: str, line: int, name: str, problems: Problems
) -> QuestionBlock:
    """Split a block's lines (those between the opening and closing ``:::``) into its parts."""
    block = QuestionBlock(key=key, word=word, line=line)
    label = f'question "{key}"'
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    # Settings: "name: value" lines up to the first blank line (or the first line that is not one).
    while index < len(lines) and lines[index].strip():
        number = line + 1 + index
        match = _SETTING_RE.match(lines[index])
        if not match:
            break
        setting, value = match.group(1).lower(), match.group(2)
        if setting in block.settings:
            problems.add(name, number, f'setting "{setting}" appears twice in {label}')
        block.settings[setting] = Setting(value, number)
        index += 1

    state = "prompt"
    current: RawOption | None = None
    complained = False
    for offset, text in enumerate(lines[index:], start=index):
        number = line + 1 + offset
        explanation = _EXPLANATION_RE.match(text)
        if state != "explanation" and explanation:
            state = "explanation"
            block.explanation_line = number
            if explanation.group(1).strip():
                block.explanation_lines.append(explanation.group(1))
            else:
                block.explanation_line = number + 1
            continue
        if state == "explanation":
            block.explanation_lines.append(text)
            continue
        option = _OPTION_RE.match(text)
        if option:
            state = "options"
            current = RawOption(text=(option.group(2) or "").strip(), line=number,
                                is_correct=bool(option.group(1)), key=_position_key(len(block.options)))
            block.options.append(current)
            continue
        indented = text.startswith(("  ", "\t"))
        if state == "prompt":
            if indented and text.lstrip().startswith(">"):
                problems.add(name, number, f"feedback line in {label} without an option above it "
                                           "(feedback goes under a - [x] or - [ ] line)")
                continue
            if not block.prompt_lines and not text.strip():
                continue
            if not block.prompt_lines:
                block.prompt_line = number
            block.prompt_lines.append(text)
            continue
        # state == "options"
        assert current is not None
        if not text.strip():
            if current.feedback:
                current.feedback.append("")
            continue
        if indented:
            stripped = text.strip()
            if stripped.startswith(">"):
                if not current.feedback_line:
                    current.feedback_line = number
                current.feedback.append(stripped[1:].removeprefix(" "))
            elif current.feedback:
                current.feedback.append(stripped)
            else:
                current.text += "\n" + stripped
            continue
        if not complained:
            problems.add(name, number, f"text after the options of {label}: indent feedback by two spaces "
                                       'with "> ", and start the explanation with a line Explanation:')
            complained = True
    for option in block.options:
        match = _OPTION_ID_RE.search(option.text)
        if match:
            option.text = option.text[: match.start()]
            option.key = match.group(1).strip()
            if not SLUG_RE.match(option.key):
                problems.add(name, option.line, f'option ID "{option.key}" in {label} must be {SLUG_RULE}')
        if not option.text.strip():
            problems.add(name, option.line, f"an option of {label} has no text")
    seen: set[str] = set()
    for option in block.options:
        if option.key in seen:
            problems.add(name, option.line, f'option ID "{option.key}" appears twice in {label}')
        seen.add(option.key)
    return block


def _position_key(position: int) -> str:
    return chr(ord("a") + position) if position < 26 else f"option-{position + 1}"


def validate_block(block: QuestionBlock, name: str, problems: Problems) -> None:
    """Check a block's settings and content against its kind."""
    label = f'question "{block.key}"'

    def report(line: int, message: str) -> None:
        problems.add(name, line, message)

    if not block.prompt.strip():
        report(block.line, f"{label} has no question text (write it after a blank line below the settings)")
    type_setting = block.settings.get("type")
    kind = KINDS.get(block.kind)
    if type_setting is None:
        report(block.line, f"{label} has no type: (one of {', '.join(KINDS)})")
    elif kind is None:
        report(type_setting.line, f'unknown question type "{type_setting.value}" in {label} '
                                  f"(one of {', '.join(KINDS)})")
    known = all_settings()
    for setting_name, setting in block.settings.items():
        if setting_name not in known:
            report(setting.line, f'unknown setting "{setting_name}" in {label}')
        elif kind is not None and setting_name not in COMMON_SETTINGS | kind.settings:
            report(setting.line, f'setting "{setting_name}" does not apply to {kind.name} questions '
                                 f"({label})")
        elif setting_name in ("confidence", "shuffle") and setting.value.lower() not in _YES:
            report(setting.line, f'{setting_name}: in {label} must be yes or no')
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
    )

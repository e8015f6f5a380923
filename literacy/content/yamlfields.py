"""Reading YAML key by key so that every problem points at the key's own line.

PyYAML's composed nodes keep their positions; reading values from the nodes (not from
``safe_load``'s plain dicts) lets messages say ``module.yaml:7: pass_mark must be ...``, and keeps
the text exactly as written (``language: no`` stays "no", ``title: 1984`` stays "1984").
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import Problems

_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_N = TypeVar("_N", ScalarNode, SequenceNode)


def node_line(node: Node, offset: int = 0) -> int:
    """1-based line of a node in the file (``offset`` lines precede the YAML, as in a header)."""
    return node.start_mark.line + 1 + offset


def compose(text: str, name: str, problems: Problems, *, offset: int = 0) -> Node | None:
    """Compose a YAML document, reporting a syntax error at the line YAML gives."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 + offset if mark else 1 + offset
        what = error.problem or error.context or "syntax error"
        problems.add(name, line, f"invalid YAML: {what}")
    except yaml.YAMLError as error:
        problems.add(name, 1 + offset, f"invalid YAML: {error}")
    except RecursionError:
        problems.add(name, 1 + offset, "invalid YAML: nested too deeply")
    return None


def _construct(node: Node) -> Any:
    return SafeConstructor().construct_object(node, deep=True)


class Fields:
    """A YAML mapping read one key at a time; each getter reports its own problems and returns
    None (or a default) when the value is missing or wrong."""

    def __init__(
        self, node: MappingNode, name: str, problems: Problems, *, offset: int = 0, what: str = "",
        start_line: int | None = None,
    ) -> None:
        self.node = node
        self.start_line = node_line(node, offset) if start_line is None else start_line
        self.name = name  # file name inside the module, for problems
        self.problems = problems
        self.offset = offset
        self.what = what  # e.g. 'further_reading entry' for messages
        self.entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in self.entries:
                self.problem(key_node, f'"{key}" appears twice')
            self.entries[key] = (key_node, value_node)

    @classmethod
    def of(
        cls, node: Node | None, name: str, problems: Problems, *, offset: int = 0, what: str = "",
        line: int | None = None,
    ) -> Fields | None:
        """Fields of a node that must be a mapping (an empty document counts as an empty mapping).
        ``line`` is where a missing key is reported (default: where the mapping starts)."""
        if node is None or (isinstance(node, ScalarNode) and node.tag == _NULL):
            empty = MappingNode("tag:yaml.org,2002:map", [])
            default = node_line(node, offset) if node is not None else 1 + offset
            return cls(empty, name, problems, offset=offset, what=what,
                       start_line=default if line is None else line)
        if not isinstance(node, MappingNode):
            problems.add(name, node_line(node, offset), f"{what or name} must hold name: value lines")
            return None
        return cls(node, name, problems, offset=offset, what=what, start_line=line)

    def problem(self, node: Node, message: str) -> None:
        self.problems.add(self.name, node_line(node, self.offset), message)

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.entries:
            return node_line(self.entries[key][0], self.offset)
        return self.start_line

    def has(self, key: str) -> bool:
        return key in self.entries

    def keys(self) -> list[str]:
        return list(self.entries)

    def unknown(self, allowed: Collection[str]) -> None:
        """Report keys that are not among ``allowed`` (usually a typo)."""
        for key, (key_node, _) in self.entries.items():
            if key not in allowed:
                where = f" in {self.what}" if self.what else ""
                self.problem(key_node, f'unknown setting "{key}"{where}')

    def _missing(self, key: str) -> None:
        where = f"{self.what} " if self.what else f"{self.name} "
        self.problems.add(self.name, self.start_line, f'{where}is missing "{key}"')

    def _value(self, key: str, required: bool) -> Node | None:
        entry = self.entries.get(key)
        if entry is None or (isinstance(entry[1], ScalarNode) and entry[1].tag == _NULL):
            if required:
                if entry is None:
                    self._missing(key)
                else:
                    self.problem(entry[0], f'"{key}" is empty')
            return None
        return entry[1]

    def _shaped(
        self, key: str, required: bool, shape: type[_N], rule: str, *, tag: str | None = None
    ) -> _N | None:
        """The value of ``key`` when it is a ``shape`` node (read by YAML as ``tag``, if given); None when
        it is missing, or when it is anything else, reported as: "key" must be ``rule``."""
        node = self._value(key, required)
        if node is None:
            return None
        if not isinstance(node, shape) or (tag is not None and node.tag != tag):
            self.problem(node, f'"{key}" must be {rule}')
            return None
        return node

    def text(self, key: str, *, required: bool = True) -> str | None:
        node = self._shaped(key, required, ScalarNode, "text, not a list")
        if node is None:
            return None
        value = str(node.value).strip()
        if not value:
            if required:
                self.problem(node, f'"{key}" is empty')
            return None
        return value

    def integer(
        self, key: str, *, required: bool = True, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        node = self._shaped(key, required, ScalarNode, "a whole number", tag=_INT)
        if node is None:
            return None
        try:
            value = int(_construct(node))
        except (ValueError, yaml.YAMLError):
            self.problem(node, f'"{key}" must be a whole number')
            return None
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            self.problem(node, f'"{key}" must be between {minimum} and {maximum}')
            return None
        if minimum is not None and value < minimum:
            self.problem(node, f'"{key}" must be at least {minimum}')
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        node = self._shaped(key, False, ScalarNode, "yes or no", tag=_BOOL)
        return default if node is None else bool(_construct(node))

    def text_list(self, key: str, *, required: bool = True) -> list[tuple[str, int]]:
        """A list of non-empty texts, each with its line."""
        node = self._shaped(key, required, SequenceNode, 'a list (lines starting with "- ")')
        if node is None:
            return []
        items: list[tuple[str, int]] = []
        for item in node.value:
            if not isinstance(item, ScalarNode) or item.tag == _NULL or not str(item.value).strip():
                self.problem(item, f'each entry of "{key}" must be a line of text')
                continue
            items.append((str(item.value).strip(), node_line(item, self.offset)))
        if required and not node.value:
            self.problem(node, f'"{key}" needs at least one entry')
        return items

    def mappings(self, key: str, *, what: str) -> list[Fields]:
        """A list of mappings (such as further_reading entries)."""
        node = self._shaped(key, False, SequenceNode, 'a list (entries starting with "- ")')
        if node is None:
            return []
        result = []
        for item in node.value:
            fields = Fields.of(item, self.name, self.problems, offset=self.offset, what=what)
            if fields is not None:
                result.append(fields)
        return result

    def mapping(self, key: str, *, what: str) -> Fields | None:
        node = self._value(key, False)
        if node is None:
            return None
        return Fields.of(node, self.name, self.problems, offset=self.offset, what=what)

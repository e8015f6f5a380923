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

from .problems import N_, Message, Problems

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
        # PyYAML's own words stay as it wrote them (English): they name the YAML construct that is wrong
        what = error.problem or error.context or N_("syntax error")
        problems.add(name, line, N_("invalid YAML: %(error)s", error=what))
    except yaml.YAMLError as error:
        problems.add(name, 1 + offset, N_("invalid YAML: %(error)s", error=str(error)))
    except RecursionError:
        problems.add(name, 1 + offset, N_("invalid YAML: nested too deeply"))
    return None


def _construct(node: Node) -> Any:
    return SafeConstructor().construct_object(node, deep=True)


class Fields:
    """A YAML mapping read one key at a time; each getter reports its own problems and returns
    None (or a default) when the value is missing or wrong."""

    def __init__(
        self, node: MappingNode, name: str, problems: Problems, *, offset: int = 0, what: str | Message = "",
        start_line: int | None = None,
    ) -> None:
        self.node = node
        self.start_line = node_line(node, offset) if start_line is None else start_line
        self.name = name  # file name inside the module, for problems
        self.problems = problems
        self.offset = offset
        self.what = what  # e.g. "the further_reading entry" for messages (a Message, translated with them)
        self.entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in self.entries:
                self.problem(key_node, N_('"%(key)s" appears twice', key=key))
            self.entries[key] = (key_node, value_node)

    @classmethod
    def of(
        cls, node: Node | None, name: str, problems: Problems, *, offset: int = 0, what: str | Message = "",
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
            problems.add(name, node_line(node, offset), N_("%(what)s must hold name: value lines",
                                                           what=what or name))
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
                self.problem(key_node, N_('unknown setting "%(key)s" in %(what)s', key=key, what=self.what)
                             if self.what else N_('unknown setting "%(key)s"', key=key))

    def _missing(self, key: str) -> None:
        self.problems.add(self.name, self.start_line, N_('%(what)s is missing "%(key)s"',
                                                         what=self.what or self.name, key=key))

    def _value(self, key: str, required: bool) -> Node | None:
        entry = self.entries.get(key)
        if entry is None or (isinstance(entry[1], ScalarNode) and entry[1].tag == _NULL):
            if required:
                if entry is None:
                    self._missing(key)
                else:
                    self.problem(entry[0], N_('"%(key)s" is empty', key=key))
            return None
        return entry[1]

    def _shaped(
        self, key: str, required: bool, shape: type[_N], rule: Message, *, tag: str | None = None
    ) -> _N | None:
        """The value of ``key`` when it is a ``shape`` node (read by YAML as ``tag``, if given); None when
        it is missing, or when it is anything else, reported as: "key" must be ``rule``."""
        node = self._value(key, required)
        if node is None:
            return None
        if not isinstance(node, shape) or (tag is not None and node.tag != tag):
            self.problem(node, N_('"%(key)s" must be %(rule)s', key=key, rule=rule))
            return None
        return node

    def text(self, key: str, *, required: bool = True) -> str | None:
        node = self._shaped(key, required, ScalarNode, N_("text, not a list"))
        if node is None:
            return None
        value = str(node.value).strip()
        if not value:
            if required:
                self.problem(node, N_('"%(key)s" is empty', key=key))
            return None
        return value

    def integer(
        self, key: str, *, required: bool = True, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        node = self._shaped(key, required, ScalarNode, N_("a whole number"), tag=_INT)
        if node is None:
            return None
        try:
            value = int(_construct(node))
        except (ValueError, yaml.YAMLError):
            self.problem(node, N_('"%(key)s" must be %(rule)s', key=key, rule=N_("a whole number")))
            return None
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            self.problem(node, N_('"%(key)s" must be between %(minimum)s and %(maximum)s', key=key, minimum=minimum,
                                  maximum=maximum))
            return None
        if minimum is not None and value < minimum:
            self.problem(node, N_('"%(key)s" must be at least %(minimum)s', key=key, minimum=minimum))
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        node = self._shaped(key, False, ScalarNode, N_("yes or no"), tag=_BOOL)
        return default if node is None else bool(_construct(node))

    def text_list(self, key: str, *, required: bool = True) -> list[tuple[str, int]]:
        """A list of non-empty texts, each with its line."""
        node = self._shaped(key, required, SequenceNode, N_('a list (lines starting with "- ")'))
        if node is None:
            return []
        items: list[tuple[str, int]] = []
        for item in node.value:
            if not isinstance(item, ScalarNode) or item.tag == _NULL or not str(item.value).strip():
                self.problem(item, N_('each entry of "%(key)s" must be a line of text', key=key))
                continue
            items.append((str(item.value).strip(), node_line(item, self.offset)))
        if required and not node.value:
            self.problem(node, N_('"%(key)s" needs at least one entry', key=key))
        return items

    def mappings(self, key: str, *, what: Message) -> list[Fields]:
        """A list of mappings (such as further_reading entries)."""
        node = self._shaped(key, False, SequenceNode, N_('a list (entries starting with "- ")'))
        if node is None:
            return []
        result = []
        for item in node.value:
            fields = Fields.of(item, self.name, self.problems, offset=self.offset, what=what)
            if fields is not None:
                result.append(fields)
        return result

    def mapping(self, key: str, *, what: Message) -> Fields | None:
        node = self._value(key, False)
        if node is None:
            return None
        return Fields.of(node, self.name, self.problems, offset=self.offset, what=what)

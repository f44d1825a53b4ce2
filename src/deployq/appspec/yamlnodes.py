"""Safe YAML loading that keeps line numbers, and small helpers to walk the node tree.

``compose`` parses with a :class:`yaml.SafeLoader`-based composer and returns the node tree (every node
keeps its ``start_mark``), so errors can name the 1-based line. Values are converted by the walkers
themselves, which lets ``mode`` be read as the text written in the file.

Refused at load time, each with a clear :class:`~deployq.errors.AppSpecError` naming line and column:

* syntax errors and tabs used for indentation (no traceback);
* aliases and anchors (``&x`` / ``*x``), which CodeDeploy agents on Ruby ≥ 3.1 reject as well;
* tags other than YAML's standard scalar and collection tags (``!Ref``, ``!!python/…``, ``!!set``);
* more than one YAML document.

JSON is YAML, so JSON appspec files load through the same path. A JSON file indented with tabs (legal
JSON, illegal YAML) is accepted: if the text is valid JSON, its tabs, which JSON allows only as
whitespace, are read as spaces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deployq.appspec import messages
from deployq.errors import AppSpecError

_STD = "tag:yaml.org,2002:"
NULL_TAG = _STD + "null"
STR_TAG = _STD + "str"
INT_TAG = _STD + "int"
FLOAT_TAG = _STD + "float"
BOOL_TAG = _STD + "bool"
_SCALAR_TAGS = frozenset({NULL_TAG, STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, _STD + "timestamp"})
_KEY_TAGS = _SCALAR_TAGS | {_STD + "merge", _STD + "value"}
_SEQ_TAG = _STD + "seq"
_MAP_TAG = _STD + "map"


class _Refused(Exception):
    def __init__(self, detail: str, line: int, column: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.line = line
        self.column = column


class _NodeLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses aliases and anchors before resolving them."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        if isinstance(event, AliasEvent):
            raise _Refused(
                f"YAML aliases (*{event.anchor}) and anchors are not allowed in an AppSpec file; "
                "write the value out in full",
                line,
                column,
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise _Refused(
                f"YAML anchors (&{event.anchor}) and aliases are not allowed in an AppSpec file; "
                "write the value out in full",
                line,
                column,
            )
        return super().compose_node(parent, index)


def _compose(text: str) -> Node | None:
    loader = _NodeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _looks_like_json(text: str) -> bool:
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def compose(text: str, filename: str) -> Node | None:
    """The node tree of ``text`` (None for an empty document); refuses what the module doc lists."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        try:
            return _compose(text)
        except yaml.YAMLError:
            if "\t" in text and _looks_like_json(text):
                return _compose(text.replace("\t", " "))
            raise
    except _Refused as refused:
        raise AppSpecError(
            messages.yaml_error(f"{refused.detail} (line {refused.line}, column {refused.column})"),
            path=filename,
            line=refused.line,
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, filename) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise AppSpecError(
            messages.yaml_error(
                f"the control character U+{exc.character:04X} is not allowed (line {line}, column {column})"
                if isinstance(exc.character, int)
                else f"{exc.reason} (line {line}, column {column})"
            ),
            path=filename,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise AppSpecError(messages.yaml_error(str(exc)), path=filename) from None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, filename: str) -> AppSpecError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    problem = exc.problem or exc.context or "invalid YAML"
    if "'\\t'" in problem or (mark is not None and _tab_at(text, mark.line, mark.column)):
        problem = "a tab character was found; YAML does not allow tabs for indentation, use spaces"
    elif "expected a single document" in (exc.context or ""):
        problem = "a second YAML document ('---') was found; an AppSpec file holds exactly one document"
    else:
        if exc.context and exc.context not in problem:
            problem = f"{exc.context}: {problem}"
        if "<block end>" in problem or "mapping values are not allowed" in problem:
            problem += "; check the indentation"
    where = f" (line {line}, column {column})" if line is not None else ""
    return AppSpecError(messages.yaml_error(f"{problem}{where}"), path=filename, line=line)


def _tab_at(text: str, line: int, column: int) -> bool:
    lines = text.splitlines()
    return 0 <= line < len(lines) and column < len(lines[line]) and lines[line][column] == "\t"


# ----------------------------------------------------------------------------------------------------
# node helpers
# ----------------------------------------------------------------------------------------------------


def line_of(node: Node) -> int:
    """The 1-based line where ``node`` starts."""
    mark = node.start_mark
    return mark.line + 1 if mark is not None else 0


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG)


def is_mapping(node: Node) -> bool:
    return isinstance(node, MappingNode)


def is_sequence(node: Node) -> bool:
    return isinstance(node, SequenceNode)


def is_scalar(node: Node) -> bool:
    return isinstance(node, ScalarNode)


def describe(node: Node | None) -> str:
    """What a node is, for messages: "a list", "a mapping", "the string 'x'", "the number 3", "null"."""
    if is_null(node) or node is None:
        return "null"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    text = scalar_text(node)
    if node.tag == BOOL_TAG:
        return f"the boolean {text}"
    if node.tag in (INT_TAG, FLOAT_TAG):
        return f"the number {text}"
    return f"the string '{text}'"


def scalar_text(node: Node) -> str:
    """The text of a scalar as written in the file (quotes removed); "" for null."""
    if is_null(node):
        return ""
    value = node.value
    return value if isinstance(value, str) else str(value)


_CONSTRUCTOR = SafeConstructor()


def scalar_value(node: Node) -> Any:
    """The YAML 1.1 value of a scalar (str, int, float, bool, None, date/datetime)."""
    return _CONSTRUCTOR.construct_object(node, deep=True)


def to_plain(node: Node) -> Any:
    """The Python value of a node (dicts keep the order written; duplicate keys: the last wins)."""
    if isinstance(node, ScalarNode):
        return scalar_value(node)
    if isinstance(node, SequenceNode):
        return [to_plain(item) for item in node.value]
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        result[scalar_text(key_node) if isinstance(key_node, ScalarNode) else str(to_plain(key_node))] = (
            to_plain(value_node)
        )
    return result


def shown(node: Node) -> str:
    """A value as the Ruby agent interpolates it: scalars as written, collections as Ruby shows them."""
    if isinstance(node, ScalarNode):
        return scalar_text(node)
    return messages.ruby_inspect(to_plain(node))


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


@dataclass(frozen=True)
class Entry:
    """One key of a mapping: the key as text, its node and its value node."""

    key: str
    key_node: Node
    value: Node


@dataclass
class Document:
    """The file being walked: its name, the strictness, and the warnings collected so far."""

    filename: str
    strict: bool = False
    warnings: list[str] = field(default_factory=list)

    def error(self, message: str, key_path: str | None, node: Node | None) -> AppSpecError:
        return AppSpecError(
            message, path=self.filename, key_path=key_path or None, line=line_of(node) if node else None
        )

    def fail(self, message: str, key_path: str | None, node: Node | None) -> NoReturn:
        raise self.error(message, key_path, node)

    def warn(self, message: str, key_path: str | None, node: Node | None) -> None:
        where = [self.filename]
        if node is not None:
            where.append(f"line {line_of(node)}")
        if key_path:
            where.append(key_path)
        self.warnings.append(f"{': '.join(where)}: {message}")

    def lenient(self, message: str, key_path: str | None, node: Node | None, strict_message: str = "") -> None:
        """A warning, or in strict mode an error (with ``strict_message`` when given)."""
        if self.strict:
            self.fail(messages.PREFIX + f"of a strict-mode rule: {strict_message or message}", key_path, node)
        self.warn(message, key_path, node)

    # -- shape checks ------------------------------------------------------------------------------

    def check_tags(self, node: Node, key_path: str) -> None:
        """Refuse non-standard YAML tags anywhere below ``node``."""
        allowed = _SCALAR_TAGS if isinstance(node, ScalarNode) else {_SEQ_TAG, _MAP_TAG}
        if node.tag not in allowed:
            tag = "!!" + node.tag.removeprefix(_STD) if node.tag.startswith(_STD) else node.tag
            self.fail(
                messages.yaml_error(f"the YAML tag {tag} is not allowed in an AppSpec file"),
                key_path,
                node,
            )
        if isinstance(node, SequenceNode):
            for index, sub in enumerate(node.value):
                self.check_tags(sub, item(key_path, index))
        elif isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag not in _KEY_TAGS:
                    self.fail(
                        messages.yaml_error("mapping keys must be plain names, not lists or mappings"),
                        key_path,
                        key_node,
                    )
                self.check_tags(value_node, child(key_path, scalar_text(key_node)))

    def entries(self, node: MappingNode, key_path: str) -> dict[str, Entry]:
        """The keys of a mapping in the order written; a repeated key warns, and the last one wins."""
        result: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            key = scalar_text(key_node)
            if key in result:
                self.warn(
                    f"key '{key}' is repeated (first on line {line_of(result[key].key_node)}); "
                    "the last one wins",
                    child(key_path, key),
                    key_node,
                )
            result[key] = Entry(key, key_node, value_node)
        return result

    def mapping(self, node: Node, key_path: str, what: str) -> MappingNode:
        if not isinstance(node, MappingNode):
            self.fail(
                messages.wrong_shape(what, "a mapping of keys to values", describe(node)), key_path, node
            )
        return node

    def sequence(self, node: Node, key_path: str, what: str, hint: str = "") -> SequenceNode:
        if not isinstance(node, SequenceNode):
            expected = "a list (each item starting with '- ')" + (f" {hint}" if hint else "")
            self.fail(messages.wrong_shape(what, expected, describe(node)), key_path, node)
        return node

    def text(self, node: Node, key_path: str, what: str) -> str:
        """A scalar's text as written (numbers and booleans as written too)."""
        if not isinstance(node, ScalarNode):
            self.fail(messages.wrong_shape(what, "a single value", describe(node)), key_path, node)
        return scalar_text(node)

    def string_list(self, node: Node, key_path: str, what: str) -> tuple[tuple[str, Node], ...]:
        seq = self.sequence(node, key_path, what)
        return tuple(
            (self.text(sub, item(key_path, index), f"each entry of {what}"), sub)
            for index, sub in enumerate(seq.value)
        )

    def unknown_keys(self, entries: dict[str, Entry], known: tuple[str, ...], key_path: str, section: str) -> None:
        for entry in entries.values():
            if entry.key not in known:
                self.lenient(
                    messages.unknown_key(entry.key, section, known),
                    child(key_path, entry.key),
                    entry.key_node,
                    messages.unknown_key(entry.key, section, known, strict=True),
                )


"""What every kind of appspec starts with: the top-level mapping and ``version``."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node

from deployq.appspec import messages
from deployq.appspec.yamlnodes import (
    FLOAT_TAG,
    INT_TAG,
    STR_TAG,
    Document,
    Entry,
    compose,
    describe,
    is_null,
    scalar_text,
    scalar_value,
    shown,
)


def load_root(doc: Document, text: str, expected_keys: tuple[str, ...]) -> MappingNode:
    """The top-level mapping of an appspec text (empty file, syntax and shape errors raised)."""
    if not text.strip():
        doc.fail(messages.EMPTY_FILE, None, None)
    root = compose(text, doc.filename)
    if root is None or is_null(root):
        doc.fail(messages.EMPTY_FILE, None, root)
    doc.check_tags(root, "")
    if not isinstance(root, MappingNode):
        doc.fail(
            messages.wrong_shape(
                "the top level of an AppSpec file",
                f"a mapping of keys ({', '.join(expected_keys)})",
                describe(root),
            ),
            None,
            root,
        )
    return root


def parse_version(doc: Document, entries: dict[str, Entry], root: Node) -> float:
    """``version``: 0.0 written as a number (``0.0``, ``0``, ``0.00``) or the quoted string "0.0"."""
    entry = entries.get("version")
    if entry is None or is_null(entry.value):
        doc.fail(messages.invalid_version(""), "version", root if entry is None else entry.value)
    node = entry.value
    if node.tag in (INT_TAG, FLOAT_TAG) and scalar_value(node) == 0:
        return 0.0
    if node.tag == STR_TAG and scalar_text(node) == "0.0":
        doc.warn(
            'the quoted version "0.0" is accepted here, but CodeDeploy agents reject it; write version: 0.0',
            "version",
            node,
        )
        return 0.0
    doc.fail(messages.invalid_version(shown(node)), "version", node)

"""Archive entry names and link targets, checked without touching the filesystem.

A name is split on ``/`` and ``\\`` (as ``unzip`` does, so ``..\\x`` cannot climb out on any OS);
``.`` and empty components are dropped; absolute names, drive letters, NUL bytes and ``..``
components are refused. Link targets are resolved inside the archive's own tree, following the
archive's other symlinks, so a chain of links cannot leave the destination either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

Parts = tuple[str, ...]

_DRIVE = re.compile(r"^[A-Za-z]:")
#: Like the kernel's limit on nested symlinks.
MAX_LINK_HOPS = 40


class UnsafePath(ValueError):
    """A name or link target that is refused; the message is a phrase completing "entry 'x' …"."""


def printable(name: str) -> str:
    """``name`` with control characters escaped, for messages."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)


def _components(text: str) -> list[str]:
    return [part for part in text.replace("\\", "/").split("/") if part not in ("", ".")]


def _check_not_absolute(text: str, what: str) -> None:
    if "\x00" in text:
        raise UnsafePath(f"has a NUL byte in its {what}")
    normalized = text.replace("\\", "/")
    if normalized.startswith("/"):
        raise UnsafePath(f"has an absolute {what} ({printable(text)})")
    if _DRIVE.match(normalized):
        raise UnsafePath(f"has a drive letter in its {what} ({printable(text)})")


def split_entry(name: str) -> Parts:
    """The safe relative components of an archive entry name (``()`` for the root itself)."""
    _check_not_absolute(name, "path")
    parts = _components(name)
    if ".." in parts:
        raise UnsafePath("escapes the destination (it has a '..' component)")
    return tuple(parts)


def resolve_link(link: Parts, target: str, links: Mapping[Parts, str]) -> Parts:
    """Where the symlink at ``link`` points to inside the tree, following the tree's ``links``.

    Raises :class:`UnsafePath` when the target is absolute or climbs above the root at any step.
    """
    if not target:
        raise UnsafePath("is a symlink with an empty target")
    outside = UnsafePath(f"is a symlink to {printable(target)}, which resolves outside the destination")
    try:
        _check_not_absolute(target, "symlink target")
    except UnsafePath:
        raise outside from None
    stack = list(link[:-1])
    pending = list(reversed(_components(target)))
    hops = 0
    while pending:
        part = pending.pop()
        if part == "..":
            if not stack:
                raise outside
            stack.pop()
            continue
        stack.append(part)
        nested = links.get(tuple(stack))
        if nested is None:
            continue
        hops += 1
        if hops > MAX_LINK_HOPS:
            raise UnsafePath(f"is a symlink to {printable(target)}, which loops")
        stack.pop()
        if nested.replace("\\", "/").startswith("/") or _DRIVE.match(nested.replace("\\", "/")):
            raise outside
        pending.extend(reversed(_components(nested)))
    return tuple(stack)

"""The entries of an archive as deployq sees them, and the checks made on the whole set.

Readers (:mod:`deployq.bundle.readers`) turn zip, tar and directory entries into :class:`Member`
objects; :func:`plan` then checks them together (duplicates, entries beneath a non-directory,
symlink and hardlink targets) and applies the leading-directory rule (reference §5), so that
nothing is written before every entry is known to be safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum

from deployq.bundle.paths import Parts, UnsafePath, printable, resolve_link, split_entry

APPSPEC = re.compile("appspec", re.IGNORECASE)
DEFAULT_FILE_MODE = 0o644
DEFAULT_DIR_MODE = 0o755


class Kind(Enum):
    FILE = "file"
    DIR = "directory"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"


@dataclass(frozen=True)
class Member:
    """One entry: ``name`` as written in the archive, ``parts`` its checked relative path.

    ``mode`` holds permission bits only (setuid, setgid and sticky are stripped); ``target`` is the
    symlink's target as written, or the hardlink's target path; ``index`` lets the reader find the
    entry again; ``size`` is the size its header declares.
    """

    name: str
    parts: Parts
    kind: Kind
    index: int
    size: int = 0
    mode: int = DEFAULT_FILE_MODE
    mtime: float | None = None
    target: str = ""
    link_parts: Parts = field(default=())

    @property
    def path(self) -> str:
        return "/".join(self.parts)


class EntryRejected(Exception):
    """Entry ``name`` is refused; ``reason`` completes the phrase "entry 'name' …"."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def permission_bits(mode: int) -> int:
    return mode & 0o777


def make_member(name: str, kind: Kind, index: int, *, size: int = 0, mode: int | None = None,
                mtime: float | None = None, target: str = "") -> Member:
    """A :class:`Member` with a checked path; raises :class:`EntryRejected` for an unsafe name."""
    try:
        parts = split_entry(name)
    except UnsafePath as exc:
        raise EntryRejected(name, str(exc)) from None
    if not parts and kind is not Kind.DIR:
        raise EntryRejected(name, "has an empty name")
    link_parts: Parts = ()
    if kind is Kind.HARDLINK:
        try:
            link_parts = split_entry(target)
        except UnsafePath:
            reason = f"is a hardlink to {printable(target)}, which is outside the destination"
            raise EntryRejected(name, reason) from None
        if not link_parts:
            raise EntryRejected(name, "is a hardlink with an empty target")
    default = DEFAULT_DIR_MODE if kind is Kind.DIR else DEFAULT_FILE_MODE
    return Member(name, parts, kind, index, size=size, mode=default if mode is None else permission_bits(mode),
                  mtime=mtime, target=target, link_parts=link_parts)


@dataclass(frozen=True)
class Plan:
    """What to create, in final (stripped) paths. ``root`` is the member whose mode the root gets."""

    dirs: list[Member]
    files: list[Member]
    hardlinks: list[Member]
    symlinks: list[Member]
    root: Member | None
    stripped: str | None


def leading_directory(members: Iterable[Member]) -> str | None:
    """The single root directory to strip (reference §5), or None."""
    members = list(members)
    roots = {m.parts[0] for m in members if m.parts}
    if len(roots) != 1:
        return None
    (top,) = roots
    if any(m.parts == (top,) and m.kind is not Kind.DIR for m in members):
        return None
    if not any(len(m.parts) >= 2 and m.parts[0] == top and APPSPEC.search(m.parts[1]) for m in members):
        return None
    return top


def _not_a_file(member: Member) -> str:
    return f"is a hardlink to {printable(member.target)}, which is not a file in the archive"


def _strip(member: Member) -> Member:
    return replace(member, parts=member.parts[1:], link_parts=member.link_parts[1:]
                   if member.kind is Kind.HARDLINK else member.link_parts)


def plan(members: list[Member]) -> Plan:
    """Check ``members`` as a whole and lay them out; raises :class:`EntryRejected` naming the entry."""
    top = leading_directory(members)
    if top is not None:
        for m in members:
            if m.kind is Kind.HARDLINK and m.link_parts[:1] != (top,):
                raise EntryRejected(m.name, _not_a_file(m))
        members = [_strip(m) for m in members]
    root: Member | None = None
    by_path: dict[Parts, Member] = {}
    for m in members:
        if not m.parts:
            root = m
            continue
        seen = by_path.get(m.parts)
        if seen is not None and not (seen.kind is Kind.DIR and m.kind is Kind.DIR):
            raise EntryRejected(m.name, "appears twice in the archive")
        by_path[m.parts] = m
    for m in by_path.values():
        for depth in range(1, len(m.parts)):
            parent = by_path.get(m.parts[:depth])
            if parent is not None and parent.kind is not Kind.DIR:
                raise EntryRejected(m.name, f"is beneath {printable(parent.name)}, which is a {parent.kind.value}")
    links = {m.parts: m.target for m in by_path.values() if m.kind is Kind.SYMLINK}
    for m in by_path.values():
        if m.kind is Kind.SYMLINK:
            try:
                resolve_link(m.parts, m.target, links)
            except UnsafePath as exc:
                raise EntryRejected(m.name, str(exc)) from None
        elif m.kind is Kind.HARDLINK:
            target = by_path.get(m.link_parts)
            if target is None or target.kind is not Kind.FILE:
                raise EntryRejected(m.name, _not_a_file(m))
    ordered = sorted(by_path.values(), key=lambda m: m.index)
    return Plan(
        dirs=[m for m in ordered if m.kind is Kind.DIR],
        files=[m for m in ordered if m.kind is Kind.FILE],
        hardlinks=[m for m in ordered if m.kind is Kind.HARDLINK],
        symlinks=[m for m in ordered if m.kind is Kind.SYMLINK],
        root=root,
        stripped=top,
    )

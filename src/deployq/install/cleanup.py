"""The cleanup file: what an install created, so that the next install of the group removes it.

Format (the agents'): one path per line, newline-terminated, in the order the paths were created;
``semanage\\0<path>`` lines name an SELinux file-context rule to delete. Reading discards a last line
without its newline (a torn write). Paths are bytes on disk; they are decoded with the filesystem
encoding and ``surrogateescape`` (``os.fsdecode``), so any file name round-trips.

Replaying (:func:`replay`) goes through the entries in reverse order: files and symlinks are unlinked,
directories are removed only when empty, missing paths are ignored, ``semanage`` lines run
``semanage fcontext -d <path>`` (failures and a missing ``semanage`` are ignored, as the agent ignores
them). :func:`predict_removals` computes, without touching anything, the set of paths a replay would
remove — the planner treats them as absent.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from deployq.install.errors import InstallError
from deployq.install.messages import PREFIX

SEMANAGE_MARK = "semanage\0"


@dataclass(frozen=True)
class CleanupEntry:
    """One line: a path to remove, or (``selinux``) a file-context rule to delete."""

    path: str
    selinux: bool = False

    def encode(self) -> bytes:
        return os.fsencode((SEMANAGE_MARK if self.selinux else "") + self.path) + b"\n"


def parse_cleanup(data: bytes) -> list[CleanupEntry]:
    """The entries of a cleanup file in file order; a torn last line and empty lines are dropped."""
    lines = data.split(b"\n")
    lines.pop()  # the text after the last newline: empty, or a torn write
    entries: list[CleanupEntry] = []
    for raw in lines:
        text = os.fsdecode(raw)
        if not text:
            continue
        if text.startswith(SEMANAGE_MARK):
            entries.append(CleanupEntry(text[len(SEMANAGE_MARK) :], selinux=True))
        else:
            entries.append(CleanupEntry(text))
    return entries


def read_cleanup(path: Path) -> list[CleanupEntry]:
    """The entries of the cleanup file at ``path`` (none when it does not exist)."""
    try:
        return parse_cleanup(path.read_bytes())
    except FileNotFoundError:
        return []


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def predict_removals(entries: Sequence[CleanupEntry]) -> frozenset[str]:
    """The (normalized) paths :func:`replay` would remove from the disk as it is now. Reads only."""
    removed: set[str] = set()
    for entry in reversed(entries):
        if entry.selinux:
            continue
        path = os.path.normpath(entry.path)
        if path in removed:
            continue
        info = _lstat(path)
        if info is None:
            continue
        if stat.S_ISDIR(info.st_mode):
            try:
                names = os.listdir(path)
            except OSError:
                continue
            if all(os.path.join(path, name) in removed for name in names):
                removed.add(path)
        else:
            removed.add(path)
    return frozenset(removed)


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did: paths removed, directories kept (not empty), paths already missing, and the
    SELinux rules it asked ``semanage`` to delete."""

    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()


def replay(entries: Sequence[CleanupEntry], *, which: Callable[[str], str | None] = shutil.which) -> ReplayResult:
    """Undo what the entries record, last entry first (``which`` finds ``semanage``)."""
    removed: list[str] = []
    kept: list[str] = []
    missing: list[str] = []
    contexts: list[str] = []
    for entry in reversed(entries):
        if entry.selinux:
            semanage = which("semanage")
            if semanage is not None:
                subprocess.run(
                    [semanage, "fcontext", "-d", entry.path],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                contexts.append(entry.path)
            continue
        path = entry.path
        info = _lstat(path)
        if info is None:
            missing.append(path)
            continue
        try:
            if stat.S_ISDIR(info.st_mode):
                os.rmdir(path)
            else:
                os.unlink(path)
        except FileNotFoundError:
            missing.append(path)
            continue
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                kept.append(path)
                continue
            raise InstallError(
                PREFIX + f"the files of the previous revision could not be removed: {path}: {error.strerror}"
            ) from error
        removed.append(path)
    return ReplayResult(tuple(removed), tuple(kept), tuple(missing), tuple(contexts))


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class CleanupWriter:
    """Writes a new cleanup file line by line (flushed at once), then renames it into place.

    Entries are written *before* the action they record (write-ahead): a crash can leave a recorded path
    that was never created (a replay ignores it), never a created path that is not recorded.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed in commit()

    def record(self, entry: CleanupEntry) -> None:
        if self._file is None:
            raise ValueError("the cleanup file is already committed")
        self._file.write(entry.encode())
        self._file.flush()

    def record_all(self, entries: Iterable[CleanupEntry]) -> None:
        for entry in entries:
            self.record(entry)

    def commit(self, final: Path) -> None:
        """fsync, close, and rename over ``final`` (the group's cleanup file)."""
        if self._file is None:
            return
        try:
            os.fsync(self._file.fileno())
        finally:
            self._file.close()
            self._file = None
        os.replace(self.path, final)
        _fsync_dir(final.parent)

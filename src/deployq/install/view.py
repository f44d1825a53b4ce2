"""How the planner sees the destination filesystem: read-only questions, never a write.

:class:`DiskView` asks the real disk. :class:`AfterCleanupView` answers as the disk *will* be once the
previous revision's cleanup file has been replayed: every path the replay would remove is reported absent.
That lets the planner find conflicts before anything of the previous revision is touched.
"""

from __future__ import annotations

import os
from collections.abc import Set
from typing import Protocol


class FilesystemView(Protocol):
    """Read-only questions about destination paths (absolute, normalized strings)."""

    def exists(self, path: str) -> bool:
        """Something (file, directory, symlink — even a dangling one) is at ``path``."""
        ...

    def is_dir(self, path: str) -> bool:
        """``path`` is a directory, following symlinks (``File.directory?``)."""
        ...

    def is_symlink(self, path: str) -> bool:
        """``path`` itself is a symbolic link."""
        ...


class DiskView:
    """The real filesystem."""

    def exists(self, path: str) -> bool:
        return os.path.lexists(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def is_symlink(self, path: str) -> bool:
        return os.path.islink(path)


class AfterCleanupView:
    """``base`` with the paths in ``removed`` (what the previous cleanup would remove) taken away."""

    def __init__(self, base: FilesystemView, removed: Set[str]) -> None:
        self._base = base
        self._removed = frozenset(os.path.normpath(path) for path in removed)

    def _gone(self, path: str) -> bool:
        return os.path.normpath(path) in self._removed

    def exists(self, path: str) -> bool:
        return not self._gone(path) and self._base.exists(path)

    def is_dir(self, path: str) -> bool:
        return not self._gone(path) and self._base.is_dir(path)

    def is_symlink(self, path: str) -> bool:
        return not self._gone(path) and self._base.is_symlink(path)

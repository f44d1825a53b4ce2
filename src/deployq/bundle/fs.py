"""Small filesystem helpers shared by the bundle modules."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


def _open_up(root: Path) -> None:
    """Give the owner full access to every directory under ``root`` (so that its entries can be removed)."""
    pending = [str(root)]
    while pending:
        directory = pending.pop()
        with suppress(OSError):
            os.chmod(directory, stat.S_IMODE(os.lstat(directory).st_mode) | stat.S_IRWXU)
        with suppress(OSError), os.scandir(directory) as entries:
            pending.extend(entry.path for entry in entries if entry.is_dir(follow_symlinks=False))


def remove_tree(path: Path) -> None:
    """Remove ``path`` (a file, symlink or tree), even directories without read or write permission."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        _open_up(path)
        shutil.rmtree(path, ignore_errors=True)


def replace_path(staging: Path, dest: Path) -> None:
    """Move ``staging`` to ``dest`` (same filesystem), replacing whatever ``dest`` was."""
    if not os.path.lexists(dest):
        os.rename(staging, dest)
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    os.rename(dest, trash / "old")
    os.rename(staging, dest)
    remove_tree(trash)


def staging_dir(dest: Path, purpose: str) -> Path:
    """A fresh private directory next to ``dest`` (so that a rename can move it into place)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.{purpose}-", dir=dest.parent))


@contextmanager
def atomic_file(dest: Path) -> Iterator[BinaryIO]:
    """A new private file that becomes ``dest`` when the block succeeds and vanishes when it fails."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(name, dest)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(name)
        raise

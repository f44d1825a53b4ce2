"""SHA-256 of bundle files and of directory bundles."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from deployq.errors import BundleError

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tree_sha256(root: Path) -> str:
    """A digest of a directory tree: sorted relative paths, types, permission bits, contents, link targets."""
    digest = hashlib.sha256()
    for current, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(current)
        for name in sorted([*dirnames, *filenames]):
            path = base / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            perms = stat.S_IMODE(st.st_mode) & 0o777
            if stat.S_ISLNK(st.st_mode):
                line = f"L {rel} -> {os.readlink(path)}"
            elif stat.S_ISDIR(st.st_mode):
                line = f"D {rel} {perms:o}"
            else:
                line = f"F {rel} {perms:o} {file_sha256(path)}"
            digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


def copy_hashed(read: Callable[[int], bytes], out: BinaryIO, path: Path) -> tuple[str, int]:
    """Copy ``read`` to ``out`` until EOF; returns (SHA-256, size). Write errors name ``path``;
    read errors propagate unchanged (the caller knows whether they are worth a retry)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        try:
            out.write(chunk)
        except OSError as exc:
            raise BundleError(f"cannot write {path}: {exc.strerror}") from None
    return digest.hexdigest(), size

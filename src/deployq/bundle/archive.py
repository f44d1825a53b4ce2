"""Unpacking a revision bundle safely: validate every entry, then extract, then rename into place.

The agent runs ``tar -xpsf`` / ``unzip -qo`` (reference §5); deployq extracts itself so that an
untrusted bundle cannot write outside the destination: every entry is listed and checked before the
first byte is written (paths, link targets, entry types, counts, sizes and the expansion ratio
declared by the headers); sizes are checked again while streaming, since headers can lie. Extraction
goes to a private directory next to ``dest`` that is renamed into place at the end, so a rejected
bundle leaves ``dest`` as it was.
"""

from __future__ import annotations

import contextlib
import os
import tarfile
import zipfile
import zlib
from pathlib import Path

from deployq.bundle.fs import remove_tree, replace_path, staging_dir
from deployq.bundle.members import DEFAULT_DIR_MODE, EntryRejected, Kind, Member, Plan, plan
from deployq.bundle.paths import Parts, printable
from deployq.bundle.readers import Reader, open_reader
from deployq.errors import BundleError

DEFAULT_MAX_BYTES = 1 << 30
DEFAULT_MAX_RATIO = 100.0
DEFAULT_MAX_ENTRIES = 100_000
_CHUNK = 1 << 16
_READ_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, NotImplementedError, RuntimeError,
                OSError)


def _entry_error(archive: Path, name: str, reason: str) -> BundleError:
    return BundleError(f"{archive}: entry '{printable(name)}' {reason}")


class _Budget:
    """The expanded size so far, against ``max_bytes`` and ``max_ratio`` × the compressed size."""

    def __init__(self, archive: Path, max_bytes: int, max_ratio: float, compressed: int | None) -> None:
        self.archive = archive
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.compressed = compressed
        self.total = 0

    def add(self, name: str, size: int) -> None:
        self.total += size
        if self.total > self.max_bytes:
            raise _entry_error(self.archive, name, f"takes the expanded size to {self.total} bytes, over the "
                                                   f"limit of {self.max_bytes} bytes")
        if self.compressed is not None and self.total > self.max_ratio * self.compressed:
            raise _entry_error(self.archive, name, f"takes the expansion ratio over {self.max_ratio:g}:1 "
                                                   f"({self.total} bytes from {self.compressed} bytes)")


def _scan(reader: Reader, archive: Path, max_entries: int, budget: _Budget) -> list[Member]:
    members: list[Member] = []
    try:
        for member in reader.entries():
            if len(members) >= max_entries:
                raise _entry_error(archive, member.name, f"is over the limit of {max_entries} entries")
            if member.kind is Kind.FILE:
                budget.add(member.name, member.size)
            members.append(member)
    except EntryRejected as exc:
        raise _entry_error(archive, exc.name, exc.reason) from None
    return members


def _path(root: Path, parts: Parts) -> Path:
    return root.joinpath(*parts)


def _directories(layout: Plan) -> dict[Parts, int]:
    """Every directory to create (explicit or implied by a deeper entry) and its final mode."""
    dirs: dict[Parts, int] = {}
    for m in (*layout.files, *layout.hardlinks, *layout.symlinks, *layout.dirs):
        for depth in range(1, len(m.parts)):
            dirs.setdefault(m.parts[:depth], DEFAULT_DIR_MODE)
    for m in layout.dirs:
        dirs[m.parts] = m.mode
    return dirs


def _write_file(reader: Reader, archive: Path, member: Member, path: Path, budget: _Budget) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        with os.fdopen(os.open(path, flags, 0o600), "wb") as out, reader.open(member) as data:
            written = 0
            while chunk := data.read(_CHUNK):
                written += len(chunk)
                if written > member.size:
                    raise _entry_error(archive, member.name, f"is larger than the {member.size} bytes its header "
                                                             "declares")
                budget.add(member.name, len(chunk))
                out.write(chunk)
    except BundleError:
        raise
    except EntryRejected as exc:
        raise _entry_error(archive, exc.name, exc.reason) from None
    except _READ_ERRORS as exc:
        raise _entry_error(archive, member.name, f"cannot be extracted: {exc}") from None


def _set_times(path: Path, mtime: float | None) -> None:
    if mtime is not None:
        with contextlib.suppress(OSError, OverflowError, ValueError):
            os.utime(path, (mtime, mtime), follow_symlinks=False)


def _extract(reader: Reader, archive: Path, layout: Plan, root: Path, budget: _Budget) -> None:
    dirs = _directories(layout)
    for parts in sorted(dirs, key=len):
        os.mkdir(_path(root, parts), 0o700)
    for m in layout.files:
        _write_file(reader, archive, m, _path(root, m.parts), budget)
    try:
        for m in layout.hardlinks:
            os.link(_path(root, m.link_parts), _path(root, m.parts), follow_symlinks=False)
        for m in layout.symlinks:
            os.symlink(m.target.replace("\\", "/"), _path(root, m.parts))
    except OSError as exc:
        raise _entry_error(archive, m.name, f"cannot be extracted: {exc.strerror}") from None
    for m in (*layout.files, *layout.symlinks):
        if m.kind is Kind.FILE:
            os.chmod(_path(root, m.parts), m.mode)
        _set_times(_path(root, m.parts), m.mtime)
    times = {m.parts: m.mtime for m in layout.dirs}
    for parts in sorted(dirs, key=len, reverse=True):
        os.chmod(_path(root, parts), dirs[parts])
        _set_times(_path(root, parts), times.get(parts))
    os.chmod(root, layout.root.mode if layout.root is not None else DEFAULT_DIR_MODE)


def unpack(archive: Path, bundle_type: str, dest: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
           max_ratio: float = DEFAULT_MAX_RATIO, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
    """Unpack ``archive`` (``zip``, ``tar``, ``tgz``, ``directory``; anything else is read as tar) to ``dest``.

    ``dest`` is replaced as a whole on success and left untouched on failure. A single root directory
    holding an entry whose name matches ``/appspec/i`` becomes the root (reference §5). Raises
    :class:`BundleError` naming the archive and the offending entry.
    """
    archive, dest = Path(archive), Path(dest)
    reader = open_reader(archive, bundle_type)
    try:
        budget = _Budget(archive, max_bytes, max_ratio, reader.compressed_size)
        members = _scan(reader, archive, max_entries, budget)
        try:
            layout = plan(members)
        except EntryRejected as exc:
            raise _entry_error(archive, exc.name, exc.reason) from None
        budget.total = 0
        staging = staging_dir(dest, "unpack")
        try:
            _extract(reader, archive, layout, staging, budget)
            replace_path(staging, dest)
        except BaseException:
            remove_tree(staging)
            raise
    finally:
        reader.close()

"""Readers of zip, tar (plain or compressed) and directory bundles.

A reader lists entries as :class:`~deployq.bundle.members.Member` objects without writing anything,
refusing the entry types deployq never creates (devices, fifos, sockets, encrypted zip entries), and
opens a member's data for streaming. Archive-level problems are :class:`BundleError`; entry-level ones
are :class:`~deployq.bundle.members.EntryRejected`.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from deployq.bundle.members import EntryRejected, Kind, Member, make_member
from deployq.errors import BundleError

#: Longest symlink target accepted (PATH_MAX).
MAX_LINK_TARGET = 4096

_SPECIAL = {
    stat.S_IFCHR: "is a device file (character device)",
    stat.S_IFBLK: "is a device file (block device)",
    stat.S_IFIFO: "is a fifo",
    stat.S_IFSOCK: "is a socket",
}

_TAR_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


class Reader(ABC):
    """Entries of one bundle. ``compressed_size`` is the bundle's size on disk (None: a directory)."""

    compressed_size: int | None = None

    @abstractmethod
    def entries(self) -> Iterator[Member]:
        """Every entry in archive order, without reading file data."""

    @abstractmethod
    def open(self, member: Member) -> IO[bytes]:
        """The data of a file member."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the archive."""


class ZipReader(Reader):
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise BundleError(f"{path} is not a valid zip archive: {exc}") from None
        self._infos = self._zip.infolist()
        self.compressed_size = path.stat().st_size

    def entries(self) -> Iterator[Member]:
        for index, info in enumerate(self._infos):
            yield self._member(index, info)

    def _member(self, index: int, info: zipfile.ZipInfo) -> Member:
        name = info.filename
        if info.flag_bits & 0x1:
            raise EntryRejected(name, "is encrypted")
        unix = info.external_attr >> 16 if info.create_system == 3 else 0
        kind_bits = stat.S_IFMT(unix)
        mode = unix if unix else None
        mtime = _zip_time(info.date_time)
        if kind_bits in _SPECIAL:
            raise EntryRejected(name, _SPECIAL[kind_bits])
        if kind_bits == stat.S_IFLNK:
            if info.file_size > MAX_LINK_TARGET:
                raise EntryRejected(name, f"is a symlink whose target is longer than {MAX_LINK_TARGET} bytes")
            try:
                with self._zip.open(info) as data:
                    target = data.read(MAX_LINK_TARGET + 1).decode("utf-8", "surrogateescape")
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, zlib.error, EOFError) as exc:
                raise EntryRejected(name, f"cannot be read: {exc}") from None
            return make_member(name, Kind.SYMLINK, index, mtime=mtime, target=target)
        if info.is_dir() or kind_bits == stat.S_IFDIR:
            return make_member(name, Kind.DIR, index, mode=mode, mtime=mtime)
        if kind_bits not in (0, stat.S_IFREG):
            raise EntryRejected(name, f"has an unsupported file type {kind_bits:o}")
        return make_member(name, Kind.FILE, index, size=info.file_size, mode=mode, mtime=mtime)

    def open(self, member: Member) -> IO[bytes]:
        return self._zip.open(self._infos[member.index])

    def close(self) -> None:
        self._zip.close()


def _zip_time(date_time: tuple[int, int, int, int, int, int]) -> float | None:
    try:
        return datetime(*date_time).timestamp()
    except (ValueError, OverflowError):
        return None


class TarReader(Reader):
    """Plain, gzip, bzip2 or xz tar: the compression is sniffed, whatever the declared type."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by close()
        except _TAR_ERRORS as exc:
            raise BundleError(f"{path} is not a valid tar archive: {exc}") from None
        self._infos: list[tarfile.TarInfo] = []
        self.compressed_size = path.stat().st_size

    def entries(self) -> Iterator[Member]:
        while True:
            try:
                info = self._tar.next()
            except _TAR_ERRORS as exc:
                raise BundleError(f"{self.path} is not a valid tar archive: {exc}") from None
            if info is None:
                return
            self._infos.append(info)
            yield self._member(len(self._infos) - 1, info)

    @staticmethod
    def _member(index: int, info: tarfile.TarInfo) -> Member:
        name, mtime, mode = info.name, float(info.mtime), info.mode
        if info.isreg():
            return make_member(name, Kind.FILE, index, size=info.size, mode=mode, mtime=mtime)
        if info.isdir():
            return make_member(name, Kind.DIR, index, mode=mode, mtime=mtime)
        if info.issym():
            if len(info.linkname) > MAX_LINK_TARGET:
                raise EntryRejected(name, f"is a symlink whose target is longer than {MAX_LINK_TARGET} bytes")
            return make_member(name, Kind.SYMLINK, index, mtime=mtime, target=info.linkname)
        if info.islnk():
            return make_member(name, Kind.HARDLINK, index, mode=mode, mtime=mtime, target=info.linkname)
        if info.ischr():
            raise EntryRejected(name, _SPECIAL[stat.S_IFCHR])
        if info.isblk():
            raise EntryRejected(name, _SPECIAL[stat.S_IFBLK])
        if info.isfifo():
            raise EntryRejected(name, _SPECIAL[stat.S_IFIFO])
        raise EntryRejected(name, f"has an unsupported tar entry type {info.type!r}")

    def open(self, member: Member) -> IO[bytes]:
        data = self._tar.extractfile(self._infos[member.index])
        if data is None:  # pragma: no cover - only regular files are opened
            raise EntryRejected(member.name, "has no data")
        return data

    def close(self) -> None:
        self._tar.close()


class DirectoryReader(Reader):
    """A directory bundle (a git checkout, a local directory), read like an archive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_dir():
            raise BundleError(f"{path} is not a directory")
        self._paths: list[Path] = []

    def entries(self) -> Iterator[Member]:
        pending: list[tuple[str, Path]] = [("", self.path)]
        while pending:
            prefix, directory = pending.pop()
            try:
                children = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                raise BundleError(f"cannot read directory {directory}: {exc.strerror}") from None
            subdirs: list[tuple[str, Path]] = []
            for child in children:
                name = f"{prefix}{child.name}"
                try:
                    st = child.stat(follow_symlinks=False)
                    target = os.readlink(child.path) if stat.S_ISLNK(st.st_mode) else ""
                except OSError as exc:
                    raise EntryRejected(name, f"cannot be read: {exc.strerror}") from None
                self._paths.append(Path(child.path))
                index = len(self._paths) - 1
                kind_bits = stat.S_IFMT(st.st_mode)
                if kind_bits in _SPECIAL:
                    raise EntryRejected(name, _SPECIAL[kind_bits])
                if kind_bits == stat.S_IFLNK:
                    yield make_member(name, Kind.SYMLINK, index, mtime=st.st_mtime, target=target)
                elif kind_bits == stat.S_IFDIR:
                    yield make_member(name + "/", Kind.DIR, index, mode=st.st_mode, mtime=st.st_mtime)
                    subdirs.append((f"{name}/", Path(child.path)))
                else:
                    yield make_member(name, Kind.FILE, index, size=st.st_size, mode=st.st_mode, mtime=st.st_mtime)
            pending.extend(reversed(subdirs))

    def open(self, member: Member) -> IO[bytes]:
        fd = os.open(self._paths[member.index], os.O_RDONLY | os.O_NOFOLLOW)
        return os.fdopen(fd, "rb")


def open_reader(path: Path, bundle_type: str) -> Reader:
    """The reader for ``bundle_type``: ``zip``, ``directory``, else tar (as the agent: unknown → tar)."""
    kind = bundle_type.lower()
    if kind == "directory":
        return DirectoryReader(path)
    if not path.is_file():
        raise BundleError(f"bundle {path} was not found")
    if kind == "zip":
        return ZipReader(path)
    return TarReader(path)

"""Building a revision bundle the way ``aws deploy push`` does (reference §11).

The source is walked top-down; with ``ignore_hidden`` files and directories whose names start with
``.`` are dropped; every entry is stored under its path relative to the source, deflated, with ZIP64
allowed. ``<source>/appspec.yml`` must be present (``appspec.yaml`` is not accepted, as in the CLI).
Unlike the CLI, directories are stored as entries (so empty directories and directory modes survive)
and symlinks are stored as symlinks instead of being followed. Entries are sorted by name.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from deployq.bundle.digest import file_sha256
from deployq.errors import BundleError

APPSPEC_NAME = "appspec.yml"
_UNIX = 3
_EARLIEST = time.mktime((1980, 1, 1, 0, 0, 0, 0, 0, -1))


@dataclass(frozen=True)
class BundleInfo:
    """A built bundle: where it is, its SHA-256 and size, and its entry names in order."""

    path: Path
    sha256: str
    size: int
    entries: tuple[str, ...]


def _date_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    year, month, day, hour, minute, second = time.localtime(max(mtime, _EARLIEST))[:6]
    return (min(year, 2107), month, day, hour, minute, second)


def _info(arcname: str, st: os.stat_result) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, _date_time(st.st_mtime))
    info.create_system = _UNIX
    info.external_attr = (st.st_mode & 0xFFFF) << 16
    return info


def _collect(source: Path, skip: set[str], ignore_hidden: bool) -> dict[str, Path]:
    """Arcname → path of every entry under ``source`` (directories end with ``/``)."""
    entries: dict[str, Path] = {}
    def fail(exc: OSError) -> None:
        raise BundleError(f"{exc.filename} cannot be bundled: {exc.strerror}")

    for current, dirnames, filenames in os.walk(source, topdown=True, onerror=fail):
        if ignore_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            filenames = [f for f in filenames if not f.startswith(".")]
        base = Path(current)
        real = os.path.realpath(base) + os.sep
        walked: list[str] = []
        for name in dirnames:
            if (base / name).is_symlink():
                filenames.append(name)  # os.walk lists symlinks to directories as directories
            else:
                walked.append(name)
        dirnames[:] = sorted(walked)
        for name in dirnames:
            entries[(base / name).relative_to(source).as_posix() + "/"] = base / name
        for name in filenames:
            path = base / name
            if real + name in skip:
                continue
            entries[path.relative_to(source).as_posix()] = path
    return entries


def build_bundle(source: Path, output: Path, *, ignore_hidden: bool = False) -> BundleInfo:
    """Zip ``source`` into ``output`` (replacing it); raises :class:`BundleError` without appspec.yml."""
    source = Path(os.path.abspath(source))
    output = Path(os.path.abspath(output))
    if not source.is_dir():
        raise BundleError(f"{source} is not a directory")
    if not (source / APPSPEC_NAME).is_file():
        raise BundleError(f"{source}/{APPSPEC_NAME} was not found")
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, partial_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    os.close(fd)
    partial = Path(partial_name)
    try:
        skip = {os.path.realpath(output.parent) + os.sep + output.name, os.path.realpath(partial)}
        entries = _collect(source, skip, ignore_hidden)
        if APPSPEC_NAME not in entries:
            raise BundleError(f"{source}/{APPSPEC_NAME} was not found")
        names = sorted(entries)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for arcname in names:
                _add(zf, arcname, entries[arcname])
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()
    return BundleInfo(output, file_sha256(output), output.stat().st_size, tuple(names))


def _add(zf: zipfile.ZipFile, arcname: str, path: Path) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            zf.writestr(_info(arcname, st), os.readlink(path).encode("utf-8", "surrogateescape"),
                        compress_type=zipfile.ZIP_STORED)
        elif stat.S_ISDIR(st.st_mode):
            info = _info(arcname, st)
            info.external_attr |= 0x10  # MS-DOS directory flag
            zf.writestr(info, b"", compress_type=zipfile.ZIP_STORED)
        elif stat.S_ISREG(st.st_mode):
            info = _info(arcname, st)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size = st.st_size
            with open(path, "rb") as data, zf.open(info, "w", force_zip64=st.st_size > 0x7FFFFFFF) as out:
                while chunk := data.read(1 << 20):
                    out.write(chunk)
        else:
            raise BundleError(f"{path} cannot be bundled: it is not a regular file, directory or symlink")
    except OSError as exc:
        raise BundleError(f"{path} cannot be bundled: {exc.strerror}") from None

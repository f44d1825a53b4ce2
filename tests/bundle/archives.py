"""Writing zip and tar archives entry by entry, including entries no honest tool would write."""

from __future__ import annotations

import io
import stat
import tarfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """One archive entry. ``kind``: file, dir, symlink, hardlink, chr, blk, fifo."""

    name: str
    data: bytes = b""
    kind: str = "file"
    mode: int = 0o644
    target: str = ""


def file(name: str, data: bytes | str = b"", mode: int = 0o644) -> Entry:
    return Entry(name, data.encode() if isinstance(data, str) else data, "file", mode)


def directory(name: str, mode: int = 0o755) -> Entry:
    return Entry(name, b"", "dir", mode)


def symlink(name: str, target: str) -> Entry:
    return Entry(name, b"", "symlink", 0o777, target)


def hardlink(name: str, target: str) -> Entry:
    return Entry(name, b"", "hardlink", 0o644, target)


def special(name: str, kind: str) -> Entry:
    return Entry(name, b"", kind, 0o644)


_TAR_TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
              "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}
_ZIP_TYPES = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK, "chr": stat.S_IFCHR,
              "blk": stat.S_IFBLK, "fifo": stat.S_IFIFO}


def make_tar(path: Path, entries: list[Entry], *, gzip: bool = False) -> Path:
    with tarfile.open(path, "w:gz" if gzip else "w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = _TAR_TYPES[entry.kind]
            info.mode = entry.mode
            info.mtime = 1_700_000_000
            info.linkname = entry.target
            if entry.kind == "file":
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
            else:
                tar.addfile(info)
    return path


def make_zip(path: Path, entries: list[Entry]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, (2024, 1, 2, 3, 4, 6))
            info.create_system = 3
            info.external_attr = (_ZIP_TYPES[entry.kind] | entry.mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = entry.target.encode() if entry.kind == "symlink" else entry.data
            zf.writestr(info, data)
    return path


def make_archive(path: Path, fmt: str, entries: list[Entry]) -> Path:
    """``fmt``: zip, tar or tgz."""
    if fmt == "zip":
        return make_zip(path, entries)
    return make_tar(path, entries, gzip=fmt == "tgz")


def tree(root: Path) -> dict[str, tuple[str, str, int]]:
    """Relative path → (kind, content or link target, permission bits) of everything under ``root``."""
    result: dict[str, tuple[str, str, int]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            result[rel] = ("symlink", str(path.readlink()), 0)
        elif stat.S_ISDIR(st.st_mode):
            result[rel] = ("dir", "", stat.S_IMODE(st.st_mode))
        else:
            result[rel] = ("file", path.read_bytes().decode("utf-8", "replace"), stat.S_IMODE(st.st_mode))
    return result

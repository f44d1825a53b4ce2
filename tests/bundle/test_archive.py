"""unpack: every unsafe entry is refused before anything is written; modes, links and the leading-directory rule."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from deployq.bundle import unpack
from deployq.errors import BundleError
from tests.bundle.archives import (
    Entry,
    directory,
    file,
    hardlink,
    make_archive,
    make_tar,
    make_zip,
    special,
    symlink,
    tree,
)

FORMATS = ["zip", "tar", "tgz"]
APPSPEC = file("appspec.yml", "version: 0.0\nos: linux\n")

#: (case id, entries, name of the offending entry, phrase of the message); for every format.
UNSAFE_ALL: list[tuple[str, list[Entry], str, str]] = [
    ("dotdot", [APPSPEC, file("../x", "evil")], "../x", "escapes the destination"),
    ("dotdot-inside", [APPSPEC, file("a/../../x", "evil")], "a/../../x", "escapes the destination"),
    ("absolute", [APPSPEC, file("/etc/x", "evil")], "/etc/x", "absolute"),
    ("backslash", [APPSPEC, file("..\\..\\x", "evil")], "..\\..\\x", "escapes the destination"),
    ("drive", [APPSPEC, file("C:/Windows/x", "evil")], "C:/Windows/x", "drive letter"),
    ("symlink-absolute", [APPSPEC, symlink("passwd", "/etc/passwd")], "passwd", "outside the destination"),
    ("symlink-up", [APPSPEC, directory("a/"), symlink("a/link", "../../x")], "a/link", "outside the destination"),
    ("symlink-chain", [APPSPEC, directory("d/"), symlink("d/e", ".."), symlink("l", "d/e"), symlink("m", "l/..")],
     "m", "outside the destination"),
    ("through-symlink", [APPSPEC, symlink("a", "sub"), file("a/x", "evil")], "a/x", "beneath a"),
    ("chrdev", [APPSPEC, special("dev/null", "chr")], "dev/null", "device file"),
    ("blkdev", [APPSPEC, special("sda", "blk")], "sda", "device file"),
    ("fifo", [APPSPEC, special("pipe", "fifo")], "pipe", "fifo"),
    ("duplicate", [APPSPEC, file("x", "one"), file("x", "two")], "x", "appears twice"),
]
UNSAFE_TAR: list[tuple[str, list[Entry], str, str]] = [
    ("hardlink-absolute", [APPSPEC, hardlink("shadow", "/etc/shadow")], "shadow", "outside the destination"),
    ("hardlink-up", [APPSPEC, hardlink("up", "../x")], "up", "outside the destination"),
    ("hardlink-missing", [APPSPEC, hardlink("ghost", "nothing")], "ghost", "not a file in the archive"),
]


def _cases() -> list[object]:
    params: list[object] = []
    for fmt in FORMATS:
        for case_id, entries, name, phrase in UNSAFE_ALL + (UNSAFE_TAR if fmt != "zip" else []):
            params.append(pytest.param(fmt, entries, name, phrase, id=f"{fmt}-{case_id}"))
    return params


def _assert_refused(archive: Path, fmt: str, dest: Path, name: str, phrase: str, **limits: float) -> None:
    before = sorted(os.listdir(dest.parent))
    with pytest.raises(BundleError) as caught:
        unpack(archive, fmt, dest, **limits)  # type: ignore[arg-type]
    message = str(caught.value)
    assert f"'{name}'" in message, message
    assert phrase in message, message
    assert str(archive) in message
    assert sorted(os.listdir(dest.parent)) == before, "a temporary directory was left behind"


@pytest.mark.parametrize(("fmt", "entries", "name", "phrase"), _cases())
def test_unsafe_entries_are_refused_and_nothing_is_written(tmp_path: Path, fmt: str, entries: list[Entry],
                                                            name: str, phrase: str) -> None:
    archive = make_archive(tmp_path / f"bundle.{fmt}", fmt, entries)
    dest = tmp_path / "out" / "deployment-archive"
    dest.parent.mkdir()
    _assert_refused(archive, fmt, dest, name, phrase)
    assert not dest.exists()
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "out" / "x").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_refused_archive_leaves_an_existing_destination_untouched(tmp_path: Path, fmt: str) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "old.txt").write_text("previous revision")
    archive = make_archive(tmp_path / f"b.{fmt}", fmt, [APPSPEC, file("fine.txt", "x"), symlink("s", "/etc/passwd")])
    _assert_refused(archive, fmt, dest, "s", "outside the destination")
    assert os.listdir(dest) == ["old.txt"]
    assert (dest / "old.txt").read_text() == "previous revision"


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_many_entries(tmp_path: Path, fmt: str) -> None:
    entries = [APPSPEC, *(file(f"f{i:02}.txt", "x") for i in range(10))]
    archive = make_archive(tmp_path / f"b.{fmt}", fmt, entries)
    _assert_refused(archive, fmt, tmp_path / "dest", "f04.txt", "over the limit of 5 entries", max_entries=5)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_expanded_size_over_max_bytes(tmp_path: Path, fmt: str) -> None:
    archive = make_archive(tmp_path / f"b.{fmt}", fmt, [APPSPEC, file("small", b"a" * 100),
                                                        file("big", os.urandom(5000))])
    _assert_refused(archive, fmt, tmp_path / "dest", "big", "over the limit of 4096 bytes", max_bytes=4096)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_compression_bomb_over_max_ratio(tmp_path: Path, fmt: str) -> None:
    archive = make_archive(tmp_path / f"b.{fmt}", fmt, [APPSPEC, file("zeros.bin", bytes(4 << 20))])
    assert archive.stat().st_size * 100 < 4 << 20
    _assert_refused(archive, fmt, tmp_path / "dest", "zeros.bin", "expansion ratio over 100:1")
    assert not (tmp_path / "dest").exists()


def test_a_plain_tar_is_not_a_ratio_problem(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "b.tar", "tar", [APPSPEC, file("zeros.bin", bytes(1 << 20))])
    unpack(archive, "tar", tmp_path / "dest")
    assert (tmp_path / "dest" / "zeros.bin").stat().st_size == 1 << 20


@pytest.mark.parametrize("fmt", FORMATS)
def test_modes_symlinks_and_hardlinks_are_kept_and_setuid_stripped(tmp_path: Path, fmt: str) -> None:
    entries = [
        APPSPEC,
        directory("scripts/", 0o750),
        file("scripts/start.sh", "#!/bin/sh\n", 0o755),
        file("scripts/setuid.sh", "#!/bin/sh\n", 0o4755),
        file("scripts/sticky", "x", 0o3640),
        file("secret.txt", "s", 0o600),
        symlink("current", "scripts/start.sh"),
        symlink("scripts/up", "../secret.txt"),
        file("nested/deeper/file.txt", "deep"),
    ]
    if fmt != "zip":
        entries.append(hardlink("start-again.sh", "scripts/start.sh"))
    dest = tmp_path / "dest"
    unpack(make_archive(tmp_path / f"b.{fmt}", fmt, entries), fmt, dest)
    got = tree(dest)
    assert got["scripts"] == ("dir", "", 0o750)
    assert got["scripts/start.sh"] == ("file", "#!/bin/sh\n", 0o755)
    assert got["scripts/setuid.sh"] == ("file", "#!/bin/sh\n", 0o755)
    assert got["scripts/sticky"] == ("file", "x", 0o640)
    assert got["secret.txt"] == ("file", "s", 0o600)
    assert got["current"] == ("symlink", "scripts/start.sh", 0)
    assert got["scripts/up"] == ("symlink", "../secret.txt", 0)
    assert (dest / "scripts" / "up").read_text() == "s"
    assert got["nested"][0] == "dir" and got["nested/deeper/file.txt"][1] == "deep"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755
    if fmt != "zip":
        assert (dest / "start-again.sh").stat().st_ino == (dest / "scripts" / "start.sh").stat().st_ino
    if fmt == "tar":
        assert (dest / "secret.txt").stat().st_mtime == 1_700_000_000


@pytest.mark.parametrize("fmt", FORMATS)
def test_leading_directory_with_an_appspec_is_stripped(tmp_path: Path, fmt: str) -> None:
    entries = [directory("app-1.0/", 0o750), file("app-1.0/AppSpec.yml", "version: 0.0"),
               file("app-1.0/scripts/run.sh", "run", 0o755), symlink("app-1.0/link", "scripts/run.sh")]
    if fmt != "zip":
        entries.append(hardlink("app-1.0/again.sh", "app-1.0/scripts/run.sh"))
    dest = tmp_path / "dest"
    unpack(make_archive(tmp_path / f"b.{fmt}", fmt, entries), fmt, dest)
    expected = ["AppSpec.yml", "link", "scripts"] + (["again.sh"] if fmt != "zip" else [])
    assert sorted(os.listdir(dest)) == sorted(expected)
    assert (dest / "scripts" / "run.sh").read_text() == "run"
    assert (dest / "link").read_text() == "run"
    if fmt != "zip":
        assert (dest / "again.sh").stat().st_ino == (dest / "scripts" / "run.sh").stat().st_ino
    assert stat.S_IMODE(dest.stat().st_mode) == 0o750


@pytest.mark.parametrize("fmt", FORMATS)
def test_leading_directory_without_an_appspec_is_kept(tmp_path: Path, fmt: str) -> None:
    entries = [file("app/readme.txt", "r"), file("app/deep/appspec.yml", "nested too deep")]
    dest = tmp_path / "dest"
    unpack(make_archive(tmp_path / f"b.{fmt}", fmt, entries), fmt, dest)
    assert os.listdir(dest) == ["app"]
    assert (dest / "app" / "readme.txt").read_text() == "r"


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_root_entries_are_kept(tmp_path: Path, fmt: str) -> None:
    entries = [file("app/appspec.yml", "a"), file("other.txt", "o")]
    dest = tmp_path / "dest"
    unpack(make_archive(tmp_path / f"b.{fmt}", fmt, entries), fmt, dest)
    assert sorted(os.listdir(dest)) == ["app", "other.txt"]
    assert (dest / "app" / "appspec.yml").read_text() == "a"


@pytest.mark.parametrize("fmt", FORMATS)
def test_single_root_file_is_not_a_leading_directory(tmp_path: Path, fmt: str) -> None:
    dest = tmp_path / "dest"
    unpack(make_archive(tmp_path / f"b.{fmt}", fmt, [file("appspec.yml", "a")]), fmt, dest)
    assert os.listdir(dest) == ["appspec.yml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_link_that_escapes_once_the_leading_directory_is_stripped_is_refused(tmp_path: Path, fmt: str) -> None:
    entries = [file("app/appspec.yml", "a"), symlink("app/spec", "../app/appspec.yml")]
    archive = make_archive(tmp_path / f"b.{fmt}", fmt, entries)
    _assert_refused(archive, fmt, tmp_path / "dest", "app/spec", "outside the destination")


def test_success_replaces_the_destination(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "stale.txt").write_text("old")
    locked = dest / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "inner" / "f").write_text("x")
    (locked / "inner").chmod(0o000)
    locked.chmod(0o500)
    unpack(make_zip(tmp_path / "b.zip", [APPSPEC]), "zip", dest)
    assert os.listdir(dest) == ["appspec.yml"]
    assert os.listdir(tmp_path) == ["b.zip", "dest"]


def test_gzip_compressed_tar_declared_as_tar_and_unknown_types_read_as_tar(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "b.tgz", [APPSPEC, file("x.txt", "x")], gzip=True)
    unpack(archive, "tar", tmp_path / "one")
    unpack(archive, "Weird", tmp_path / "two")
    plain = make_tar(tmp_path / "b.tar", [APPSPEC])
    unpack(plain, "tgz", tmp_path / "three")
    assert (tmp_path / "one" / "x.txt").read_text() == "x"
    assert (tmp_path / "two" / "x.txt").read_text() == "x"
    assert (tmp_path / "three" / "appspec.yml").exists()


def test_not_an_archive_names_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not an archive" * 10)
    for fmt in ("zip", "tar"):
        with pytest.raises(BundleError, match=f"{junk} is not a valid {fmt} archive"):
            unpack(junk, fmt, tmp_path / "dest")
    with pytest.raises(BundleError, match=r"bundle .*missing\.zip was not found"):
        unpack(tmp_path / "missing.zip", "zip", tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_zip_dos_entries_get_default_modes(tmp_path: Path) -> None:
    archive = tmp_path / "dos.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("appspec.yml")
        info.create_system = 0
        zf.writestr(info, "version: 0.0")
        info = zipfile.ZipInfo("dir/")
        info.create_system = 0
        info.external_attr = 0x10
        zf.writestr(info, b"")
    unpack(archive, "zip", tmp_path / "dest")
    assert tree(tmp_path / "dest") == {"appspec.yml": ("file", "version: 0.0", 0o644), "dir": ("dir", "", 0o755)}


def test_encrypted_zip_entry_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "b.zip", [APPSPEC, file("secret", "s")])
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("secret")
    data[info.header_offset + 6] |= 1  # local header flag bits
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 52] != b"secret":
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 8] |= 1  # central directory flag bits
    archive.write_bytes(bytes(data))
    _assert_refused(archive, "zip", tmp_path / "dest", "secret", "encrypted")


def test_directory_bundle_is_checked_like_an_archive(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "appspec.yml").write_text("a")
    (source / "sub" / "run.sh").write_text("r")
    (source / "sub" / "run.sh").chmod(0o755)
    os.symlink("sub/run.sh", source / "run")
    unpack(source, "directory", tmp_path / "dest")
    assert tree(tmp_path / "dest") == tree(source)
    os.symlink("/etc/passwd", source / "escape")
    _assert_refused(source, "directory", tmp_path / "dest2", "escape", "outside the destination")
    os.unlink(source / "escape")
    os.mkfifo(source / "pipe")
    _assert_refused(source, "directory", tmp_path / "dest2", "pipe", "fifo")


def test_a_zip_header_that_understates_the_size_is_caught_while_streaming(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "b.zip", [APPSPEC, file("big", os.urandom(1 << 16))])
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("big")
    data[info.header_offset + 22:info.header_offset + 26] = (100).to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 49] != b"big":
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    _assert_refused(archive, "zip", tmp_path / "dest", "big", "cannot be extracted")
    assert not (tmp_path / "dest").exists()

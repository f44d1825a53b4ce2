"""The cleanup file: parsing (torn writes), replay, the prediction of what a replay removes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deployq.install import (
    CleanupEntry,
    CleanupWriter,
    parse_cleanup,
    predict_removals,
    read_cleanup,
    replay,
    replay_cleanup,
)
from tests.install.conftest import Host


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"/a", []),
        (b"/a\n", [CleanupEntry("/a")]),
        (b"/a\n/b", [CleanupEntry("/a")]),
        (b"/a\n\n/b\n", [CleanupEntry("/a"), CleanupEntry("/b")]),
        (b"/a\nsemanage\0/a\n", [CleanupEntry("/a"), CleanupEntry("/a", selinux=True)]),
        (b"/a b \n", [CleanupEntry("/a b ")]),
        (b"/caf\xe9\n", [CleanupEntry(os.fsdecode(b"/caf\xe9"))]),
    ],
    ids=["empty", "only-torn", "one", "torn-last", "blank-line", "semanage", "spaces-kept", "non-utf8"],
)
def test_parse_cleanup(data: bytes, expected: list[CleanupEntry]) -> None:
    assert parse_cleanup(data) == expected
    assert b"".join(entry.encode() for entry in expected) == b"".join(
        line + b"\n" for line in data.split(b"\n")[:-1] if line
    )


def test_read_cleanup_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_cleanup(tmp_path / "nope") == []


def test_a_torn_last_line_is_ignored_by_install(host: Host) -> None:
    a, b = host.path("/x/a"), host.path("/x/b")
    os.makedirs(host.path("/x"))
    Path(a).write_text("a")
    Path(b).write_text("b")
    host.cleanup_file.parent.mkdir(parents=True)
    host.cleanup_file.write_bytes(f"{a}\n{b}".encode())
    result = host.deploy("d-1", {"y": "y"}, "files:\n  - source: y\n    destination: /y\n")
    assert not os.path.exists(a)
    assert Path(b).read_text() == "b"
    assert result.replayed.removed == (a,)
    assert host.cleanup_lines() == [host.path("/y"), host.path("/y/y")]


def test_replay_ignores_missing_paths_and_keeps_non_empty_directories(tmp_path: Path) -> None:
    kept, empty, gone = tmp_path / "kept", tmp_path / "empty", tmp_path / "gone"
    kept.mkdir()
    (kept / "foreign").write_text("f")
    empty.mkdir()
    link = tmp_path / "link"
    os.symlink(kept, link)  # a symlink to a directory is unlinked, never rmdir'd or followed
    entries = [CleanupEntry(str(p)) for p in (kept, empty, gone, kept / "ours", link)]
    result = replay(entries)
    assert result.removed == (str(link), str(empty))
    assert result.kept == (str(kept),)
    assert result.missing == (str(kept / "ours"), str(gone))
    assert (kept / "foreign").exists() and not link.exists() and not empty.exists()


def test_prediction_matches_the_replay(tmp_path: Path) -> None:
    root = tmp_path / "r"
    for directory in ("a/b/c", "d/e", "f"):
        (root / directory).mkdir(parents=True)
    for file in ("a/b/c/1", "a/b/2", "d/e/3", "d/foreign", "f/4"):
        (root / file).write_text("x")
    recorded = ["a", "a/b", "a/b/c", "a/b/c/1", "a/b/2", "d", "d/e", "d/e/3", "f/4", "missing"]
    entries = [CleanupEntry(str(root / name)) for name in recorded]
    predicted = predict_removals(entries)
    assert str(root / "a") in predicted and str(root / "d") not in predicted
    assert predicted == set(replay(entries).removed)
    assert sorted(p.name for p in root.iterdir()) == ["d", "f"]


def test_replay_cleanup_removes_the_files_and_deletes_the_cleanup_file(host: Host) -> None:
    host.deploy("d-1", {"site/a": "a"}, "files:\n  - source: site\n    destination: /srv/site\n")
    result = replay_cleanup(host.layout, host.dg)
    assert set(result.removed) == {host.path("/srv"), host.path("/srv/site"), host.path("/srv/site/a")}
    assert not host.cleanup_file.exists()
    assert not os.path.exists(host.path("/srv"))


def test_a_cleanup_file_left_by_a_crashed_install_is_replayed_too(host: Host) -> None:
    host.deploy("d-1", {"a": "a"}, "files:\n  - source: a\n    destination: /srv\n")
    half = host.path("/srv/half-installed")
    Path(half).write_text("from a crashed install")
    host.layout.new_cleanup_file(host.dg).write_bytes(f"{half}\n".encode())
    host.deploy("d-2", {"b": "b"}, "files:\n  - source: b\n    destination: /srv\n")
    assert not os.path.exists(half) and not os.path.exists(host.path("/srv/a"))
    assert host.cleanup_lines() == [host.path("/srv"), host.path("/srv/b")]
    assert not host.layout.new_cleanup_file(host.dg).exists()


def test_cleanup_writer_commits_over_the_old_file(tmp_path: Path) -> None:
    final = tmp_path / "dg-cleanup"
    final.write_text("/old\n")
    writer = CleanupWriter(tmp_path / "dg-cleanup.new")
    writer.record(CleanupEntry("/new"))
    assert (tmp_path / "dg-cleanup.new").read_text() == "/new\n"  # flushed at once
    writer.commit(final)
    assert final.read_text() == "/new\n"
    assert not (tmp_path / "dg-cleanup.new").exists()
    with pytest.raises(ValueError):
        writer.record(CleanupEntry("/late"))

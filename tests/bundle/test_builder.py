"""build_bundle: the zip of ``aws deploy push``, with symlinks kept and the output never inside itself."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import pytest

from deployq.bundle import build_bundle, unpack
from deployq.errors import BundleError
from tests.bundle.archives import tree


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "app"
    (src / "scripts").mkdir(parents=True)
    (src / "appspec.yml").write_text("version: 0.0\nos: linux\n")
    (src / "index.html").write_text("<h1>hello</h1>\n" * 50)
    (src / "scripts" / "start.sh").write_text("#!/bin/sh\necho start\n")
    (src / "scripts" / "start.sh").chmod(0o755)
    (src / ".env").write_text("SECRET=1\n")
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (src / "empty").mkdir()
    return src


def _unix_mode(info: zipfile.ZipInfo) -> int:
    return info.external_attr >> 16


def test_appspec_yml_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "appspec.yaml").write_text("version: 0.0\n")
    (src / "sub").mkdir()
    (src / "sub" / "appspec.yml").write_text("version: 0.0\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BundleError) as caught:
        build_bundle(Path("src"), tmp_path / "out.zip")
    assert str(caught.value) == f"{src}/appspec.yml was not found"
    assert not (tmp_path / "out.zip").exists()
    assert os.listdir(tmp_path) == ["src"]


def test_bundle_contents_sorted_deflated_with_info(source: Path, tmp_path: Path) -> None:
    info = build_bundle(source, tmp_path / "out" / "bundle.zip")
    assert info.path == tmp_path / "out" / "bundle.zip"
    assert info.sha256 == hashlib.sha256(info.path.read_bytes()).hexdigest()
    assert info.size == info.path.stat().st_size
    assert info.entries == (".env", ".git/", ".git/HEAD", "appspec.yml", "empty/", "index.html", "scripts/",
                            "scripts/start.sh")
    with zipfile.ZipFile(info.path) as zf:
        assert [i.filename for i in zf.infolist()] == list(info.entries)
        assert zf.read("appspec.yml") == b"version: 0.0\nos: linux\n"
        assert zf.getinfo("index.html").compress_type == zipfile.ZIP_DEFLATED
        assert zf.getinfo("index.html").compress_size < zf.getinfo("index.html").file_size
        assert stat.S_IMODE(_unix_mode(zf.getinfo("scripts/start.sh"))) == 0o755
        assert stat.S_ISDIR(_unix_mode(zf.getinfo("scripts/")))


def test_hidden_files_are_included_unless_ignored(source: Path, tmp_path: Path) -> None:
    kept = build_bundle(source, tmp_path / "all.zip")
    assert ".env" in kept.entries and ".git/HEAD" in kept.entries
    dropped = build_bundle(source, tmp_path / "visible.zip", ignore_hidden=True)
    assert not [name for name in dropped.entries if any(part.startswith(".") for part in name.split("/"))]
    assert "scripts/start.sh" in dropped.entries


def test_symlinks_are_stored_as_symlinks(source: Path, tmp_path: Path) -> None:
    os.symlink("scripts/start.sh", source / "start")
    os.symlink("scripts", source / "bin")
    os.symlink("/etc/passwd", source / "outside")
    info = build_bundle(source, tmp_path / "b.zip")
    assert {"start", "bin", "outside"} <= set(info.entries)
    assert "bin/start.sh" not in info.entries and "bin/" not in info.entries
    with zipfile.ZipFile(info.path) as zf:
        for name, target in (("start", b"scripts/start.sh"), ("bin", b"scripts"), ("outside", b"/etc/passwd")):
            assert stat.S_ISLNK(_unix_mode(zf.getinfo(name))), name
            assert zf.read(name) == target


def test_output_inside_the_source_is_never_included(source: Path) -> None:
    output = source / "dist" / "bundle.zip"
    first = build_bundle(source, output)
    assert "dist/bundle.zip" not in first.entries
    assert "dist/" in first.entries
    second = build_bundle(source, output)
    assert "dist/bundle.zip" not in second.entries
    assert not [name for name in second.entries if "partial" in name]
    assert sorted(os.listdir(source / "dist")) == ["bundle.zip"]


def test_round_trip_build_then_unpack_gives_the_same_tree(source: Path, tmp_path: Path) -> None:
    os.symlink("scripts/start.sh", source / "start")
    (source / "scripts" / "private.key").write_text("k")
    (source / "scripts" / "private.key").chmod(0o600)
    (source / "scripts").chmod(0o750)
    info = build_bundle(source, tmp_path / "b.zip")
    dest = tmp_path / "unpacked"
    unpack(info.path, "zip", dest)
    assert tree(dest) == tree(source)
    assert (dest / "start").read_text() == "#!/bin/sh\necho start\n"


def test_special_files_cannot_be_bundled(source: Path, tmp_path: Path) -> None:
    os.mkfifo(source / "pipe")
    with pytest.raises(BundleError, match=f"{source}/pipe cannot be bundled"):
        build_bundle(source, tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()


def test_source_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=f"{tmp_path}/nope is not a directory"):
        build_bundle(tmp_path / "nope", tmp_path / "b.zip")

"""Fetching local revisions (file and directory) and parsing revision locations."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from deployq.bundle import LocalLocation, S3Location, fetch, parse_location
from deployq.errors import BundleError
from tests.bundle.archives import tree


def test_local_file_is_copied(tmp_path: Path) -> None:
    source = tmp_path / "release.tar.gz"
    source.write_bytes(b"archive bytes")
    got = fetch({"revisionType": "Local", "localLocation": {"path": str(source)}}, tmp_path / "work")
    assert got.bundle_type == "tgz"
    assert got.path == tmp_path / "work" / "bundle.tgz"
    assert got.path.read_bytes() == b"archive bytes"
    assert got.sha256 == hashlib.sha256(b"archive bytes").hexdigest()
    source.write_bytes(b"changed later")
    assert got.path.read_bytes() == b"archive bytes"


def test_local_directory_is_copied_with_symlinks(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "scripts").mkdir(parents=True)
    (source / "appspec.yml").write_text("version: 0.0\n")
    (source / "scripts" / "run.sh").write_text("run")
    (source / "scripts" / "run.sh").chmod(0o755)
    os.symlink("scripts/run.sh", source / "run")
    location = {"revisionType": "Local", "localLocation": {"path": str(source), "bundleType": "directory"}}
    got = fetch(location, tmp_path / "work")
    assert got.bundle_type == "directory"
    assert got.path == tmp_path / "work" / "bundle"
    assert tree(got.path) == tree(source)
    assert os.readlink(got.path / "run") == "scripts/run.sh"
    again = fetch(location, tmp_path / "work")
    assert again.sha256 == got.sha256


def test_local_errors_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.zip"
    with pytest.raises(BundleError, match=f"local revision {missing} was not found"):
        fetch({"revisionType": "Local", "localLocation": {"path": str(missing)}}, tmp_path / "w")
    with pytest.raises(BundleError, match=f"local revision {tmp_path} is a directory, not a zip bundle"):
        fetch({"revisionType": "Local", "localLocation": {"path": str(tmp_path), "bundleType": "zip"}}, tmp_path / "w")


def test_parse_location() -> None:
    s3 = parse_location({"revisionType": "S3", "s3Location": {"bucket": "b", "key": "a/app.ZIP", "eTag": "e"}})
    assert s3 == S3Location("b", "a/app.ZIP", "zip", None, "e")
    assert parse_location({"revisionType": "S3", "s3Location": {"bucket": "b", "key": "k", "bundleType": "TGZ"}}
                          ).bundle_type == "tgz"  # type: ignore[union-attr]
    assert parse_location({"revisionType": "local", "localLocation": {"path": "/x"}}) == LocalLocation(Path("/x"))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"revisionType": "S3", "s3Location": {"key": "k"}}, "s3Location.bucket is required"),
        ({"revisionType": "S3"}, "s3Location is required"),
        ({"revisionType": "String", "string": {}}, "has no bundle to fetch"),
        ({"revisionType": "FTP"}, "unknown revisionType 'FTP'"),
        ({}, "revisionType is required"),
        ({"revisionType": "deployq", "deployqLocation": {"url": "http://x/b", "sha256": "zz"}}, "not a SHA-256"),
    ]
    for data, phrase in cases:
        with pytest.raises(BundleError, match=phrase):
            parse_location(data)

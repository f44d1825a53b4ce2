"""Fetching S3 revisions from a real moto_server: by key, by version, with the ETag check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from deployq.bundle import Fetcher, fetch, unpack
from deployq.errors import BundleError
from tests.bundle.archives import file, make_zip
from tests.bundle.conftest import S3


def _location(s3: S3, key: str, **extra: str) -> dict[str, object]:
    return {"revisionType": "S3", "s3Location": {"bucket": s3.bucket, "key": key, "bundleType": "zip", **extra}}


def _put(s3: S3, key: str, body: bytes) -> dict[str, str]:
    response = s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body)
    return {"etag": response["ETag"].strip('"'), "version": response.get("VersionId", "")}


def test_fetch_by_key_then_unpack(s3: S3, tmp_path: Path) -> None:
    entries = [file("appspec.yml", "version: 0.0\n"), file("index.html", "hi")]
    body = make_zip(tmp_path / "app.zip", entries).read_bytes()
    put = _put(s3, "apps/web.zip", body)
    got = fetch(_location(s3, "apps/web.zip"), tmp_path / "work", s3.options())
    assert got.path == tmp_path / "work" / "bundle.zip"
    assert got.path.read_bytes() == body
    assert got.sha256 == hashlib.sha256(body).hexdigest()
    assert got.bundle_type == "zip"
    assert got.etag == put["etag"]
    assert got.commit is None
    unpack(got.path, got.bundle_type, tmp_path / "archive")
    assert (tmp_path / "archive" / "index.html").read_text() == "hi"


def test_fetch_an_older_version(s3: S3, tmp_path: Path) -> None:
    s3.client.put_bucket_versioning(Bucket=s3.bucket, VersioningConfiguration={"Status": "Enabled"})
    old = _put(s3, "web.tgz", b"first version")
    new = _put(s3, "web.tgz", b"second version")
    assert old["version"] and new["version"] and old["version"] != new["version"]
    fetcher = Fetcher(s3.options())
    location = {"revisionType": "S3", "s3Location": {"bucket": s3.bucket, "key": "web.tgz", "version": old["version"]}}
    got = fetcher.fetch(location, tmp_path / "old")
    assert got.path.read_bytes() == b"first version"
    assert got.version == old["version"]
    assert got.bundle_type == "tgz"
    latest = fetcher.fetch(_location(s3, "web.tgz"), tmp_path / "new")
    assert latest.path.read_bytes() == b"second version"
    assert latest.version == new["version"]


def test_etag_must_match(s3: S3, tmp_path: Path) -> None:
    put = _put(s3, "web.zip", b"payload")
    got = fetch(_location(s3, "web.zip", eTag=f'"{put["etag"]}"'), tmp_path / "ok", s3.options())
    assert got.path.read_bytes() == b"payload"
    with pytest.raises(BundleError) as caught:
        fetch(_location(s3, "web.zip", eTag="0123abcd"), tmp_path / "bad", s3.options())
    assert str(caught.value).startswith(
        f"Expected deployment artifact bundle etag 0123abcd but was actually {put['etag']}")
    assert f"s3://{s3.bucket}/web.zip" in str(caught.value)
    assert not (tmp_path / "bad" / "bundle.zip").exists()


def test_missing_key_bucket_and_version(s3: S3, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=rf"s3://{s3.bucket}/nope\.zip was not found \(NoSuchKey\)"):
        fetch(_location(s3, "nope.zip"), tmp_path, s3.options())
    with pytest.raises(BundleError, match=r"bucket no-such-bucket-xyz of s3://no-such-bucket-xyz/a\.zip does not"):
        fetch({"revisionType": "S3", "s3Location": {"bucket": "no-such-bucket-xyz", "key": "a.zip"}}, tmp_path,
              s3.options())
    s3.client.put_bucket_versioning(Bucket=s3.bucket, VersioningConfiguration={"Status": "Enabled"})
    _put(s3, "v.zip", b"x")
    version = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    with pytest.raises(BundleError) as caught:
        fetch(_location(s3, "v.zip", version=version), tmp_path, s3.options())
    assert str(caught.value).startswith(f"version {version} of s3://{s3.bucket}/v.zip was not found")
    assert list(tmp_path.iterdir()) == []


def test_unreachable_endpoint_is_retried_then_named(aws_env: None, tmp_path: Path) -> None:
    from deployq.bundle import FetchOptions
    from deployq.embedded import free_port

    options = FetchOptions(s3_endpoint_url=f"http://127.0.0.1:{free_port()}", retries=2, retry_delay=0,
                           http_timeout=2, s3_max_attempts=1)
    with pytest.raises(BundleError, match=r"cannot get s3://b/k\.zip"):
        fetch({"revisionType": "S3", "s3Location": {"bucket": "b", "key": "k.zip"}}, tmp_path, options)

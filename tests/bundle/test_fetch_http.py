"""Fetching from deployq's store over a real HTTP server: checksum, errors, bearer token, retries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from deployq.bundle import FetchOptions, fetch
from deployq.errors import BundleError
from tests.bundle.conftest import Web

BODY = b"bundle bytes " * 1000
SHA = hashlib.sha256(BODY).hexdigest()
FAST = FetchOptions(retry_delay=0, retry_max_delay=0, http_timeout=10)


def _location(url: str, sha256: str | None = SHA, bundle_type: str = "tgz") -> dict[str, object]:
    spec: dict[str, str] = {"url": url, "bundleType": bundle_type}
    if sha256:
        spec["sha256"] = sha256
    return {"revisionType": "deployq", "deployqLocation": spec}


def test_good_checksum(web: Web, tmp_path: Path) -> None:
    (web.root / "b.tgz").write_bytes(BODY)
    got = fetch(_location(f"{web.url}/b.tgz"), tmp_path, FAST)
    assert got.path == tmp_path / "bundle.tgz"
    assert got.path.read_bytes() == BODY
    assert got.sha256 == SHA and got.bundle_type == "tgz"


def test_wrong_checksum(web: Web, tmp_path: Path) -> None:
    (web.root / "b.tgz").write_bytes(BODY)
    wrong = "f" * 64
    with pytest.raises(BundleError) as caught:
        fetch(_location(f"{web.url}/b.tgz", wrong), tmp_path / "work", FAST)
    assert str(caught.value) == f"checksum mismatch for {web.url}/b.tgz: expected {wrong}, got {SHA}"
    assert list((tmp_path / "work").iterdir()) == []


def test_not_found_names_url_and_status(web: Web, tmp_path: Path) -> None:
    with pytest.raises(BundleError) as caught:
        fetch(_location(f"{web.url}/missing.tgz"), tmp_path, FAST)
    assert f"{web.url}/missing.tgz" in str(caught.value)
    assert "HTTP 404" in str(caught.value)
    assert len(web.requests) == 1, "a 404 is not retried"


def test_bearer_token_is_sent_but_never_shown_or_redirected(web: Web, tmp_path: Path) -> None:
    (web.root / "b.tgz").write_bytes(BODY)
    options = FetchOptions(bearer_token="s3cr3t-token", retry_delay=0)
    assert "s3cr3t-token" not in repr(options)
    fetch(_location(f"{web.url}/b.tgz"), tmp_path / "direct", options)
    assert web.requests[-1][1]["Authorization"] == "Bearer s3cr3t-token"
    fetch(_location(f"{web.url}/redirect/b.tgz"), tmp_path / "redirected", options)
    assert web.requests[-2][0] == "/redirect/b.tgz" and web.requests[-2][1]["Authorization"] == "Bearer s3cr3t-token"
    assert web.requests[-1][0] == "/b.tgz" and "Authorization" not in web.requests[-1][1]
    fetch(_location(f"{web.url}/b.tgz"), tmp_path / "anonymous", FAST)
    assert "Authorization" not in web.requests[-1][1]


def test_transient_errors_are_retried_a_bounded_number_of_times(web: Web, tmp_path: Path) -> None:
    (web.root / "b.tgz").write_bytes(BODY)
    got = fetch(_location(f"{web.url}/flaky/2/b.tgz"), tmp_path / "ok", FAST)
    assert got.sha256 == SHA
    assert web.hits["/flaky/2/b.tgz"] == 3
    with pytest.raises(BundleError, match=rf"GET {web.url}/flaky/9/b.tgz failed: HTTP 503"):
        fetch(_location(f"{web.url}/flaky/9/b.tgz"), tmp_path / "bad", FAST)
    assert web.hits["/flaky/9/b.tgz"] == 3


def test_without_checksum_and_other_schemes(web: Web, tmp_path: Path) -> None:
    (web.root / "b.zip").write_bytes(BODY)
    got = fetch(_location(f"{web.url}/b.zip", None, ""), tmp_path, FAST)
    assert got.bundle_type == "zip" and got.sha256 == SHA
    with pytest.raises(BundleError, match="only http and https"):
        fetch(_location(f"file://{web.root}/b.zip"), tmp_path, FAST)
    with pytest.raises(BundleError, match=r"https://user:\*\*\*@127.0.0.1:1/x.tgz"):
        fetch(_location("https://user:pw@127.0.0.1:1/x.tgz"), tmp_path, FetchOptions(retries=1, http_timeout=2))

"""Revision locations in CodeDeploy's JSON shape, parsed into typed objects.

* ``{"revisionType": "S3", "s3Location": {"bucket", "key", "bundleType", "version", "eTag"}}``
* ``{"revisionType": "GitHub", "gitHubLocation": {"repository": "account/repo", "commitId"}}``
* ``{"revisionType": "deployq", "deployqLocation": {"url", "sha256", "bundleType"}}`` (deployq's store)
* ``{"revisionType": "Local", "localLocation": {"path", "bundleType": "zip|tar|tgz|directory"}}``

A missing ``bundleType`` is taken from the name (``.zip``, ``.tgz``/``.tar.gz``, else ``tar``, as the
agent reads an unknown type as tar); ``revisionType`` is matched case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployq.config.settings import redact_url
from deployq.errors import BundleError

ZIP, TAR, TGZ, DIRECTORY = "zip", "tar", "tgz", "directory"
_KNOWN = {ZIP, TAR, TGZ, DIRECTORY}
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_COMMIT = re.compile(r"^[0-9a-fA-F]{4,64}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str
    bundle_type: str
    version: str | None = None
    etag: str | None = None

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class GitHubLocation:
    repository: str
    commit: str

    def __str__(self) -> str:
        return f"{self.repository}@{self.commit}"


@dataclass(frozen=True)
class DeployqLocation:
    url: str
    bundle_type: str
    sha256: str | None = None

    def __str__(self) -> str:
        return redact_url(self.url)


@dataclass(frozen=True)
class LocalLocation:
    path: Path
    bundle_type: str | None = None

    def __str__(self) -> str:
        return str(self.path)


Location = S3Location | GitHubLocation | DeployqLocation | LocalLocation
LOCATION_TYPES = (S3Location, GitHubLocation, DeployqLocation, LocalLocation)


def bundle_type_for(declared: str | None, name: str) -> str:
    """The bundle type: ``declared`` (lower-cased when it is one deployq knows), else guessed from ``name``."""
    if declared:
        return declared.lower() if declared.lower() in _KNOWN else declared
    lowered = name.lower().split("?", 1)[0]
    if lowered.endswith(".zip"):
        return ZIP
    if lowered.endswith((".tgz", ".tar.gz")):
        return TGZ
    return TAR


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    section = data.get(key)
    if not isinstance(section, Mapping):
        raise BundleError(f"revision location: {key} is required for revisionType {data.get('revisionType')}")
    return section


def _text(section: Mapping[str, Any], where: str, key: str, *, required: bool = True) -> str | None:
    value = section.get(key)
    if value is None or value == "":
        if required:
            raise BundleError(f"revision location: {where}.{key} is required")
        return None
    if not isinstance(value, str):
        raise BundleError(f"revision location: {where}.{key} must be a string, not {type(value).__name__}")
    return value


def _required(section: Mapping[str, Any], where: str, key: str) -> str:
    value = _text(section, where, key)
    assert value is not None
    return value


def parse_location(data: Mapping[str, Any]) -> Location:
    """A typed location from CodeDeploy's JSON shape; raises :class:`BundleError` naming the bad field."""
    if not isinstance(data, Mapping):
        raise BundleError(f"revision location must be an object, not {type(data).__name__}")
    kind = data.get("revisionType")
    if not isinstance(kind, str):
        raise BundleError("revision location: revisionType is required")
    lowered = kind.lower()
    if lowered == "s3":
        s3 = _section(data, "s3Location")
        key = _required(s3, "s3Location", "key")
        return S3Location(
            bucket=_required(s3, "s3Location", "bucket"),
            key=key,
            bundle_type=bundle_type_for(_text(s3, "s3Location", "bundleType", required=False), key),
            version=_text(s3, "s3Location", "version", required=False),
            etag=_text(s3, "s3Location", "eTag", required=False),
        )
    if lowered == "github":
        gh = _section(data, "gitHubLocation")
        repository = _required(gh, "gitHubLocation", "repository")
        commit = _required(gh, "gitHubLocation", "commitId")
        if not _REPOSITORY.match(repository) or any(part in (".", "..") for part in repository.split("/")):
            raise BundleError(f"revision location: gitHubLocation.repository {repository!r} is not account/repository")
        if not _COMMIT.match(commit):
            raise BundleError(f"revision location: gitHubLocation.commitId {commit!r} of repository {repository} "
                              "is not a commit id")
        return GitHubLocation(repository, commit.lower())
    if lowered == "deployq":
        dq = _section(data, "deployqLocation")
        url = _required(dq, "deployqLocation", "url")
        sha256 = _text(dq, "deployqLocation", "sha256", required=False)
        if sha256 is not None and not _SHA256.match(sha256):
            raise BundleError(f"revision location: deployqLocation.sha256 of {url} is not a SHA-256 hex digest")
        return DeployqLocation(url, bundle_type_for(_text(dq, "deployqLocation", "bundleType", required=False), url),
                               sha256.lower() if sha256 else None)
    if lowered == "local":
        local = _section(data, "localLocation")
        declared = _text(local, "localLocation", "bundleType", required=False)
        return LocalLocation(Path(_required(local, "localLocation", "path")), declared.lower() if declared else None)
    if lowered in ("string", "appspeccontent"):
        raise BundleError(f"revisionType {kind} carries its appspec inline; it has no bundle to fetch")
    raise BundleError(f"unknown revisionType {kind!r} (expected S3, GitHub, deployq or Local)")

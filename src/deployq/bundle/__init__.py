"""``deployq.bundle``: revision bundles — build, fetch, unpack.

* :func:`build_bundle` — zip a source directory as ``aws deploy push`` does (appspec.yml required).
* :func:`fetch` / :class:`Fetcher` — get a revision (S3, GitHub-style git, deployq's HTTP store, local
  file or directory) into a work directory, as a :class:`FetchedBundle`.
* :func:`unpack` — extract a zip, tar, tgz or directory bundle safely, with the leading-directory rule.

Every failure is a :class:`deployq.errors.BundleError` whose message names the entry, file or URL.
"""

from __future__ import annotations

from deployq.bundle.archive import DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_RATIO, unpack
from deployq.bundle.builder import APPSPEC_NAME, BundleInfo, build_bundle
from deployq.bundle.fetch import Fetcher, bundle_file_name, fetch
from deployq.bundle.fetched import FetchedBundle
from deployq.bundle.location import (
    DeployqLocation,
    GitHubLocation,
    LocalLocation,
    Location,
    S3Location,
    bundle_type_for,
    parse_location,
)
from deployq.bundle.options import FetchOptions

__all__ = [
    "APPSPEC_NAME",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_MAX_RATIO",
    "BundleInfo",
    "DeployqLocation",
    "FetchOptions",
    "FetchedBundle",
    "Fetcher",
    "GitHubLocation",
    "LocalLocation",
    "Location",
    "S3Location",
    "build_bundle",
    "bundle_file_name",
    "bundle_type_for",
    "fetch",
    "parse_location",
    "unpack",
]

"""Fetching a revision to local disk, whatever its location (S3, GitHub-style git, deployq's store, local).

:class:`Fetcher` holds the :class:`FetchOptions` and an S3 client made on first use (thread-safe);
:func:`fetch` is the one-shot form. A bundle file lands in ``workdir/bundle.<type>``, a directory
bundle (git, local directory) in ``workdir/bundle``; either replaces what was there, atomically.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deployq.bundle.fetched import FetchedBundle
from deployq.bundle.git import fetch_git
from deployq.bundle.local import fetch_local
from deployq.bundle.location import (
    LOCATION_TYPES,
    TAR,
    DeployqLocation,
    GitHubLocation,
    LocalLocation,
    Location,
    S3Location,
    bundle_type_for,
    parse_location,
)
from deployq.bundle.options import FetchOptions
from deployq.bundle.s3 import fetch_s3, make_client
from deployq.bundle.web import fetch_url

log = logging.getLogger(__name__)
_SUFFIXES = {"zip": "zip", "tar": "tar", "tgz": "tgz", "yaml": "yaml", "json": "json"}


def bundle_file_name(bundle_type: str) -> str:
    """``bundle.<type>`` for the types deployq knows, else ``bundle.tar`` (the agent's name for any bundle)."""
    return f"bundle.{_SUFFIXES.get(bundle_type.lower(), TAR)}"


class Fetcher:
    """Fetches revisions with one set of options."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options if options is not None else FetchOptions()
        self._s3: Any = None
        self._lock = threading.Lock()

    def s3_client(self) -> Any:
        with self._lock:
            if self._s3 is None:
                self._s3 = make_client(self.options)
            return self._s3

    def fetch(self, location: Mapping[str, Any] | Location, workdir: Path) -> FetchedBundle:
        """Fetch ``location`` (CodeDeploy's JSON shape or a parsed location) into ``workdir``."""
        parsed = location if isinstance(location, LOCATION_TYPES) else parse_location(location)
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        result = self._fetch(parsed, workdir)
        log.info("fetched %s to %s (%s, sha256 %s)", parsed, result.path, result.bundle_type, result.sha256)
        return result

    def _fetch(self, location: Location, workdir: Path) -> FetchedBundle:
        if isinstance(location, S3Location):
            return fetch_s3(location, workdir / bundle_file_name(location.bundle_type), self.s3_client(), self.options)
        if isinstance(location, GitHubLocation):
            return fetch_git(location, workdir / "bundle", self.options)
        if isinstance(location, DeployqLocation):
            return fetch_url(location, workdir / bundle_file_name(location.bundle_type), self.options)
        if isinstance(location, LocalLocation):
            name = bundle_file_name(bundle_type_for(location.bundle_type, location.path.name))
            return fetch_local(location, workdir, name)
        raise AssertionError(f"unhandled location {location!r}")


def fetch(location: Mapping[str, Any] | Location, workdir: Path, options: FetchOptions | None = None) -> FetchedBundle:
    """Fetch ``location`` into ``workdir`` with ``options`` (defaults: AWS S3, github.com, 3 tries)."""
    return Fetcher(options).fetch(location, workdir)

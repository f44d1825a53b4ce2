"""The result of fetching a revision."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FetchedBundle:
    """A revision on local disk: a bundle file, or a directory when ``bundle_type`` is ``directory``.

    ``sha256`` is the file's digest (for a directory, :func:`deployq.bundle.digest.tree_sha256`);
    ``etag`` and ``version`` come from S3 (``etag`` also from HTTP), ``commit`` is the full commit id
    of a git revision.
    """

    path: Path
    bundle_type: str
    sha256: str
    etag: str | None = None
    version: str | None = None
    commit: str | None = None

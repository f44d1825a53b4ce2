"""Settings of the :class:`~deployq.bundle.fetch.Fetcher`."""

from __future__ import annotations

from dataclasses import dataclass, field

from deployq.errors import BundleError


@dataclass(frozen=True)
class FetchOptions:
    """How revisions are fetched.

    ``s3_endpoint_url`` points boto3 at another S3 (MinIO, moto; path-style addressing is then used);
    credentials come from boto3's usual chain. ``git_base_url`` is joined with ``account/repo`` of a
    GitHub revision (a URL or a local directory). ``retries`` is the number of tries of a download
    that failed for a transient reason (network, 5xx, throttling), with delays starting at
    ``retry_delay`` and doubling up to ``retry_max_delay``. ``bearer_token`` is sent to the deployq
    store as ``Authorization: Bearer …``; it is never logged or shown in ``repr``.
    """

    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    git_base_url: str = "https://github.com"
    http_timeout: float = 60.0
    retries: int = 3
    retry_delay: float = 1.0
    retry_max_delay: float = 10.0
    bearer_token: str | None = field(default=None, repr=False)
    git_binary: str = "git"
    git_timeout: float = 600.0
    #: Tries boto3 makes itself for one request (its "standard" retry mode), under ``retries``.
    s3_max_attempts: int = 2

    def __post_init__(self) -> None:
        if self.retries < 1:
            raise BundleError(f"retries must be at least 1, not {self.retries}")
        if self.http_timeout <= 0 or self.git_timeout <= 0:
            raise BundleError("http_timeout and git_timeout must be positive")
        if self.retry_delay < 0 or self.retry_max_delay < 0:
            raise BundleError("retry_delay and retry_max_delay must not be negative")
        if self.s3_max_attempts < 1:
            raise BundleError(f"s3_max_attempts must be at least 1, not {self.s3_max_attempts}")

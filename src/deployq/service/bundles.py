"""deployq's own revision store: bundles uploaded through the API, kept by content (sha256), fetched
by agents through signed, expiring links (like S3 presigned URLs), so hosts need no credential.

A stored bundle is registered as an S3 revision in the virtual bucket ``DEPLOYQ_BUNDLE_BUCKET``
(``deployq``), so the CodeDeploy face and the aws CLI can name it:
``--s3-location bucket=deployq,key=<application>/<sha256>.zip,bundleType=zip``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from deployq.appspec import load_appspec_file
from deployq.bundle import unpack
from deployq.config.settings import Settings
from deployq.errors import BundleError, InvalidInputError

LINK_LIFETIME = 6 * 3600
TYPES = ("zip", "tar", "tgz")


def bundle_secret(settings: Settings) -> bytes:
    if settings.bundle_secret:
        return settings.bundle_secret.encode()
    path = settings.data_dir / "bundle-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


class BundleStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.data_dir / "bundles"

    def _signature(self, key: str, expires: int) -> str:
        return hmac.new(bundle_secret(self.settings), f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def path(self, key: str) -> Path:
        parts = key.split("/")
        if len(parts) != 2 or any(p in ("", ".", "..") for p in parts) or "\\" in key:
            raise InvalidInputError(f"{key!r} is not a bundle key (<application>/<sha256>.<type>)")
        return self.root / parts[0] / parts[1]

    def save(self, application: str, data: bytes, bundle_type: str) -> dict[str, Any]:
        """Check the bundle (a safe archive with an appspec at its root), store it, return its location."""
        if bundle_type not in TYPES:
            raise InvalidInputError(f"bundleType must be one of {', '.join(TYPES)}, not {bundle_type!r}")
        digest = hashlib.sha256(data).hexdigest()
        key = f"{application}/{digest}.{bundle_type}"
        target = self.path(key)
        with tempfile.TemporaryDirectory(prefix="deployq-upload-") as tmp:
            archive = Path(tmp) / f"bundle.{bundle_type}"
            archive.write_bytes(data)
            try:
                unpack(archive, bundle_type, Path(tmp) / "archive")
                load_appspec_file(Path(tmp) / "archive")
            except BundleError as exc:
                raise InvalidInputError(f"The bundle is not a valid revision: {exc}",
                                        aws_code="InvalidRevisionException") from None
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.replace(archive, target)
        return {"revisionType": "S3", "s3Location": {"bucket": self.settings.bundle_bucket, "key": key,
                                                     "bundleType": bundle_type, "eTag": digest}}

    def signed_url(self, key: str, now: float | None = None) -> str:
        expires = int((now or time.time()) + LINK_LIFETIME)
        query = urlencode({"expires": expires, "signature": self._signature(key, expires)})
        return f"{self.settings.public_url.rstrip('/')}/api/v1/bundles/{key}?{query}"

    def link_is_valid(self, key: str, expires: int, signature: str, now: float | None = None) -> bool:
        return expires >= (now or time.time()) and hmac.compare_digest(self._signature(key, expires).encode(),
                                                                       signature.encode("utf-8", "replace"))

    def for_agents(self, revision: dict[str, Any]) -> dict[str, Any]:
        """The revision as agents fetch it: a store bundle becomes a signed link with its sha256."""
        s3 = revision.get("s3Location") or {}
        if revision.get("revisionType") != "S3" or s3.get("bucket") != self.settings.bundle_bucket:
            return revision
        key = str(s3.get("key", ""))
        digest = key.rsplit("/", 1)[-1].split(".", 1)[0]
        return {"revisionType": "deployq", "deployqLocation": {
            "url": self.signed_url(key), "sha256": digest, "bundleType": s3.get("bundleType") or "zip"}}

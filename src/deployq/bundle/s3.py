"""Fetching an S3 revision with boto3 (reference §5: GetObject, VersionId, ETag check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

from deployq.bundle.digest import copy_hashed
from deployq.bundle.fetched import FetchedBundle
from deployq.bundle.fs import atomic_file
from deployq.bundle.location import S3Location
from deployq.bundle.options import FetchOptions
from deployq.bundle.retry import Transient, retrying
from deployq.errors import BundleError

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_DENIED = {"AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
_TRANSIENT = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
              "InternalError", "ServiceUnavailable", "503", "500", "502", "504"}


def make_client(options: FetchOptions) -> Any:
    """An S3 client: the configured endpoint, boto3's credential chain, few retries of its own."""
    settings: dict[str, Any] = {
        "retries": {"max_attempts": options.s3_max_attempts, "mode": "standard"},
        "connect_timeout": options.http_timeout,
        "read_timeout": options.http_timeout,
    }
    if options.s3_endpoint_url:
        settings["s3"] = {"addressing_style": "path"}
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=options.s3_endpoint_url, region_name=options.s3_region,
                          config=Config(**settings))


def _client_error(exc: ClientError, location: S3Location) -> BundleError | Transient:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", "")) or code
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    uri = str(location)
    if code == "NoSuchVersion" or (location.version and code == "InvalidArgument"):
        return BundleError(f"version {location.version} of {uri} was not found ({code})")
    if code in _NOT_FOUND:
        return BundleError(f"{uri} was not found (NoSuchKey)")
    if code == "NoSuchBucket":
        return BundleError(f"bucket {location.bucket} of {uri} does not exist (NoSuchBucket)")
    if code in _DENIED:
        return BundleError(f"access to {uri} was denied ({code}: {message})")
    failure = BundleError(f"cannot get {uri}: {code}: {message}")
    if code in _TRANSIENT or status >= 500:
        return Transient(failure)
    return failure


def fetch_s3(location: S3Location, target: Path, client: Any, options: FetchOptions) -> FetchedBundle:
    """Download ``location`` to ``target`` (replaced atomically)."""
    uri = str(location)

    def attempt() -> FetchedBundle:
        params = {"Bucket": location.bucket, "Key": location.key}
        if location.version:
            params["VersionId"] = location.version
        try:
            response = client.get_object(**params)
        except ClientError as exc:
            raise _client_error(exc, location) from None
        except (NoCredentialsError, PartialCredentialsError) as exc:
            raise BundleError(f"cannot get {uri}: {exc}") from None
        except BotoCoreError as exc:
            raise Transient(BundleError(f"cannot get {uri}: {exc}")) from None
        body = response["Body"]
        actual = str(response.get("ETag", "")).strip('"')
        if location.etag is not None and location.etag.strip('"') != actual:
            body.close()
            raise BundleError(f"Expected deployment artifact bundle etag {location.etag.strip(chr(34))} "
                              f"but was actually {actual} ({uri})")
        try:
            with body, atomic_file(target) as out:
                sha256, _ = copy_hashed(body.read, out, target)
        except BotoCoreError as exc:
            raise Transient(BundleError(f"download of {uri} failed: {exc}")) from None
        version = response.get("VersionId")
        return FetchedBundle(target, location.bundle_type, sha256, etag=actual or None,
                             version=version if version and version != "null" else location.version)

    return retrying(attempt, tries=options.retries, delay=options.retry_delay, max_delay=options.retry_max_delay,
                    what=f"download of {uri}")

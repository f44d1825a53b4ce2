"""Fetching a revision from deployq's store over HTTP(S), with the standard library."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from deployq.bundle.digest import copy_hashed
from deployq.bundle.fetched import FetchedBundle
from deployq.bundle.fs import atomic_file
from deployq.bundle.location import DeployqLocation
from deployq.bundle.options import FetchOptions
from deployq.bundle.retry import Transient, retrying
from deployq.config.settings import redact_url
from deployq.errors import BundleError

USER_AGENT = "deployq-bundle-fetcher"
_RETRY_STATUS = {408, 425, 429}


def fetch_url(location: DeployqLocation, target: Path, options: FetchOptions) -> FetchedBundle:
    """GET ``location.url`` to ``target``, streaming, and check its SHA-256 when the location has one."""
    shown = redact_url(location.url)
    if urllib.parse.urlsplit(location.url).scheme.lower() not in ("http", "https"):
        raise BundleError(f"cannot fetch {shown}: only http and https URLs are supported")

    def attempt() -> FetchedBundle:
        request = urllib.request.Request(location.url, headers={"User-Agent": USER_AGENT})
        if options.bearer_token:
            # Unredirected: the token is not sent on to wherever a redirect points.
            request.add_unredirected_header("Authorization", f"Bearer {options.bearer_token}")
        try:
            with urllib.request.urlopen(request, timeout=options.http_timeout) as response, \
                    atomic_file(target) as out:
                sha256, size = copy_hashed(response.read, out, target)
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) != size:
                    raise Transient(BundleError(f"download of {shown} was cut short: {size} of {length} bytes"))
                etag = response.headers.get("ETag")
        except urllib.error.HTTPError as exc:
            error = BundleError(f"GET {shown} failed: HTTP {exc.code} {exc.reason}")
            exc.close()
            if exc.code >= 500 or exc.code in _RETRY_STATUS:
                raise Transient(error) from None
            raise error from None
        except urllib.error.URLError as exc:
            raise Transient(BundleError(f"GET {shown} failed: {exc.reason}")) from None
        except (http.client.HTTPException, TimeoutError, ConnectionError) as exc:
            raise Transient(BundleError(f"GET {shown} failed: {exc or type(exc).__name__}")) from None
        except OSError as exc:
            raise BundleError(f"cannot store {shown} in {target}: {exc.strerror or exc}") from None
        if location.sha256 is not None and sha256 != location.sha256:
            target.unlink(missing_ok=True)
            raise BundleError(f"checksum mismatch for {shown}: expected {location.sha256}, got {sha256}")
        return FetchedBundle(target, location.bundle_type, sha256, etag=etag.strip('"') if etag else None)

    return retrying(attempt, tries=options.retries, delay=options.retry_delay, max_delay=options.retry_max_delay,
                    what=f"download of {shown}")

"""The optional HTTP health check of a deployment group, run on each host of a batch that succeeded.

Configured on the group as ``health_check``::

    {"url": "http://{address}:{tags[port]}/health", "expected_status": 200, "retries": 3,
     "interval": 1.0, "timeout": 2.0}

The URL is a template: ``{name}`` is the instance name, ``{address}`` its ``address`` tag (else its
name), ``{tags[KEY]}`` any of its tags.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any


def check_url(template: str, name: str, tags: Mapping[str, str]) -> str:
    try:
        return template.format(name=name, address=tags.get("address", name), tags=dict(tags))
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"health check URL {template!r} cannot be filled for {name}: missing {exc}") from None


def run_health_check(config: Mapping[str, Any], name: str, tags: Mapping[str, str]) -> tuple[bool, str]:
    """(healthy, what was seen). Retries ``retries`` times, ``interval`` seconds apart."""
    try:
        url = check_url(str(config["url"]), name, tags)
    except ValueError as exc:
        return False, str(exc)
    expected = int(config.get("expected_status", 200))
    retries = max(1, int(config.get("retries", 3)))
    interval = float(config.get("interval", 1.0))
    timeout = float(config.get("timeout", 2.0))
    seen = ""
    for attempt in range(retries):
        if attempt:
            time.sleep(interval)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            seen = f"{url}: {getattr(exc, 'reason', exc)}"
            continue
        if status == expected:
            return True, f"{url} answered {status}"
        seen = f"{url} answered {status}, expected {expected}"
    return False, f"health check failed after {retries} tries: {seen}"

"""API credentials: AWS-style access keys (for the CodeDeploy face, SigV4) and bearer tokens (for the
native face), each optionally limited to some applications and to reading.

They live in a YAML file (``DEPLOYQ_CREDENTIALS_FILE``, default ``<data_dir>/credentials.yml``, mode
0600) that ``deployq up`` creates with one full-access credential on first start::

    - name: local-admin
      access_key_id: DQAK…
      secret_access_key: …
      token: dq_…
      applications: null      # or a list of application names
      read_only: false
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from deployq.errors import ConfigurationError


@dataclass(frozen=True)
class Credential:
    name: str
    access_key_id: str | None = None
    secret_access_key: str | None = None
    token: str | None = None
    applications: tuple[str, ...] | None = None
    read_only: bool = False

    def may_view(self, application: str) -> bool:
        return self.applications is None or application in self.applications

    def may_change(self, application: str | None) -> bool:
        """``application`` None: a resource of no application (configs, instances) needs full access."""
        if self.read_only:
            return False
        if application is None:
            return self.applications is None
        return self.may_view(application)

    def __repr__(self) -> str:  # secrets never in logs
        return f"Credential(name={self.name!r}, access_key_id={self.access_key_id!r}, read_only={self.read_only})"


def new_credential(name: str, *, applications: Iterable[str] | None = None, read_only: bool = False) -> Credential:
    return Credential(
        name=name,
        access_key_id="DQAK" + secrets.token_hex(8).upper(),
        secret_access_key=secrets.token_urlsafe(30),
        token="dq_" + secrets.token_urlsafe(30),
        applications=None if applications is None else tuple(applications),
        read_only=read_only,
    )


class Credentials:
    def __init__(self, items: Iterable[Credential]) -> None:
        self.items = list(items)
        self.by_key = {c.access_key_id: c for c in self.items if c.access_key_id}

    def by_access_key(self, access_key_id: str) -> Credential | None:
        return self.by_key.get(access_key_id)

    def by_token(self, token: str) -> Credential | None:
        for credential in self.items:
            if credential.token and hmac.compare_digest(credential.token.encode(), token.encode()):
                return credential
        return None


def _parse(path: Path, data: Any) -> list[Credential]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigurationError(f"{path}: expected a list of credentials")
    items = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise ConfigurationError(f"{path}: entry {index} needs at least a name")
        unknown = set(entry) - {f for f in Credential.__dataclass_fields__}
        if unknown:
            raise ConfigurationError(f"{path}: entry {index}: unknown key(s) {', '.join(sorted(unknown))}")
        apps = entry.get("applications")
        items.append(Credential(**{**entry, "applications": None if apps is None else tuple(apps)}))
    return items


def load_credentials(path: Path) -> Credentials:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return Credentials([])
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read the credentials file ({exc.strerror})") from None
    try:
        return Credentials(_parse(path, yaml.safe_load(text)))
    except yaml.YAMLError:
        raise ConfigurationError(f"{path}: the credentials file is not valid YAML") from None


def save_credentials(path: Path, items: Iterable[Credential]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = []
    for c in items:
        entry = asdict(c)
        entry["applications"] = None if c.applications is None else list(c.applications)
        data.append(entry)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    os.replace(tmp, path)


def ensure_local_credential(path: Path) -> Credential | None:
    """Create the file with one full-access credential when it has none; return it if created."""
    existing = load_credentials(path)
    if existing.items:
        return None
    credential = new_credential("local-admin")
    save_credentials(path, [credential])
    return credential

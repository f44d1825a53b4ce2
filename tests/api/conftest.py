"""A real `deployq server` process (with coordinator, beat and agents) and clients to talk to it."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from deployq.api.credentials import Credential, new_credential, save_credentials
from deployq.embedded import free_port
from tests.conftest import Processes
from tests.deployments import conftest as deployments
from tests.deployments.conftest import Fleet

#: the fleet fixtures of the deployment tests, shared
fleet_env = deployments.fleet_env
globals()["fleet"] = deployments.fleet  # the name pytest looks up; no shadowing in this module


class Api:
    def __init__(self, fleet: Fleet, port: int, credentials: dict[str, Credential]) -> None:
        self.fleet, self.port, self.credentials = fleet, port, credentials
        self.url = f"http://127.0.0.1:{port}"

    def client(self, who: str = "admin", **overrides: Any) -> Any:
        credential = self.credentials[who]
        return boto3.client(
            "codedeploy", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=overrides.get("key", credential.access_key_id),
            aws_secret_access_key=overrides.get("secret", credential.secret_access_key),
            config=Config(retries={"max_attempts": 1}),
        )

    def token(self, who: str = "admin") -> str:
        token = self.credentials[who].token
        assert token
        return token


@pytest.fixture
def api(tmp_path: Path, processes: Processes, fleet: Fleet) -> Iterator[Api]:
    credentials = {
        "admin": new_credential("admin"),
        "shop-only": new_credential("shop-only", applications=["shop"]),
        "reader": new_credential("reader", read_only=True),
    }
    path = tmp_path / "credentials.yml"
    save_credentials(path, credentials.values())
    fleet.env["DEPLOYQ_CREDENTIALS_FILE"] = str(path)
    port = free_port()
    processes.start("server", "server", "--port", str(port), env=fleet.env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield Api(fleet, port, credentials)


def zip_of(directory: Path) -> bytes:
    """A revision directory as zip bytes, modes kept."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(directory)))
                info.external_attr = (path.stat().st_mode & 0xFFFF) << 16
                zf.writestr(info, path.read_bytes())
    return buffer.getvalue()

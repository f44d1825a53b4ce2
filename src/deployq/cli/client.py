"""How the CLI reaches a deployq API: endpoint and credential from flags, environment or a file.

Precedence: ``--endpoint``/``--token`` flags, then ``DEPLOYQ_ENDPOINT``, ``DEPLOYQ_TOKEN``,
``DEPLOYQ_ACCESS_KEY_ID``/``DEPLOYQ_SECRET_ACCESS_KEY``, then the YAML file named by ``--config`` or
``DEPLOYQ_CLI_CONFIG`` (keys ``endpoint``, ``token``, ``access_key_id``, ``secret_access_key``), then
the first credential of the local credentials file that ``deployq up`` writes, with the endpoint
``http://127.0.0.1:8080``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from deployq.api.credentials import load_credentials
from deployq.config.settings import load_settings


class CliError(click.ClickException):
    """One line for the user, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


@dataclass(frozen=True)
class Connection:
    endpoint: str
    token: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None

    @classmethod
    def resolve(cls, endpoint: str | None, token: str | None, config: str | None) -> Connection:
        data: dict[str, Any] = {}
        path = config or os.environ.get("DEPLOYQ_CLI_CONFIG")
        if path:
            try:
                loaded = yaml.safe_load(Path(path).read_text())
            except (OSError, yaml.YAMLError) as exc:
                raise CliError(f"{path}: cannot read the CLI config ({exc})") from None
            if not isinstance(loaded, dict):
                raise CliError(f"{path}: expected a mapping with endpoint and token")
            data = loaded
        else:
            credentials = load_credentials(load_settings().credentials_path).items
            if credentials:
                first = credentials[0]
                data = {"token": first.token, "access_key_id": first.access_key_id,
                        "secret_access_key": first.secret_access_key}
        return cls(
            endpoint=(endpoint or os.environ.get("DEPLOYQ_ENDPOINT") or data.get("endpoint")
                      or "http://127.0.0.1:8080").rstrip("/"),
            token=token or os.environ.get("DEPLOYQ_TOKEN") or data.get("token"),
            access_key_id=os.environ.get("DEPLOYQ_ACCESS_KEY_ID") or data.get("access_key_id"),
            secret_access_key=os.environ.get("DEPLOYQ_SECRET_ACCESS_KEY") or data.get("secret_access_key"),
        )


class Api:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _request(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
                 params: dict[str, Any] | None = None) -> urllib.request.Request:
        if not self.connection.token:
            raise CliError("no credential: pass --token, set DEPLOYQ_TOKEN, or run `deployq up` here first")
        query = "?" + urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v is not None}) \
            if params else ""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Authorization": f"Bearer {self.connection.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return urllib.request.Request(self.connection.endpoint + path + query, data=data, method=method,
                                      headers=headers)

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
             params: dict[str, Any] | None = None) -> Any:
        request = self._request(method, path, body, raw, params)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise CliError(_describe(exc)) from None
        except urllib.error.URLError as exc:
            raise CliError(f"cannot reach {self.connection.endpoint}: {exc.reason} (is `deployq up` running?)") \
                from None

    def events(self, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Server-Sent Events of ``path`` as (event, data)."""
        request = self._request("GET", path)
        try:
            with urllib.request.urlopen(request, timeout=3600) as response:
                event = "message"
                for raw in response:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        yield event, json.loads(line[6:])
        except urllib.error.HTTPError as exc:
            raise CliError(_describe(exc)) from None
        except urllib.error.URLError as exc:
            raise CliError(f"cannot reach {self.connection.endpoint}: {exc.reason}") from None

    def codedeploy(self) -> Any:
        """boto3's codedeploy client pointed at deployq (CodeDeploy's own API for the CRUD commands)."""
        import boto3
        from botocore.config import Config

        if not (self.connection.access_key_id and self.connection.secret_access_key):
            raise CliError("no access key: run `deployq up` here first, set DEPLOYQ_ACCESS_KEY_ID and "
                           "DEPLOYQ_SECRET_ACCESS_KEY, or use a "
                           "config file with access_key_id and secret_access_key")
        return boto3.client("codedeploy", endpoint_url=self.connection.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.connection.access_key_id,
                            aws_secret_access_key=self.connection.secret_access_key,
                            config=Config(retries={"max_attempts": 1}))

    def aws(self, operation: str, **params: Any) -> Any:
        """Call one CodeDeploy operation; errors become one line."""
        from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError

        try:
            return getattr(self.codedeploy(), operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise CliError(f"{error.get('Code')}: {error.get('Message')}") from None
        except ParamValidationError as exc:
            raise CliError(str(exc).replace("\n", " ")) from None
        except EndpointConnectionError:
            raise CliError(f"cannot reach {self.connection.endpoint} (is `deployq up` running?)") from None


def _describe(exc: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(exc.read() or b"null")
    except ValueError:
        detail = None
    if isinstance(detail, dict):
        detail = detail.get("detail", detail)
    if isinstance(detail, dict) and "message" in detail:
        return f"{detail.get('error', exc.code)}: {detail['message']}"
    if isinstance(detail, list):  # validation errors
        return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail)
    return f"HTTP {exc.code}: {detail or exc.reason}"

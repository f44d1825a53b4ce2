"""What an operation handler gets: the stores, the services, and who is calling."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from deployq.api.credentials import Credential
from deployq.errors import DeployqError, InvalidInputError
from deployq.progress import ProgressStore
from deployq.service.deployments import DeploymentService
from deployq.store import Store

T = TypeVar("T")
PAGE = 100


class AccessDenied(DeployqError):
    aws_code = "AccessDeniedException"


@dataclass
class OpContext:
    store: Store
    progress: ProgressStore
    service: DeploymentService
    credential: Credential

    def check_view(self, application: str) -> None:
        if not self.credential.may_view(application):
            raise AccessDenied(f"{self.credential.name} is not allowed to access application {application}.")

    def check_change(self, application: str | None) -> None:
        if not self.credential.may_change(application):
            what = f"application {application}" if application else "resources shared by every application"
            kind = "read-only" if self.credential.read_only else "limited to other applications"
            raise AccessDenied(f"{self.credential.name} ({kind}) is not allowed to change {what}.")

    def application_of_deployment(self, deployment_id: str, *, change: bool = False) -> str:
        application = self.store.deployments.get(deployment_id).application_name
        (self.check_change if change else self.check_view)(application)
        return application


def page(items: Sequence[T], token: str | None, size: int = PAGE) -> tuple[list[T], str | None]:
    """Offset pagination behind an opaque nextToken."""
    start = 0
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()).decode())["offset"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInputError("The next token is invalid.", aws_code="InvalidNextTokenException") from None
    chunk = list(items[start:start + size])
    end = start + size
    nxt = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode() if end < len(items) else None
    return chunk, nxt


def required(params: dict[str, Any], name: str, code: str) -> Any:
    value = params.get(name)
    if value in (None, "", []):
        raise InvalidInputError(f"{name} is required.", aws_code=code)
    return value


Handler = Callable[[OpContext, dict[str, Any]], dict[str, Any]]

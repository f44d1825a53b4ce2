"""The deployment specification an agent receives with each lifecycle event.

It carries everything a host needs (the agent has no database access), in JSON, like CodeDeploy's
``DeploymentSpecification`` (reference §1.3).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from deployq.domain.enums import DeploymentCreator, DeploymentType, FileExistsBehavior


@dataclass(frozen=True)
class DeploymentSpec:
    deployment_id: str
    application_name: str
    deployment_group_name: str
    deployment_group_id: str
    #: CodeDeploy's RevisionLocation JSON (``revisionType`` plus its location).
    revision: dict[str, Any]
    creator: str = DeploymentCreator.USER.value
    deployment_type: str = DeploymentType.IN_PLACE.value
    #: The deployment's ``fileExistsBehavior``; the appspec's own value wins over it.
    file_exists_behavior: str | None = None
    ignore_application_stop_failures: bool = False

    @property
    def is_rollback(self) -> bool:
        return self.creator == DeploymentCreator.ROLLBACK.value

    @property
    def is_blue_green(self) -> bool:
        return self.deployment_type == DeploymentType.BLUE_GREEN.value

    @property
    def file_exists_override(self) -> FileExistsBehavior | None:
        return FileExistsBehavior(self.file_exists_behavior) if self.file_exists_behavior else None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeploymentSpec:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

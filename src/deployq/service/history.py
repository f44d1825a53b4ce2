"""Deployment history: which revision is on which host, and how a group has fared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployq.domain.enums import DeploymentStatus
from deployq.store import Store


@dataclass(frozen=True)
class GroupStats:
    deployments: int
    succeeded: int
    failed: int
    stopped: int
    last_successful_deployment_id: str | None
    last_attempted_deployment_id: str | None

    @property
    def success_rate(self) -> float | None:
        finished = self.succeeded + self.failed + self.stopped
        return None if finished == 0 else self.succeeded / finished


def host_revisions(store: Store, application: str, group: str) -> dict[str, dict[str, Any]]:
    """For each host the group deployed: its current revision (of its last successful deployment)
    and whether its last attempt failed."""
    grp = store.groups.get(application, group)
    return {
        host: {"revision": record.revision, "deployment_id": record.deployment_id,
               "since": record.updated_at, "last_status": record.last_status.value}
        for host, record in sorted(store.deployments.host_history(grp.id).items())
    }


def group_stats(store: Store, application: str, group: str) -> GroupStats:
    grp = store.groups.get(application, group)
    deployments = store.deployments.list(application=application, group=group)
    count = {s: sum(1 for d in deployments if d.status is s) for s in DeploymentStatus}
    return GroupStats(len(deployments), count[DeploymentStatus.SUCCEEDED], count[DeploymentStatus.FAILED],
                      count[DeploymentStatus.STOPPED], grp.last_successful_deployment_id,
                      grp.last_attempted_deployment_id)

"""Catch-up: a newly registered host gets the revision its deployment groups last deployed
successfully, as CodeDeploy treats a new Auto Scaling instance (creator ``autoscaling``)."""

from __future__ import annotations

from collections.abc import Mapping

from deployq.domain.enums import ComputePlatform, DeploymentCreator
from deployq.orchestration.targets import matches_group
from deployq.service.deployments import DeploymentRequest, DeploymentService


def catch_up(service: DeploymentService, name: str, tags: Mapping[str, str]) -> list[str]:
    """Start one deployment per group that selects the host and whose last successful revision the
    host does not have; return their ids."""
    store = service.store
    started = []
    for app in store.applications.list():
        if app.compute_platform is not ComputePlatform.SERVER:
            continue
        for group in store.groups.list(app.name):
            if not group.last_successful_deployment_id or not matches_group(dict(tags), group):
                continue
            last = store.deployments.get(group.last_successful_deployment_id)
            record = store.deployments.host_history(group.id).get(name)
            if record is not None and record.revision == last.revision:
                continue
            if any(d.target_hosts == (name,) for d in store.deployments.active(group.id)):
                continue
            deployment = service.create(DeploymentRequest(
                application=app.name, group=group.name, revision=last.revision,
                deployment_config_name=last.deployment_config_name,
                description=f"Catch-up of {name} to the revision of {last.id}",
                creator=DeploymentCreator.AUTOSCALING, when_busy="queue", target_hosts=(name,),
            ))
            started.append(deployment.id)
    return started

"""On-premises instances: agents register themselves through the coordinator (hosts hold no DB
credentials); a new host then catches up with its groups' last successful revision."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from deployq.coordinator.catchup import catch_up
from deployq.service.deployments import DeploymentService
from deployq.workers.context import context_for


@shared_task(name="deployq.instances.register", bind=True, ignore_result=True)
def register(self: Task, name: str, tags: dict[str, str]) -> dict[str, Any]:
    """RegisterOnPremisesInstance + AddTagsToOnPremisesInstances for an agent that starts (again: the
    instance is kept and the tags merged), then catch-up deployments where the host is behind."""
    ctx = context_for(self.app)
    instance = ctx.store.instances.register(name, tags=tags, exist_ok=True)
    started = catch_up(DeploymentService(ctx.store, ctx.progress, self.app), name, instance.tags)
    return {"name": instance.name, "tags": dict(instance.tags), "catch_up": started}

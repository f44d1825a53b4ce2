"""On-premises instances: agents register themselves through the coordinator (hosts hold no DB
credentials)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from deployq.workers.context import context_for


@shared_task(name="deployq.instances.register", bind=True, ignore_result=True)
def register(self: Task, name: str, tags: dict[str, str]) -> dict[str, Any]:
    """RegisterOnPremisesInstance + AddTagsToOnPremisesInstances for an agent that starts; running it
    again changes nothing more (the instance is kept and the tags merged)."""
    instance = context_for(self.app).store.instances.register(name, tags=tags, exist_ok=True)
    return {"name": instance.name, "tags": dict(instance.tags)}

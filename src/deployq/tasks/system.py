"""System tasks: the beat tick and the health report."""

from __future__ import annotations

import socket
import time
from typing import Any

from celery import Task, shared_task

import deployq
from deployq.workers.context import context_for


@shared_task(name="deployq.system.tick", bind=True, ignore_result=True)
def tick(self: Task) -> list[str]:
    """Run by beat every ``beat_interval`` seconds: records that the scheduler is alive, then reaps
    deployments whose next step was lost or whose agents went silent."""
    from deployq.coordinator.reaper import Reaper
    from deployq.tasks.deployments import engine_for

    ctx = context_for(self.app)
    ctx.progress.beat_tick()
    reaper = Reaper(engine_for(self.app), agent_timeout=ctx.settings.agent_timeout,
                    deployment_timeout=ctx.settings.deployment_timeout)
    return reaper.reap()


@shared_task(name="deployq.system.health", bind=True, ignore_result=False)
def health(self: Task) -> dict[str, Any]:
    """What a coordinator sees: its host, the database revision, Redis, the last beat tick."""
    ctx = context_for(self.app)
    last_beat = ctx.progress.last_beat()
    return {
        "worker": socket.gethostname(),
        "version": deployq.__version__,
        "schema": ctx.store.db.current_revision(),
        "redis_ping": ctx.progress.ping(),
        "beat_age": None if last_beat is None else round(time.time() - last_beat, 3),
    }

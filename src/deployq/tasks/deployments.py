"""Coordinator tasks of a deployment's run; each is a thin call into :mod:`deployq.coordinator`."""

from __future__ import annotations

from celery import Celery, Task, shared_task

from deployq.coordinator.engine import Engine
from deployq.domain.enums import DeploymentStatus, ErrorCode
from deployq.workers.context import context_for


def engine_for(app: Celery) -> Engine:
    ctx = context_for(app)
    return Engine(app, ctx.store, ctx.progress)


@shared_task(name="deployq.deployments.start", bind=True, ignore_result=True)
def start(self: Task, deployment_id: str) -> None:
    """Plan the deployment and dispatch its first batch (a no-op once started)."""
    engine_for(self.app).start(deployment_id)


@shared_task(name="deployq.deployments.host_done", bind=True, ignore_result=True)
def host_done(self: Task, deployment_id: str, batch: int, host: str) -> None:
    """The end of one host's chain: record its events; the batch's last host gates the batch."""
    engine_for(self.app).host_done(deployment_id, batch, host)


@shared_task(name="deployq.deployments.finish_stopped", bind=True, ignore_result=True)
def finish_stopped(self: Task, deployment_id: str) -> None:
    """End a deployment stopped before it started."""
    engine_for(self.app).finish(deployment_id, DeploymentStatus.STOPPED, ErrorCode.MANUAL_STOP,
                                "The deployment was stopped by request.")

"""Agent tasks: one lifecycle event on one host. Consumed only from ``deployq.host.<name>``."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task, shared_task

from deployq.agent.config import AgentConfig
from deployq.domain.spec import DeploymentSpec
from deployq.errors import ConfigurationError
from deployq.workers.queues import host_queue

_runners: dict[int, Any] = {}


def _runner(app: Celery) -> Any:
    from deployq.agent.runner import EventRunner
    from deployq.workers.context import context_for

    config = getattr(app, "deployq_agent", None)
    if not isinstance(config, AgentConfig):
        raise ConfigurationError("deployq.agent.run_event reached a worker that is not an agent")
    runner = _runners.get(id(app))
    if runner is None:
        runner = _runners[id(app)] = EventRunner(config, context_for(app).progress)
    return runner


@shared_task(name="deployq.agent.run_event", bind=True, ignore_result=True)
def run_event(self: Task, spec: dict[str, Any], host: str, event: str, after: str | None = None) -> dict[str, Any]:
    """Run ``event`` of the deployment ``spec`` on ``host`` once ``after`` (the event before it) has
    finished; the outcome goes to the progress store."""
    outcome: dict[str, Any] = _runner(self.app).run(DeploymentSpec.from_json(spec), host, event, after)
    return outcome


def send_event(app: Celery, spec: DeploymentSpec, host: str, event: str, after: str | None = None) -> None:
    """Enqueue one event on the host's own queue (never the coordinator's)."""
    app.send_task("deployq.agent.run_event", args=[spec.to_json(), host, event], kwargs={"after": after},
                  queue=host_queue(host))

"""Starting an agent: recovery of events left running, registration, heartbeat, then the worker."""

from __future__ import annotations

import logging
import socket
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from deployq.agent.config import AgentConfig
from deployq.agent.heartbeat import Heartbeat
from deployq.agent.recovery import recover
from deployq.config.settings import Settings
from deployq.progress import ProgressStore
from deployq.workers.app import create_celery

log = logging.getLogger(__name__)


def build_agent_app(settings: Settings, config: AgentConfig) -> Celery:
    app = create_celery(settings)
    app.deployq_agent = config
    return app


def run_agent(settings: Settings, config: AgentConfig, *, concurrency: int = 4) -> None:
    app = build_agent_app(settings, config)
    assert settings.redis_url
    progress = ProgressStore.from_url(settings.redis_url, settings.redis_prefix)
    for host in config.hosts.values():
        for ongoing in recover(host, progress):
            log.warning("%s: %s of %s was running when the agent stopped: reported failed",
                        host.name, ongoing.event, ongoing.deployment_id)
    heartbeat = Heartbeat(config, progress)

    def _ready(**_: Any) -> None:
        heartbeat.start()
        for name in config.hosts:
            app.send_task("deployq.instances.register", args=[name, dict(config.tags)])

    def _shutdown(**_: Any) -> None:
        heartbeat.stop()

    worker_ready.connect(_ready, weak=False)
    worker_shutdown.connect(_shutdown, weak=False)

    first = next(iter(config.hosts))
    label = first if len(config.hosts) == 1 else f"{first}+{len(config.hosts) - 1}"
    app.worker_main([
        "worker", "--queues", ",".join(config.queues), "--pool", "threads",
        "--concurrency", str(concurrency), "--hostname", f"agent-{label}@{socket.gethostname()}",
        "--loglevel", settings.log_level, "--task-events", "--without-mingle", "--without-gossip",
    ])

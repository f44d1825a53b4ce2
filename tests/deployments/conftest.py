"""A fleet on one machine: a real coordinator, beat and an agent process serving several hosts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deployq.config.settings import load_settings
from deployq.domain.model import Deployment, TagFilter
from deployq.progress import ProgressStore
from deployq.service.deployments import DeploymentRequest, DeploymentService
from deployq.store import Store
from deployq.workers.app import create_celery
from tests.agent.conftest import Agent, journal_lines, local_revision, make_revision
from tests.conftest import Processes, deployq_env, wait_for

__all__ = ["Fleet", "journal_lines", "make_revision"]


class Fleet:
    def __init__(self, tmp_path: Path, processes: Processes, env: dict[str, str]) -> None:
        self.tmp_path, self.processes, self.env = tmp_path, processes, env
        settings = load_settings(env)
        self.store = Store(settings.sqlalchemy_url)
        self.store.migrate()
        self.progress = ProgressStore.from_url(env["DEPLOYQ_REDIS_URL"])
        self.app = create_celery(settings)
        self.service = DeploymentService(self.store, self.progress, self.app)
        self.journal = tmp_path / "journal"
        self.agents: list[Agent] = []
        self.coordinator = False

    def start(self, hosts: list[str], *, tags: tuple[str, ...] = ("role=web",), coordinator: bool = True) -> Fleet:
        self.coordinator = coordinator
        if coordinator:
            self.processes.start("coordinator", "coordinator", env=self.env)
            self.processes.start("beat", "beat", env=self.env)
        if hosts:
            self.add_agent(hosts, tags=tags)
        return self

    def add_agent(self, hosts: list[str], *, tags: tuple[str, ...] = ("role=web",), sub: str = "") -> Agent:
        agent = Agent(self.processes, self.env, self.tmp_path / sub if sub else self.tmp_path, hosts, tags=tags)
        agent.start(self.progress)
        self.agents.append(agent)
        if not self.coordinator:  # nobody consumes the agents' registrations: register them here
            parsed = dict(t.split("=", 1) for t in tags)
            for host in hosts:
                self.store.instances.register(host, tags=parsed, exist_ok=True)
        wait_for(lambda: {i.name for i in self.store.instances.list()} >= set(hosts), timeout=30,
                 what="the hosts to register")
        return agent

    def group(self, app: str = "web", group: str = "prod", *, config: str | None = None,
              tag: tuple[str, str] = ("role", "web"), **settings: Any) -> None:
        if app not in {a.name for a in self.store.applications.list()}:
            self.store.applications.create(app)
        self.store.groups.create(app, group, deployment_config_name=config, tag_filters=[TagFilter(*tag)],
                                 **settings)

    def revision(self, version: str, **kwargs: Any) -> dict[str, Any]:
        return local_revision(make_revision(self.tmp_path / "revisions" / version, version, self.journal, **kwargs))

    def deploy(self, revision: dict[str, Any], app: str = "web", group: str = "prod", **options: Any) -> Deployment:
        return self.service.create(DeploymentRequest(app, group, revision, **options))

    def wait(self, deployment_id: str, timeout: float = 90) -> Deployment:
        def done() -> Deployment | None:
            d = self.store.deployments.get(deployment_id)
            return d if d.status.terminal else None
        result: Deployment = wait_for(done, timeout=timeout, interval=0.1, what=f"deployment {deployment_id}")
        return result

    def statuses(self, deployment_id: str) -> dict[str, str]:
        return {t.target_id: t.status.value for t in self.store.deployments.targets(deployment_id)}

    def close(self) -> None:
        self.app.close()
        self.store.close()


@pytest.fixture
def fleet_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    return deployq_env(tmp_path, redis_url, DEPLOYQ_HEARTBEAT_INTERVAL="0.5", DEPLOYQ_HOOK_KILL_GRACE="1",
                       DEPLOYQ_AGENT_TIMEOUT="3", DEPLOYQ_BEAT_INTERVAL="0.5")


@pytest.fixture
def fleet(tmp_path: Path, processes: Processes, fleet_env: dict[str, str]) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path, processes, fleet_env)
    yield fleet
    fleet.close()

"""Agent fixtures: revisions on disk, a real agent process, and a driver that runs events in order."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from deployq.config.settings import load_settings
from deployq.domain.spec import DeploymentSpec
from deployq.progress import ProgressStore
from deployq.tasks.agent import send_event
from deployq.workers.app import create_celery
from tests.conftest import Processes, deployq_env, wait_for

SERVER_EVENTS = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
                 "ApplicationStart", "ValidateService"]
HOOKED = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]


def make_revision(base: Path, version: str, journal: Path, *, extra_hooks: str = "",
                  scripts: dict[str, str] | None = None) -> Path:
    """A revision directory: index.html, one journaling script per hooked event, appspec.yml."""
    rev = base / f"rev-{version}"
    (rev / "site").mkdir(parents=True)
    (rev / "site" / "index.html").write_text(f"version {version}\n")
    (rev / "scripts").mkdir()
    hooks = []
    for event in HOOKED:
        body = scripts.get(event) if scripts else None
        path = rev / "scripts" / f"{event}.sh"
        path.write_text("#!/bin/bash\nset -e\n" + (body or
                        f'echo "$LIFECYCLE_EVENT {version} $DEPLOYMENT_ID $APPLICATION_NAME '
                        f'$DEPLOYMENT_GROUP_NAME $DEPLOYQ_HOST" >> {journal}\necho "ran {event} {version}"\n'))
        path.chmod(0o755)
        hooks.append(f"  {event}:\n    - location: scripts/{event}.sh\n      timeout: 60\n")
    (rev / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /srv/app\nhooks:\n"
        + "".join(hooks) + extra_hooks
    )
    return rev


def local_revision(path: Path) -> dict[str, Any]:
    return {"revisionType": "Local", "localLocation": {"path": str(path), "bundleType": "directory"}}


class Driver:
    """Sends events to a host queue one after another, as the coordinator's chain will."""

    def __init__(self, env: dict[str, str], progress: ProgressStore) -> None:
        self.app = create_celery(load_settings(env))
        self.progress = progress

    def spec(self, deployment_id: str, revision: Path, **options: Any) -> DeploymentSpec:
        return DeploymentSpec(deployment_id=deployment_id, application_name="web", deployment_group_name="prod",
                              deployment_group_id="dg-1", revision=local_revision(revision), **options)

    def outcome(self, deployment_id: str, host: str, event: str, timeout: float = 60) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            state = self.progress.event_state(deployment_id, host, event)
            return state["outcome"] if state.get("state") == "finished" else None
        result: dict[str, Any] = wait_for(finished, timeout=timeout, what=f"{event} on {host}")
        return result

    def run(self, spec: DeploymentSpec, host: str, events: Sequence[str] = SERVER_EVENTS,
            stop_on_failure: bool = True) -> dict[str, dict[str, Any]]:
        outcomes = {}
        for event in events:
            send_event(self.app, spec, host, event)
            outcomes[event] = self.outcome(spec.deployment_id, host, event)
            if stop_on_failure and outcomes[event]["status"] == "Failed":
                break
        return outcomes

    def close(self) -> None:
        self.app.close()


class Agent:
    def __init__(self, processes: Processes, env: dict[str, str], tmp_path: Path, names: Sequence[str],
                 tags: Sequence[str] = ("role=web",)) -> None:
        self.processes, self.env, self.names = processes, env, list(names)
        self.root = tmp_path / "agent"
        self.install_root = tmp_path / "hosts"
        self.args = ["agent", *[a for n in names for a in ("--name", n)], *[a for t in tags for a in ("--tag", t)],
                     "--root", str(self.root), "--install-root", str(self.install_root)]
        self.proc: Any = None

    def start(self, progress: ProgressStore) -> Agent:
        self.proc = self.processes.start("agent", *self.args, env=self.env)
        for name in self.names:
            wait_for(lambda n=name: progress.last_heartbeat(n), timeout=30, what=f"the heartbeat of {name}")
        return self

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def host_root(self, name: str) -> Path:
        return self.root / name if len(self.names) > 1 else self.root

    def installed(self, name: str, path: str) -> Path:
        base = self.install_root / name if len(self.names) > 1 else self.install_root
        return base / path.lstrip("/")


@pytest.fixture
def progress(redis_url: str) -> ProgressStore:
    return ProgressStore.from_url(redis_url)


@pytest.fixture
def agent_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    return deployq_env(tmp_path, redis_url, DEPLOYQ_HEARTBEAT_INTERVAL="0.5", DEPLOYQ_HOOK_KILL_GRACE="1")


@pytest.fixture
def driver(agent_env: dict[str, str], progress: ProgressStore) -> Iterator[Driver]:
    driver = Driver(agent_env, progress)
    yield driver
    driver.close()


def journal_lines(journal: Path) -> list[str]:
    return journal.read_text().splitlines() if journal.exists() else []


def settle(seconds: float = 1.0) -> None:
    time.sleep(seconds)

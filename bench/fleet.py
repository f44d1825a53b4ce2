"""A throwaway deployq fleet on one machine, for the benchmarks (no pytest).

    with Fleet(workdir).start() as fleet:
        fleet.add_agents(["h1", "h2"], per_agent=50, concurrency=20)
        fleet.group("prod", "CodeDeployDefault.OneAtATime")
        run = fleet.deploy("prod", make_revision(workdir / "revisions", "v1", {"BeforeInstall": "exit 0"}))

Starts its own Redis (the embedded default's binary), a coordinator, beat and agent processes that
serve several host names each. Every child is started with ``deployq.processes.spawn`` (it dies with
the bench) and stopped by ``close()``. Logs go to ``<workdir>/logs``; their tails are shown on failure.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from deployq.config.settings import load_settings
from deployq.domain.enums import DeploymentStatus
from deployq.domain.model import Deployment, TagFilter
from deployq.embedded import RedisServer
from deployq.processes import spawn, stop, tail
from deployq.progress import ProgressStore
from deployq.service.deployments import DeploymentRequest, DeploymentService
from deployq.store import Store
from deployq.workers.app import create_celery
from deployq.workers.queues import COORDINATOR_QUEUE

#: The events of an in-place deployment, in order (ApplicationStop is Skipped on a host's first deployment).
SERVER_EVENTS = ("ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
                 "ApplicationStart", "ValidateService")
#: The hook events whose scripts a benchmark revision provides.
HOOK_EVENTS = ("BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService")
APPLICATION = "bench"
TAG = ("role", "bench")

T = TypeVar("T")


class BenchError(RuntimeError):
    """Something the benchmark needs did not happen (a process died, a deployment did not succeed)."""


def wait_until(predicate: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.05,
               alive: Callable[[], None] | None = None) -> T:
    """Poll ``predicate`` until it returns something truthy; ``alive`` raises if a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if alive is not None:
            alive()
        time.sleep(interval)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def make_revision(base: Path, label: str, hooks: Mapping[str, str]) -> Path:
    """A revision directory: ``site/index.html`` installed to ``/srv/<label>``, and one ``/bin/sh``
    script per event of ``hooks`` (event → script body)."""
    rev = base / label
    (rev / "site").mkdir(parents=True)
    (rev / "site" / "index.html").write_text(f"revision {label}\n")
    (rev / "scripts").mkdir()
    lines = ["version: 0.0", "os: linux", "files:", "  - source: site", f"    destination: /srv/{label}", "hooks:"]
    for event, body in hooks.items():
        script = rev / "scripts" / f"{event}.sh"
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
        lines += [f"  {event}:", f"    - location: scripts/{event}.sh", "      timeout: 60"]
    (rev / "appspec.yml").write_text("\n".join(lines) + "\n")
    return rev


def local_revision(path: Path) -> dict[str, Any]:
    return {"revisionType": "Local", "localLocation": {"path": str(path), "bundleType": "directory"}}


def rss_kib(pid: int) -> int:
    """The resident set size of ``pid`` (VmRSS in /proc/<pid>/status), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


class RssSampler:
    """Samples the RSS of one process every ``interval`` seconds in a thread, until stopped."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[int] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        try:
            self.samples.append(rss_kib(self.pid))
        except OSError:  # the process is gone; the deployment's own checks say why
            self._stopped.set()

    def _run(self) -> None:
        self._sample()
        while not self._stopped.wait(self.interval):
            self._sample()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._thread.join()
        self._sample()

    @property
    def peak(self) -> int:
        if not self.samples:
            raise BenchError(f"no RSS sample of pid {self.pid}")
        return max(self.samples)


@dataclass(frozen=True)
class Run:
    """One deployment, from CreateDeployment to the terminal status the bench saw."""

    deployment: Deployment
    created: float  # epoch seconds, just before CreateDeployment
    wall: float  # seconds from CreateDeployment to the terminal status

    @property
    def succeeded(self) -> bool:
        return self.deployment.status is DeploymentStatus.SUCCEEDED


class Fleet:
    def __init__(self, workdir: Path, *, coordinator_concurrency: int = 4, log_level: str = "INFO") -> None:
        self.workdir = workdir
        self.coordinator_concurrency = coordinator_concurrency
        self.log_level = log_level
        self.redis = RedisServer(workdir / "redis", persist=False)
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.groups: set[str] = set()
        self.hosts: list[str] = []
        self.env: dict[str, str] = {}

    # --- start and stop --------------------------------------------------------------------------

    def start(self) -> Fleet:
        """Redis, the database (migrated here, before anyone else), a coordinator and beat; on any
        failure, everything started so far is stopped."""
        try:
            return self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> Fleet:
        self.redis.start()
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
        self.env.update({
            "DEPLOYQ_REDIS_URL": self.redis.url,
            "DEPLOYQ_DATABASE_URL": f"sqlite:///{data / 'deployq.db'}",
            "DEPLOYQ_DATA_DIR": str(data),
            "DEPLOYQ_HEARTBEAT_INTERVAL": "1",
            "DEPLOYQ_BEAT_INTERVAL": "1",
            "DEPLOYQ_COORDINATOR_CONCURRENCY": str(self.coordinator_concurrency),
            "DEPLOYQ_LOG_LEVEL": self.log_level,
        })
        settings = load_settings(self.env)
        self.store = Store(settings.sqlalchemy_url)
        self.store.migrate()
        self.progress = ProgressStore.from_url(self.redis.url)
        self.app = create_celery(settings)
        self.service = DeploymentService(self.store, self.progress, self.app)
        self.coordinator = self._spawn("coordinator", "coordinator")
        self._spawn("beat", "beat")
        self.health(timeout=60)
        wait_until(self.progress.last_beat, timeout=30, what="the first beat tick", alive=self.check_alive)
        self.store.applications.create(APPLICATION)
        return self

    def _spawn(self, label: str, *args: str) -> subprocess.Popen[bytes]:
        proc = spawn([sys.executable, "-m", "deployq", *args], env=self.env, log=self.log_file(label))
        self.processes.append((label, proc))
        return proc

    def log_file(self, label: str) -> Path:
        return self.workdir / "logs" / f"{label}.log"

    def check_alive(self) -> None:
        for label, proc in self.processes:
            if proc.poll() is not None:
                raise BenchError(f"{label} exited with code {proc.returncode}:\n{tail(self.log_file(label))}")

    def add_agents(self, names: Sequence[str], *, per_agent: int, concurrency: int, timeout: float = 90) -> None:
        """Agent processes serving ``per_agent`` names each; returns once every name has a heartbeat
        and is registered (through the coordinator) with the bench's tag."""
        for first in range(0, len(names), per_agent):
            chunk = names[first:first + per_agent]
            label = f"agent-{sum(1 for name, _ in self.processes if name.startswith('agent-'))}"
            self._spawn(label, "agent", *[a for n in chunk for a in ("--name", n)], "--tag", "=".join(TAG),
                        "--root", str(self.workdir / "agent"), "--install-root", str(self.workdir / "hosts"),
                        "--concurrency", str(concurrency))
        wanted = set(names)
        wait_until(lambda: wanted <= set(self.progress.heartbeats()), timeout=timeout, interval=0.2,
                   what=f"the heartbeats of {len(names)} hosts", alive=self.check_alive)
        wait_until(lambda: wanted <= {i.name for i in self.store.instances.list()}, timeout=timeout, interval=0.2,
                   what=f"{len(names)} hosts to register", alive=self.check_alive)
        self.hosts += list(names)

    def close(self) -> None:
        for resource in ("app", "store"):
            if hasattr(self, resource):
                getattr(self, resource).close()
        stop([proc for _, proc in self.processes], grace=10.0)
        self.redis.stop()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- use -------------------------------------------------------------------------------------

    def health(self, timeout: float = 10) -> dict[str, Any]:
        """One Celery round trip: ``deployq.system.health`` on the coordinator, result through Redis."""
        result = self.app.send_task("deployq.system.health", queue=COORDINATOR_QUEUE)
        deadline = time.monotonic() + timeout
        while not result.ready():
            if time.monotonic() > deadline:
                raise BenchError(f"the coordinator did not answer deployq.system.health within {timeout:.0f} s")
            self.check_alive()
            time.sleep(0.01)
        value: dict[str, Any] = result.get(timeout=timeout)
        return value

    def round_trips(self, n: int) -> list[float]:
        """``n`` timed health round trips (``send_task(...).get()``), in seconds."""
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            self.app.send_task("deployq.system.health", queue=COORDINATOR_QUEUE).get(timeout=10)
            samples.append(time.perf_counter() - start)
        return samples

    def group(self, name: str, config: str) -> None:
        self.store.groups.create(APPLICATION, name, deployment_config_name=config, tag_filters=[TagFilter(*TAG)])
        self.groups.add(name)

    def deploy(self, group: str, revision: Path, *, timeout: float = 120) -> Run:
        """CreateDeployment, then wait until it leaves Redis's active set (the coordinator's last step)."""
        created, start = time.time(), time.perf_counter()
        deployment = self.service.create(DeploymentRequest(APPLICATION, group, local_revision(revision)))
        deadline = start + timeout
        last_sql = start
        while True:
            now = time.perf_counter()
            if deployment.id not in self.progress.active_deployments() or now - last_sql > 1:
                last_sql = now
                record = self.store.deployments.get(deployment.id)
                if record.status.terminal:
                    return Run(record, created, now - start)
            if now > deadline:
                self.check_alive()
                raise BenchError(f"deployment {deployment.id} to {group} did not end within {timeout:.0f} s "
                                 f"(status {self.store.deployments.get(deployment.id).status.value})\n"
                                 f"coordinator log:\n{tail(self.log_file('coordinator'))}")
            time.sleep(0.01)

    def outcomes(self, deployment_id: str, hosts: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Per host, the outcome of each event of :data:`SERVER_EVENTS`, in order, from Redis."""
        result = {}
        for host in hosts:
            row = []
            for event in SERVER_EVENTS:
                outcome = self.progress.event_state(deployment_id, host, event).get("outcome")
                if outcome is None:
                    raise BenchError(f"{deployment_id}: {event} on {host} has no outcome")
                row.append(outcome)
            result[host] = row
        return result

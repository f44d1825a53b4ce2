"""The whole stack for one machine: embedded Redis (when none is configured), the database, a
coordinator worker and beat, each a child process that dies with deployq."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from deployq.api.credentials import Credential, ensure_local_credential
from deployq.config.settings import Settings, redact_url
from deployq.embedded import RedisServer
from deployq.errors import DeployqError
from deployq.processes import spawn, stop, tail
from deployq.store import Store


@dataclass
class Stack:
    settings: Settings
    port: int = 8080
    agents: int = 0
    agent_port_base: int = 8100
    redis: RedisServer | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    migration: str = ""
    new_credential: Credential | None = None

    @property
    def log_dir(self) -> Any:
        return self.settings.data_dir / "logs"

    def child_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
        env.update({
            "DEPLOYQ_DATA_DIR": str(self.settings.data_dir.resolve()),
            "DEPLOYQ_REDIS_URL": self.settings.redis_url or "",
            "DEPLOYQ_DATABASE_URL": self.settings.sqlalchemy_url,
            "DEPLOYQ_REDIS_PREFIX": self.settings.redis_prefix,
            "DEPLOYQ_VISIBILITY_TIMEOUT": str(self.settings.visibility_timeout),
            "DEPLOYQ_BEAT_INTERVAL": str(self.settings.beat_interval),
            "DEPLOYQ_COORDINATOR_CONCURRENCY": str(self.settings.coordinator_concurrency),
            "DEPLOYQ_LOG_LEVEL": self.settings.log_level,
            "DEPLOYQ_CREDENTIALS_FILE": str(self.settings.credentials_path.resolve()),
            "DEPLOYQ_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
        })
        for name in ("bundle_secret", "s3_endpoint_url", "agent_timeout", "heartbeat_interval"):
            value = getattr(self.settings, name)
            if value is not None:
                env[f"DEPLOYQ_{name.upper()}"] = str(value)
        return env

    def start(self) -> Stack:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            if not self.settings.redis_url:
                self.redis = RedisServer(self.settings.data_dir / "redis",
                                         binary=self.settings.redis_server_binary).start()
                self.settings = self.settings.replace(redis_url=self.redis.url)
            store = Store(self.settings.sqlalchemy_url)
            try:
                self.migration = store.migrate()
            finally:
                store.close()
            self.new_credential = ensure_local_credential(self.settings.credentials_path)
            env = self.child_env()
            commands = {"coordinator": ["coordinator"], "beat": ["beat"],
                        "api": ["server", "--host", "127.0.0.1", "--port", str(self.port)]}
            for n in range(1, self.agents + 1):
                host = f"local-{n}"
                commands[host] = ["agent", "--name", host, "--tag", "role=local", "--tag",
                                  f"port={self.agent_port_base + n}",
                                  "--root", str((self.settings.data_dir / "agents" / host).resolve()),
                                  "--install-root", str((self.settings.data_dir / "hosts" / host).resolve())]
            for name, args in commands.items():
                self.children[name] = spawn([sys.executable, "-m", "deployq", *args], env=env,
                                            log=self.log_dir / f"{name}.log")
        except BaseException:
            self.stop()
            raise
        return self

    def check_children(self) -> None:
        for name, proc in self.children.items():
            if proc.poll() is not None:
                raise DeployqError(f"the {name} exited with code {proc.returncode}:\n"
                                   f"{tail(self.log_dir / f'{name}.log')}")

    def health(self, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the coordinator answers and beat has ticked; return what they report."""
        from deployq.workers.app import create_celery

        app = create_celery(self.settings)
        deadline = time.monotonic() + timeout
        report: dict[str, Any] = {}
        try:
            while time.monotonic() < deadline:
                self.check_children()
                try:
                    report = app.send_task("deployq.system.health").get(timeout=2.0)
                except Exception:
                    continue
                if report.get("beat_age") is not None:
                    break
                time.sleep(0.5)
        finally:
            app.close()
        if not report:
            raise DeployqError(f"the coordinator did not answer within {timeout:.0f} s; "
                               f"see {self.log_dir / 'coordinator.log'}")
        if report.get("beat_age") is None:
            raise DeployqError(f"beat did not tick within {timeout:.0f} s; see {self.log_dir / 'beat.log'}")
        self._wait_for_api(deadline)
        self._wait_for_agents(deadline)
        beat_age = report["beat_age"]
        return {
            "api": f"http://127.0.0.1:{self.port} (CodeDeploy protocol on /, native API on /api/v1)",
            "credentials": str(self.settings.credentials_path.resolve())
            + (" (created now)" if self.new_credential else ""),
            "redis": redact_url(self.settings.redis_url or ""),
            "redis server": str(self.redis.binary) if self.redis else "external",
            "database": redact_url(self.settings.sqlalchemy_url),
            "schema": report.get("schema") or self.migration,
            "coordinator": f"{report.get('worker')} (deployq {report.get('version')}), answers",
            "beat": f"last tick {beat_age:.1f} s ago",
            "agents": ", ".join(f"local-{n} (port tag {self.agent_port_base + n})" for n in range(1, self.agents + 1))
            or "none (start some with --agents N)",
        }

    def _wait_for_agents(self, deadline: float) -> None:
        from deployq.progress import ProgressStore

        progress = ProgressStore.from_url(self.settings.redis_url or "", self.settings.redis_prefix)
        wanted = {f"local-{n}" for n in range(1, self.agents + 1)}
        while time.monotonic() < deadline and not wanted <= set(progress.heartbeats()):
            self.check_children()
            time.sleep(0.2)
        progress.redis.close()
        if not wanted <= set(progress.heartbeats()):
            raise DeployqError(f"the local agents did not start; see {self.log_dir}")

    def _wait_for_api(self, deadline: float) -> None:
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            self.check_children()
            try:
                urllib.request.urlopen(url, timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise DeployqError(f"the API did not answer on {url}; see {self.log_dir / 'api.log'}")

    def stop(self) -> None:
        stop(list(self.children.values()), grace=15.0)
        self.children.clear()
        if self.redis is not None:
            self.redis.stop()
            self.redis = None

"""Every Redis key deployq writes, under one prefix (arq keeps them in one place too)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "deployq"

    def deployment(self, deployment_id: str) -> str:
        """Hash: ``status``, ``updated_at`` and free fields of a running deployment."""
        return f"{self.prefix}:deployment:{deployment_id}"

    def batch_done(self, deployment_id: str, batch: int) -> str:
        """Set: the hosts of batch ``batch`` whose chain has ended."""
        return f"{self.prefix}:batchdone:{deployment_id}:{batch}"

    def active(self) -> str:
        """Set: the deployments in progress (what the reaper looks at)."""
        return f"{self.prefix}:active"

    def target(self, deployment_id: str, host: str) -> str:
        """Hash: ``status`` and fields of one host in one deployment."""
        return f"{self.prefix}:target:{deployment_id}:{host}"

    def event(self, deployment_id: str, host: str, event: str) -> str:
        """Hash: ``state`` (running/finished), ``token`` of the run, ``outcome`` JSON."""
        return f"{self.prefix}:event:{deployment_id}:{host}:{event}"

    def heartbeat(self, host: str) -> str:
        """String: JSON of the agent's last heartbeat; expires when the agent goes quiet."""
        return f"{self.prefix}:heartbeat:{host}"

    def heartbeats(self) -> str:
        """Sorted set: host → time of its last heartbeat."""
        return f"{self.prefix}:heartbeats"

    def logs(self, deployment_id: str) -> str:
        """Stream: the live output of every host's hook scripts in one deployment (bounded)."""
        return f"{self.prefix}:logs:{deployment_id}"

    def lock(self, name: str) -> str:
        return f"{self.prefix}:lock:{name}"

    def stop(self, deployment_id: str) -> str:
        """String: the stop mode requested for a deployment."""
        return f"{self.prefix}:stop:{deployment_id}"

    def beat(self) -> str:
        """String: time of the beat scheduler's last tick."""
        return f"{self.prefix}:beat"

    def pattern(self) -> str:
        return f"{self.prefix}:*"

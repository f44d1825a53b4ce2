"""The agent's heartbeat: every few seconds, each served host says it is alive, in Redis."""

from __future__ import annotations

import logging
import os
import threading

import deployq
from deployq.agent.config import AgentConfig
from deployq.progress import ProgressStore

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, config: AgentConfig, progress: ProgressStore) -> None:
        self.config = config
        self.progress = progress
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="deployq-heartbeat", daemon=True)

    def beat(self) -> None:
        ttl = self.config.heartbeat_interval * 3
        for host in self.config.hosts.values():
            self.progress.heartbeat(host.name, ttl, {"pid": os.getpid(), "version": deployq.__version__,
                                                     "queue": host.queue})

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.beat()
            except Exception as exc:
                log.warning("heartbeat failed: %s", exc)
            self.stopped.wait(self.config.heartbeat_interval)

    def start(self) -> None:
        self.beat()
        self.thread.start()

    def stop(self) -> None:
        """Stop beating and say so: the hosts are gone at once, not after the timeout."""
        self.stopped.set()
        for host in self.config.hosts:
            self.progress.redis.delete(self.progress.keys.heartbeat(host))
            self.progress.redis.zrem(self.progress.keys.heartbeats(), host)

"""The reaper, run on every beat tick: no deployment waits for a dead agent or stays InProgress forever.

For each active deployment it
* fails with TIMEOUT a deployment older than ``deployment_timeout``;
* re-sends ``start`` for a deployment created but never started (its message was lost);
* fails with AGENT_ISSUE the unfinished events of a host whose agent is silent for ``agent_timeout``;
* completes a host whose events all finished but whose ``host_done`` was lost, and gates a batch whose
  gate was lost (the coordinator died in between).
Every action goes through the same compare-and-set steps as the normal path, so reaping twice, or
reaping while the normal path runs, does nothing twice.
"""

from __future__ import annotations

import json
import logging
import time

from deployq.agent.outcome import make_outcome
from deployq.coordinator.engine import Engine
from deployq.domain.enums import DeploymentStatus, ErrorCode, LifecycleErrorCode, LifecycleEventStatus
from deployq.errors import NotFoundError
from deployq.workers.queues import COORDINATOR_QUEUE

log = logging.getLogger(__name__)

#: A created deployment not started after this many seconds has lost its start message.
START_GRACE = 30.0
#: A gated batch whose deployment did not move on after this many seconds has lost its gate.
GATE_GRACE = 30.0


class Reaper:
    def __init__(self, engine: Engine, *, agent_timeout: float, deployment_timeout: float) -> None:
        self.engine = engine
        self.agent_timeout = agent_timeout
        self.deployment_timeout = deployment_timeout

    def reap(self, now: float | None = None) -> list[str]:
        """Look at every active deployment once; return what was done (for logs and tests)."""
        now = now or time.time()
        actions: list[str] = []
        for deployment_id in sorted(self.engine.progress.active_deployments()):
            try:
                actions += self._reap(deployment_id, now)
            except NotFoundError:
                self.engine.progress.close_deployment(deployment_id)
            except Exception:
                log.exception("reaping %s failed", deployment_id)
        return actions

    def _reap(self, deployment_id: str, now: float) -> list[str]:
        engine = self.engine
        deployment = engine.store.deployments.get(deployment_id)
        fields = engine.progress.deployment_fields(deployment_id)
        if deployment.status.terminal:
            engine.progress.close_deployment(deployment_id)
            return []
        if deployment.status is DeploymentStatus.CREATED:
            if now - float(fields.get("created_at", now)) > START_GRACE:
                engine.app.send_task("deployq.deployments.start", args=[deployment_id], queue=COORDINATOR_QUEUE)
                return [f"{deployment_id}: start sent again"]
            return []
        if deployment.status is not DeploymentStatus.IN_PROGRESS or "batch" not in fields:
            return []
        started = deployment.start_time.timestamp() if deployment.start_time else now
        if now - started > self.deployment_timeout:
            engine.finish(deployment_id, DeploymentStatus.FAILED, ErrorCode.TIMEOUT,
                          f"The deployment did not finish within {self.deployment_timeout:.0f} seconds.")
            return [f"{deployment_id}: timed out"]
        batch = int(fields["batch"])
        events = json.loads(fields["events"])
        actions = []
        done = engine.progress.hosts_done(deployment_id, batch)
        for host in json.loads(fields["batch_hosts"]):
            if host in done:
                continue
            states = [engine.progress.event_state(deployment_id, host, e) for e in events]
            unfinished = [e for e, s in zip(events, states, strict=True) if s.get("state") != "finished"]
            if unfinished and not self._alive(host, float(fields.get("dispatched_at", now)), now):
                self._fail_events(deployment_id, host, unfinished, now)
                actions.append(f"{deployment_id}: {host} is silent, {len(unfinished)} events failed")
                unfinished = []
            if not unfinished:
                engine.host_done(deployment_id, batch, host)
                actions.append(f"{deployment_id}: {host} completed")
        fields = engine.progress.deployment_fields(deployment_id)
        if fields.get("batch") == str(batch):
            if fields.get("batch_state") == "dispatched" and len(engine.progress.hosts_done(deployment_id, batch)) \
                    >= len(json.loads(fields["batch_hosts"])) and engine.progress.claim_gate(deployment_id, batch):
                engine.advance(deployment_id, batch)
                actions.append(f"{deployment_id}: batch {batch} gated")
            elif fields.get("batch_state") == "gated" and now - float(fields.get("gated_at", now)) > GATE_GRACE:
                engine.advance(deployment_id, batch)
                actions.append(f"{deployment_id}: batch {batch} gated again")
        return actions

    def _alive(self, host: str, dispatched_at: float, now: float) -> bool:
        last = self.engine.progress.last_heartbeat(host)
        if last is None:
            return now - dispatched_at <= self.agent_timeout
        return now - last <= self.agent_timeout

    def _fail_events(self, deployment_id: str, host: str, events: list[str], now: float) -> None:
        last = self.engine.progress.last_heartbeat(host)
        silence = "never sent a heartbeat" if last is None else f"sent no heartbeat for {now - last:.0f} s"
        for event in events:
            outcome = make_outcome(
                LifecycleEventStatus.FAILED, started=now, error_code=LifecycleErrorCode.UNKNOWN_ERROR,
                message=f"AGENT_ISSUE: the deployq agent of {host} {silence} (limit {self.agent_timeout:.0f} s); "
                        f"{event} was failed without waiting for it.")
            outcome["agent_issue"] = True
            self.engine.progress.force_event(deployment_id, host, event, outcome)

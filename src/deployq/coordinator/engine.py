"""A deployment's run: start → (batch → gate)* → finish, every step idempotent.

Each batch is a Celery group of per-host chains: the host's lifecycle events on its own queue, then
``host_done`` on the coordinator's. The last ``host_done`` of a batch (decided atomically in Redis)
gates it: it records the outcomes, runs the group's health check, and dispatches the next batch or
ends the deployment. A repeated step finds its work done and changes nothing.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from celery import Celery, chain, group

from deployq.coordinator.healthcheck import run_health_check
from deployq.coordinator.recorder import record_host
from deployq.domain.enums import (
    TERMINAL_DEPLOYMENT_STATUSES,
    AutoRollbackEvent,
    DeploymentCreator,
    DeploymentStatus,
    ErrorCode,
    LifecycleEventStatus,
    TargetStatus,
)
from deployq.domain.model import Deployment, DeploymentGroup, LifecycleEvent
from deployq.domain.spec import DeploymentSpec
from deployq.errors import DeployqError, NotFoundError
from deployq.orchestration.events import server_events
from deployq.orchestration.health import HealthRule
from deployq.orchestration.plan import Host, HostState, next_decision, plan_deployment
from deployq.orchestration.targets import select_targets
from deployq.progress import ProgressStore
from deployq.service.bundles import BundleStore
from deployq.service.deployments import DeploymentRequest, DeploymentService
from deployq.store import Store
from deployq.store.deployments import HostRecord
from deployq.workers.app import settings_of
from deployq.workers.queues import COORDINATOR_QUEUE, host_queue

log = logging.getLogger(__name__)

STARTABLE = [DeploymentStatus.CREATED, DeploymentStatus.QUEUED]
RUNNING = [DeploymentStatus.CREATED, DeploymentStatus.QUEUED, DeploymentStatus.IN_PROGRESS]


def host_state(record: HostRecord | None, revision: dict[str, Any] | None) -> HostState:
    if record is None:
        return HostState.UNKNOWN
    if record.last_status is TargetStatus.FAILED:
        return HostState.UNHEALTHY
    return HostState.CURRENT if record.revision == revision else HostState.OLD


class Engine:
    def __init__(self, app: Celery, store: Store, progress: ProgressStore) -> None:
        self.app = app
        self.store = store
        self.progress = progress
        self.service = DeploymentService(store, progress, app)
        self.bundles = BundleStore(settings_of(app))

    # --- start ---------------------------------------------------------------------------------

    def spec_for(self, deployment: Deployment, group: DeploymentGroup) -> DeploymentSpec:
        fields = self.progress.deployment_fields(deployment.id)
        explicit = fields.get("explicit_file_exists") == "1"
        return DeploymentSpec(
            deployment_id=deployment.id,
            application_name=deployment.application_name,
            deployment_group_name=deployment.deployment_group_name,
            deployment_group_id=group.id,
            revision=self.bundles.for_agents(deployment.revision or {}),
            creator=deployment.creator.value,
            file_exists_behavior=deployment.file_exists_behavior.value if explicit else None,
            ignore_application_stop_failures=deployment.ignore_application_stop_failures,
        )

    def start(self, deployment_id: str) -> None:
        deployment = self.store.deployments.get(deployment_id)
        if deployment.status not in STARTABLE:
            return  # started already (a redelivery) or finished
        try:
            grp = self.store.groups.get(deployment.application_name, deployment.deployment_group_name)
        except NotFoundError as exc:
            self.finish(deployment_id, DeploymentStatus.FAILED, ErrorCode.DEPLOYMENT_GROUP_MISSING, str(exc))
            return
        others = [d for d in self.store.deployments.active(grp.id)
                  if d.id != deployment_id and d.status is DeploymentStatus.IN_PROGRESS]
        if others:
            return  # queued behind another; the one running starts it when it ends
        if not self.store.deployments.transition(deployment_id, STARTABLE, DeploymentStatus.IN_PROGRESS):
            return
        revision = deployment.revision
        missing = revision_missing(revision or {}, self.bundles)
        if missing:
            self.finish(deployment_id, DeploymentStatus.FAILED, ErrorCode.REVISION_MISSING, missing)
            return
        instances = select_targets(grp, self.store.instances.list())
        if deployment.target_hosts is not None:
            instances = [i for i in instances if i.name in deployment.target_hosts]
        history = self.store.deployments.host_history(grp.id)
        hosts = [Host(i.name, host_state(history.get(i.name), revision)) for i in instances]
        config = self.store.configs.get(deployment.deployment_config_name)
        assert config.minimum_healthy_hosts is not None
        plan = plan_deployment(hosts, config.minimum_healthy_hosts,
                               update_outdated_only=deployment.update_outdated_instances_only)
        if not plan.verdict.ok:
            assert plan.verdict.error_code is not None
            self.finish(deployment_id, DeploymentStatus.FAILED, plan.verdict.error_code, plan.verdict.message)
            return
        events = list(server_events())
        self.store.deployments.add_targets(deployment_id, [*plan.order, *plan.skipped], events)
        for host in plan.skipped:
            self.store.deployments.set_target_status(deployment_id, host, TargetStatus.SKIPPED)
        self.progress.open_deployment(deployment_id, {
            "order": json.dumps(plan.order),
            "unhealthy": json.dumps(sorted(plan.unhealthy)),
            "minimum": plan.rule.minimum,
            "max_batch": plan.rule.max_batch or 0,
            "events": json.dumps(events),
            "started_at": repr(time.time()),
        })
        if not plan.order:
            self.finish(deployment_id, DeploymentStatus.SUCCEEDED)
            return
        self.dispatch(deployment_id, 1, list(plan.next((), ()).batch))

    # --- batches -------------------------------------------------------------------------------

    def dispatch(self, deployment_id: str, batch: int, hosts: list[str], *, again: bool = False) -> None:
        """Enqueue batch ``batch``: per host, its events then ``host_done``. ``again`` re-sends a batch
        whose messages were lost (the events themselves never run twice)."""
        if not again and not self.progress.start_batch(deployment_id, batch, hosts):
            return
        deployment = self.store.deployments.get(deployment_id)
        grp = self.store.groups.get(deployment.application_name, deployment.deployment_group_name)
        spec = self.spec_for(deployment, grp).to_json()
        events = json.loads(self.progress.deployment_fields(deployment_id)["events"])
        chains = []
        for host in hosts:
            self.store.deployments.set_target_status(deployment_id, host, TargetStatus.IN_PROGRESS)
            links = [
                self.app.signature("deployq.agent.run_event", args=[spec, host, event],
                                   kwargs={"after": events[i - 1] if i else None}, immutable=True,
                                   queue=host_queue(host))
                for i, event in enumerate(events)
            ]
            links.append(self.app.signature("deployq.deployments.host_done", args=[deployment_id, batch, host],
                                            immutable=True, queue=COORDINATOR_QUEUE))
            chains.append(chain(*links))
        group(chains).apply_async()

    def host_done(self, deployment_id: str, batch: int, host: str) -> None:
        fields = self.progress.deployment_fields(deployment_id)
        if not fields.get("events"):
            return
        status, _ = record_host(self.store, self.progress, deployment_id, host, json.loads(fields["events"]))
        if fields.get("batch") != str(batch) or status is TargetStatus.IN_PROGRESS:
            return  # a late message of an earlier batch, or another delivery of the chain still runs
        size = len(json.loads(fields["batch_hosts"]))
        if self.progress.host_finished_batch(deployment_id, batch, host) >= size and \
                self.progress.claim_gate(deployment_id, batch):
            self.advance(deployment_id, batch)

    def advance(self, deployment_id: str, batch: int) -> None:
        """Gate batch ``batch``: health-check its hosts, then the next batch or the end."""
        deployment = self.store.deployments.get(deployment_id)
        fields = self.progress.deployment_fields(deployment_id)
        if deployment.status is not DeploymentStatus.IN_PROGRESS or fields.get("batch") != str(batch):
            return
        grp = self.store.groups.get(deployment.application_name, deployment.deployment_group_name)
        hosts = json.loads(fields["batch_hosts"])
        targets = {t.target_id: t for t in self.store.deployments.targets(deployment_id)}
        if grp.health_check and grp.health_check.get("url"):
            self._health_check(deployment_id, grp, [h for h in hosts
                                                    if targets[h].status is TargetStatus.SUCCEEDED])
            targets = {t.target_id: t for t in self.store.deployments.targets(deployment_id)}
        if self.progress.stop_requested(deployment_id):
            self.finish(deployment_id, DeploymentStatus.STOPPED, ErrorCode.MANUAL_STOP,
                        "The deployment was stopped by request.")
            return
        order = json.loads(fields["order"])
        rule = HealthRule(int(fields["minimum"]), int(fields["max_batch"]) or None)
        succeeded = [h for h in order if targets[h].status is TargetStatus.SUCCEEDED]
        failed = [h for h in order if targets[h].status is TargetStatus.FAILED]
        decision = next_decision(rule, order, json.loads(fields["unhealthy"]), succeeded, failed)
        if not decision.done:
            self.dispatch(deployment_id, batch + 1, list(decision.batch))
            return
        if decision.verdict.ok:
            self.finish(deployment_id, DeploymentStatus.SUCCEEDED)
            return
        code = decision.verdict.error_code or ErrorCode.HEALTH_CONSTRAINTS
        message = decision.verdict.message
        dead = [h for h in failed if self._agent_issue(deployment_id, h, json.loads(fields["events"]))]
        if dead:
            code = ErrorCode.AGENT_ISSUE
            message = (f"The agent on {', '.join(dead)} stopped sending heartbeats; its lifecycle events were "
                       f"failed. {message}")
        self.finish(deployment_id, DeploymentStatus.FAILED, code, message)

    def _agent_issue(self, deployment_id: str, host: str, events: list[str]) -> bool:
        for event in events:
            outcome = self.progress.event_state(deployment_id, host, event).get("outcome") or {}
            if outcome.get("agent_issue"):
                return True
        return False

    def _health_check(self, deployment_id: str, grp: DeploymentGroup, hosts: list[str]) -> None:
        assert grp.health_check is not None
        for host in hosts:
            started = datetime.now(UTC)
            try:
                tags = self.store.instances.get(host).tags
            except NotFoundError:
                tags = {}
            healthy, seen = run_health_check(grp.health_check, host, tags)
            self.store.deployments.record_event(deployment_id, host, LifecycleEvent(
                "HealthCheck", LifecycleEventStatus.SUCCEEDED if healthy else LifecycleEventStatus.FAILED,
                started, datetime.now(UTC), message=seen))
            if not healthy:
                self.store.deployments.set_target_status(deployment_id, host, TargetStatus.FAILED)

    # --- the end -------------------------------------------------------------------------------

    def finish(self, deployment_id: str, status: DeploymentStatus, code: ErrorCode | None = None,
               message: str | None = None) -> bool:
        """End the deployment (compare-and-set: only the first caller does), then roll back and start
        the group's next queued deployment as configured."""
        assert status in TERMINAL_DEPLOYMENT_STATUSES
        # targets first: whoever sees the terminal status also sees every target final
        self.store.deployments.skip_pending_targets(deployment_id)
        changed = self.store.deployments.transition(deployment_id, RUNNING, status, error_code=code,
                                                    error_message=message)
        self.progress.close_deployment(deployment_id)
        if not changed:
            return False
        deployment = self.store.deployments.get(deployment_id)
        log.info("deployment %s ended %s %s", deployment_id, status.value, code.value if code else "")
        if self._wants_rollback(deployment):
            self.roll_back(deployment)
        self.start_next_queued(deployment)
        return True

    def _wants_rollback(self, deployment: Deployment) -> bool:
        if deployment.creator is DeploymentCreator.ROLLBACK:
            return False  # a rollback is never rolled back
        try:
            grp = self.store.groups.get(deployment.application_name, deployment.deployment_group_name)
        except NotFoundError:
            return False
        config = deployment.auto_rollback or grp.auto_rollback or {}
        events = set(config.get("events") or [AutoRollbackEvent.DEPLOYMENT_FAILURE.value])
        if deployment.status is DeploymentStatus.FAILED:
            return bool(config.get("enabled")) and AutoRollbackEvent.DEPLOYMENT_FAILURE.value in events
        if deployment.status is DeploymentStatus.STOPPED:
            asked = self.progress.deployment_fields(deployment.id).get("stop_rollback")
            if asked is not None:
                return asked == "1"
            return bool(config.get("enabled")) and AutoRollbackEvent.DEPLOYMENT_STOP_ON_REQUEST.value in events
        return False

    def roll_back(self, failed: Deployment) -> str | None:
        """A new deployment (creator codeDeployRollback) of the group's last successful revision,
        linked both ways through rollbackInfo."""
        grp = self.store.groups.get(failed.application_name, failed.deployment_group_name)
        last = grp.last_successful_deployment_id
        if last is None or last == failed.id:
            self.store.deployments.set_rollback_info(failed.id, {
                "rollbackMessage": "Automatic rollback was not possible: the deployment group has no earlier "
                                   "successful deployment."})
            return None
        good = self.store.deployments.get(last)
        rollback = self.service.create(DeploymentRequest(
            application=failed.application_name,
            group=failed.deployment_group_name,
            revision=good.revision,
            deployment_config_name=failed.deployment_config_name,
            description=f"Rollback of {failed.id} to the revision of {good.id}",
            file_exists_behavior=good.file_exists_behavior.value,
            ignore_application_stop_failures=failed.ignore_application_stop_failures,
            creator=DeploymentCreator.ROLLBACK,
            when_busy="queue",
        ))
        self.store.deployments.set_rollback_info(failed.id, {
            "rollbackDeploymentId": rollback.id,
            "rollbackMessage": f"Rolled back by {rollback.id} to the revision of {good.id}."})
        self.store.deployments.set_rollback_info(rollback.id, {
            "rollbackTriggeringDeploymentId": failed.id,
            "rollbackMessage": f"Rollback of {failed.id}."})
        return rollback.id

    def start_next_queued(self, deployment: Deployment) -> None:
        if deployment.deployment_group_id is None:
            return
        queued = [d for d in self.store.deployments.active(deployment.deployment_group_id)
                  if d.status is DeploymentStatus.QUEUED]
        if queued:
            self.app.send_task("deployq.deployments.start", args=[queued[0].id], queue=COORDINATOR_QUEUE)


def revision_missing(revision: dict[str, Any], bundles: BundleStore) -> str | None:
    """Why the revision cannot be fetched at all (REVISION_MISSING), when that can be known cheaply."""
    s3 = revision.get("s3Location") or {}
    if revision.get("revisionType") == "S3" and s3.get("bucket") == bundles.settings.bundle_bucket:
        try:
            exists = bundles.path(str(s3.get("key", ""))).is_file()
        except DeployqError:
            exists = False
        return None if exists else f"The bundle {s3.get('key')} is not in deployq's revision store."
    if revision.get("revisionType", "").lower() == "local":
        from pathlib import Path

        path = Path(str((revision.get("localLocation") or {}).get("path", "")))
        if not path.exists():
            return f"The revision {path} does not exist."
    return None

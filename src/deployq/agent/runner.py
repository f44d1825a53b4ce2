"""Running one lifecycle event on one host, exactly once.

An event is keyed by (deployment, host, event). Before it runs, the agent writes a tracking file and
claims the key in Redis with a fresh token; a redelivered message finds the key claimed and does not
run the event again (it returns the recorded outcome). A run that died with its agent is failed at
the agent's next start (:mod:`deployq.agent.recovery`). Every failure, whatever raised it, ends as the
event's outcome: nothing escapes to Celery.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from deployq.agent.config import AgentConfig, HostConfig
from deployq.agent.hooks import ScriptRunner
from deployq.agent.logs import EventLog
from deployq.agent.outcome import make_outcome
from deployq.agent.revisions import prune, revision_dir_for
from deployq.agent.tracking import Ongoing, Tracker
from deployq.appspec import load_appspec_file
from deployq.bundle import Fetcher, FetchOptions, unpack
from deployq.domain.enums import LifecycleErrorCode, LifecycleEventStatus
from deployq.domain.enums import LifecycleEventName as E
from deployq.domain.spec import DeploymentSpec
from deployq.errors import DeployqError
from deployq.install import Layout, install
from deployq.install.layout import ARCHIVE_DIR
from deployq.progress import ProgressStore

log = logging.getLogger(__name__)

#: Stop-side events whose failure ``ignoreApplicationStopFailures`` forgives.
STOP_EVENTS = {E.APPLICATION_STOP.value, E.BEFORE_BLOCK_TRAFFIC.value, E.AFTER_BLOCK_TRAFFIC.value}
#: How long an Install waits for another deployment's Install on the same host.
INSTALL_LOCK_WAIT = 600.0
OS_NAME = "windows" if sys.platform.startswith("win") else "linux"

Outcome = dict[str, Any]


def hook_environment(
    spec: DeploymentSpec,
    host: HostConfig,
    event: str,
    deployment_dir: Path,
    revision_dir: Path,
    etag: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The agent's environment (without deployq's own settings, which may hold secrets) plus §4's
    variables and deployq's extras."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    env.update(
        {
            "LIFECYCLE_EVENT": event,
            "DEPLOYMENT_ID": spec.deployment_id,
            "APPLICATION_NAME": spec.application_name,
            "DEPLOYMENT_GROUP_NAME": spec.deployment_group_name,
            "DEPLOYMENT_GROUP_ID": spec.deployment_group_id,
            "DEPLOYQ_HOST": host.name,
            "DEPLOYQ_DEPLOYMENT_DIR": str(deployment_dir),
            "DEPLOYQ_REVISION_DIR": str(revision_dir),
            "DEPLOYQ_DEPLOYMENT_CREATOR": spec.creator,
            "DEPLOYQ_DEPLOYMENT_TYPE": spec.deployment_type,
        }
    )
    if host.install_root is not None:
        env["DEPLOYQ_INSTALL_ROOT"] = str(host.install_root)
    for key, value in (tags or {}).items():
        env["DEPLOYQ_TAG_" + "".join(c if c.isalnum() else "_" for c in key.upper())] = value
    revision = spec.revision
    if revision.get("revisionType") == "S3":
        s3 = revision.get("s3Location") or {}
        env["BUNDLE_BUCKET"] = str(s3.get("bucket", ""))
        env["BUNDLE_KEY"] = str(s3.get("key", ""))
        if s3.get("version"):
            env["BUNDLE_VERSION"] = str(s3["version"])
        if s3.get("eTag") or etag:
            env["BUNDLE_ETAG"] = str(s3.get("eTag") or etag)
    elif revision.get("revisionType") == "GitHub":
        env["BUNDLE_COMMIT"] = str((revision.get("gitHubLocation") or {}).get("commitId", ""))
    return env


class StopCheck:
    """Asks Redis whether the deployment must stop now, at most every ``every`` seconds."""

    def __init__(self, progress: ProgressStore, deployment_id: str, every: float = 0.5) -> None:
        self.progress, self.deployment_id, self.every = progress, deployment_id, every
        self.checked, self.answer = 0.0, False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.answer and now - self.checked >= self.every:
            self.checked = now
            self.answer = self.progress.stop_requested(self.deployment_id) == "terminate"
        return self.answer


class EventRunner:
    def __init__(self, config: AgentConfig, progress: ProgressStore) -> None:
        self.config = config
        self.progress = progress
        self.fetcher = Fetcher(FetchOptions(s3_endpoint_url=config.s3_endpoint_url, git_base_url=config.git_base_url))

    def run(self, spec: DeploymentSpec, host_name: str, event: str, after: str | None = None) -> Outcome:
        """Run ``event``; ``after`` is the event before it on this host, which must have finished."""
        host = self.config.host(host_name)
        recorded = self.progress.event_state(spec.deployment_id, host_name, event)
        if recorded:
            return self._already(recorded)
        if after is not None:
            previous = self.progress.event_state(spec.deployment_id, host_name, after)
            if previous.get("state") != "finished":
                # another delivery of this host's chain is still running ``after``; it carries on from there
                return {"status": LifecycleEventStatus.PENDING.value, "waiting_for": after}
            before = previous["outcome"]
            if before["status"] == LifecycleEventStatus.FAILED.value or before.get("blocked"):
                return self._skip(spec, host_name, event, f"{after} did not succeed.")
        tracker = Tracker(host.root)
        ongoing = Ongoing(spec.deployment_id, host_name, event, token=uuid.uuid4().hex)
        tracker.begin(ongoing)
        if not self.progress.claim_event(spec.deployment_id, host_name, event, ongoing.token):
            tracker.end(ongoing)
            return self._already(self.progress.event_state(spec.deployment_id, host_name, event))
        started = time.time()
        layout = Layout(host.root)
        event_log = EventLog(
            layout.scripts_log(spec.deployment_group_id, spec.deployment_id),
            self.progress,
            deployment_id=spec.deployment_id,
            host=host_name,
            event=event,
        )
        try:
            outcome = self._run(
                spec, host, event, layout, event_log, started, lambda pid: tracker.started_process(ongoing, pid)
            )
        except DeployqError as exc:
            event_log.line(f"Error - {exc}")
            outcome = make_outcome(
                LifecycleEventStatus.FAILED,
                started=started,
                error_code=LifecycleErrorCode.UNKNOWN_ERROR,
                message=str(exc),
            )
        except Exception as exc:
            log.exception("%s %s on %s failed", event, spec.deployment_id, host_name)
            event_log.line(f"Error - {type(exc).__name__}: {exc}")
            outcome = make_outcome(
                LifecycleEventStatus.FAILED,
                started=started,
                error_code=LifecycleErrorCode.UNKNOWN_ERROR,
                message=f"{event} failed with error {type(exc).__name__} with message {exc}",
            )
        finally:
            event_log.close()
        outcome["log"] = event_log.text()
        self.progress.finish_event(spec.deployment_id, host_name, event, ongoing.token, outcome)
        tracker.end(ongoing)
        return outcome

    def _skip(self, spec: DeploymentSpec, host: str, event: str, why: str) -> Outcome:
        """Record ``event`` Skipped without running anything (an earlier event failed or was skipped)."""
        token = uuid.uuid4().hex
        if not self.progress.claim_event(spec.deployment_id, host, event, token):
            return self._already(self.progress.event_state(spec.deployment_id, host, event))
        outcome = make_outcome(LifecycleEventStatus.SKIPPED, started=time.time(), message=f"Skipped: {why}")
        outcome["blocked"] = True
        self.progress.finish_event(spec.deployment_id, host, event, token, outcome)
        return outcome

    @staticmethod
    def _already(state: dict[str, Any]) -> Outcome:
        if state.get("state") == "finished":
            return dict(state["outcome"], duplicate=True)
        return {"status": LifecycleEventStatus.IN_PROGRESS.value, "duplicate": True}

    def _run(
        self,
        spec: DeploymentSpec,
        host: HostConfig,
        event: str,
        layout: Layout,
        event_log: EventLog,
        started: float,
        on_start: Callable[[int], None],
    ) -> Outcome:
        if self.progress.stop_requested(spec.deployment_id):
            stopped = make_outcome(
                LifecycleEventStatus.SKIPPED,
                started=started,
                message="The deployment was stopped before this event started.",
            )
            stopped["blocked"] = True
            return stopped
        if event == E.DOWNLOAD_BUNDLE:
            return self._download(spec, layout, event_log, started)
        if event == E.INSTALL:
            return self._install(spec, host, layout, event_log, started)
        if event in (E.BLOCK_TRAFFIC, E.ALLOW_TRAFFIC):
            return make_outcome(
                LifecycleEventStatus.SKIPPED,
                started=started,
                message="No load balancer is configured for this deployment group.",
            )
        return self._hooks(spec, host, event, layout, event_log, started, on_start)

    def _download(self, spec: DeploymentSpec, layout: Layout, event_log: EventLog, started: float) -> Outcome:
        dg = spec.deployment_group_id
        for pruned in prune(layout, dg, spec.deployment_id, self.config.max_revisions):
            event_log.line(f"Retention - removed {pruned}")
        deployment_dir = layout.deployment_dir(dg, spec.deployment_id)
        deployment_dir.mkdir(parents=True, exist_ok=True)
        fetched = self.fetcher.fetch(spec.revision, deployment_dir)
        archive = layout.archive_dir(dg, spec.deployment_id)
        if archive.exists():
            shutil.rmtree(archive)
        unpack(fetched.path, fetched.bundle_type, archive)
        record = layout.most_recent_install_file(dg)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(str(deployment_dir))
        message = f"Downloaded the {fetched.bundle_type} bundle (sha256 {fetched.sha256})"
        event_log.line(message)
        return make_outcome(
            LifecycleEventStatus.SUCCEEDED, started=started, message=message, revision_dir=str(deployment_dir)
        )

    def _install(
        self, spec: DeploymentSpec, host: HostConfig, layout: Layout, event_log: EventLog, started: float
    ) -> Outcome:
        dg, dep = spec.deployment_group_id, spec.deployment_id
        archive = layout.archive_dir(dg, dep)
        appspec = load_appspec_file(archive, os_name=OS_NAME)
        lock = f"install:{host.name}"
        deadline = time.monotonic() + INSTALL_LOCK_WAIT
        while not self.progress.acquire(lock, dep, ttl=INSTALL_LOCK_WAIT):
            if time.monotonic() > deadline:
                raise DeployqError(
                    f"another deployment ({self.progress.lock_owner(lock)}) kept installing on "
                    f"{host.name} for {INSTALL_LOCK_WAIT:.0f} s"
                )
            time.sleep(0.2)
        try:
            result = install(
                appspec,
                archive,
                layout,
                dg,
                dep,
                file_exists_behavior=spec.file_exists_override,
                install_root=host.install_root,
            )
        finally:
            self.progress.release(lock, dep)
        message = f"Installed {len(result.plan.instructions)} instructions"
        event_log.line(message)
        return make_outcome(
            LifecycleEventStatus.SUCCEEDED,
            started=started,
            message=message,
            revision_dir=str(layout.deployment_dir(dg, dep)),
        )

    def _hooks(
        self,
        spec: DeploymentSpec,
        host: HostConfig,
        event: str,
        layout: Layout,
        event_log: EventLog,
        started: float,
        on_start: Callable[[int], None],
    ) -> Outcome:
        revision_dir = revision_dir_for(event, spec, layout)
        if revision_dir is None:
            if event in STOP_EVENTS or event in (E.BEFORE_ALLOW_TRAFFIC, E.AFTER_ALLOW_TRAFFIC):
                return make_outcome(
                    LifecycleEventStatus.SKIPPED,
                    started=started,
                    message="No earlier install of this deployment group on this host: nothing to run.",
                )
            raise DeployqError(
                f"{event} cannot run: the revision of {spec.deployment_id} was not downloaded to this host"
            )
        archive = revision_dir / ARCHIVE_DIR
        try:
            scripts = load_appspec_file(archive, os_name=OS_NAME).scripts_for(event)
        except DeployqError as exc:
            if event in STOP_EVENTS and spec.ignore_application_stop_failures:
                return make_outcome(
                    LifecycleEventStatus.SUCCEEDED,
                    started=started,
                    revision_dir=str(revision_dir),
                    message=f"Ignored (ignoreApplicationStopFailures): {exc}",
                )
            raise
        if not scripts:
            return make_outcome(
                LifecycleEventStatus.SUCCEEDED,
                started=started,
                revision_dir=str(revision_dir),
                message=f"No scripts for {event}.",
            )
        deployment_dir = layout.deployment_dir(spec.deployment_group_id, spec.deployment_id)
        runner = ScriptRunner(
            archive,
            hook_environment(spec, host, event, deployment_dir, revision_dir, tags=self.config.tags),
            event_log,
            kill_grace=self.config.kill_grace,
            should_stop=StopCheck(self.progress, spec.deployment_id),
            on_start=on_start,
        )
        result = runner.run_all(scripts)
        status = LifecycleEventStatus.SUCCEEDED if result.succeeded else LifecycleEventStatus.FAILED
        message = result.message
        if not result.succeeded and event in STOP_EVENTS and spec.ignore_application_stop_failures:
            status, message = LifecycleEventStatus.SUCCEEDED, f"Ignored (ignoreApplicationStopFailures): {message}"
        return make_outcome(
            status,
            started=started,
            error_code=result.error_code,
            script_name=result.script_name,
            message=message,
            exit_code=result.exit_code,
            revision_dir=str(revision_dir),
        )

"""The dry run: what a deployment would do — hosts, order, batches, the events and scripts each host
would run, and the verdict — without deploying anything."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from deployq.appspec import AppSpec, load_appspec_file
from deployq.bundle import Fetcher, FetchOptions, unpack
from deployq.domain.enums import ErrorCode, LifecycleEventName
from deployq.errors import DeployqError
from deployq.orchestration.events import server_events
from deployq.orchestration.plan import Host, HostState, plan_deployment
from deployq.orchestration.targets import select_targets
from deployq.service.deployments import check_revision
from deployq.store import Store

#: Events whose scripts come from the revision already on the host (§1.2).
FROM_PREVIOUS = {LifecycleEventName.APPLICATION_STOP.value, LifecycleEventName.BEFORE_BLOCK_TRAFFIC.value,
                 LifecycleEventName.AFTER_BLOCK_TRAFFIC.value}


def _appspec(revision: dict[str, Any], options: FetchOptions, workdir: Path) -> AppSpec:
    fetched = Fetcher(options).fetch(revision, workdir)
    archive = workdir / "archive"
    unpack(fetched.path, fetched.bundle_type, archive)
    return load_appspec_file(archive)


def plan_dry_run(store: Store, application: str, group: str, revision: dict[str, Any], *,
                 deployment_config_name: str | None = None, update_outdated_instances_only: bool = False,
                 fetch_options: FetchOptions | None = None) -> dict[str, Any]:
    from deployq.coordinator.engine import host_state

    grp = store.groups.get(application, group)
    config = store.configs.get(deployment_config_name or grp.deployment_config_name)
    check_revision(revision)
    history = store.deployments.host_history(grp.id)
    hosts = [Host(i.name, host_state(history.get(i.name), revision))
             for i in select_targets(grp, store.instances.list())]
    assert config.minimum_healthy_hosts is not None
    plan = plan_deployment(hosts, config.minimum_healthy_hosts, update_outdated_only=update_outdated_instances_only)
    verdict: dict[str, Any] = {"ok": plan.verdict.ok, "errorCode": plan.verdict.error_code,
                               "message": plan.verdict.message}
    options = fetch_options or FetchOptions(retries=1)
    events: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="deployq-plan-") as tmp:
        try:
            current = _appspec(revision, options, Path(tmp) / "current")
        except DeployqError as exc:
            current = None
            code = ErrorCode.REVISION_MISSING if "appspec" not in str(exc).lower() else ErrorCode.INVALID_REVISION
            verdict = {"ok": False, "errorCode": code, "message": str(exc)}
        previous = None
        previous_id = grp.last_successful_deployment_id
        if previous_id:
            last = store.deployments.get(previous_id)
            try:
                previous = _appspec(last.revision or {}, options, Path(tmp) / "previous")
            except DeployqError:
                previous = None
        for event in server_events():
            source = previous if event in FROM_PREVIOUS else current
            scripts = [] if source is None else [s.summary() for s in source.scripts_for(event)]
            entry: dict[str, Any] = {"event": event, "scripts": scripts}
            if event in FROM_PREVIOUS:
                entry["revision"] = f"previous ({previous_id})" if previous_id else "none: skipped on every host"
            events.append(entry)
    return {
        "application": application,
        "deploymentGroup": group,
        "deploymentConfig": config.name,
        "verdict": verdict,
        "minimumHealthyHosts": plan.rule.minimum,
        "hosts": [{"name": h.name, "state": h.state.name.lower(),
                   "skipsApplicationStop": h.state is HostState.UNKNOWN} for h in hosts],
        "skipped": list(plan.skipped),
        "batches": [list(b) for b in plan.batches],
        "events": events,
    }
